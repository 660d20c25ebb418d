{{ config(meta={'dagster': {'ref': {'name': 'fct_crm_costs'}}}) }}
-- Every crm_costs row the loader wrote reaches staging and fct_crm_costs exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_crm_costs.
{{ reconcile_layer_keys('crm_costs', ['cost_id'], 'stg_crm__crm_costs', ['cost_id'], 'fct_crm_costs', ['cost_id']) }}
