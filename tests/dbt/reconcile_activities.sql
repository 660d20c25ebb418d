{{ config(meta={'dagster': {'ref': {'name': 'fct_activities'}}}) }}
-- Every activities row the loader wrote reaches staging and fct_activities exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_activities.
{{ reconcile_layer_keys('activities', ['activity_id'], 'stg_crm__activities', ['activity_id'], 'fct_activities', ['activity_id']) }}
