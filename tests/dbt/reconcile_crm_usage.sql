{{ config(meta={'dagster': {'ref': {'name': 'fct_crm_usage'}}}) }}
-- Every crm_usage row the loader wrote reaches staging and fct_crm_usage exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_crm_usage.
{{ reconcile_layer_keys('crm_usage', ['employee_id', 'activity_date'], 'stg_crm__crm_usage', ['employee_id', 'usage_date'], 'fct_crm_usage', ['employee_id', 'usage_date']) }}
