{{ config(meta={'dagster': {'ref': {'name': 'fct_surveys'}}}) }}
-- Every surveys row the loader wrote reaches staging and fct_surveys exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_surveys.
{{ reconcile_layer_keys('surveys', ['response_id'], 'stg_crm__surveys', ['response_id'], 'fct_surveys', ['response_id']) }}
