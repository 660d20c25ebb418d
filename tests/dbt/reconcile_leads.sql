{{ config(meta={'dagster': {'ref': {'name': 'fct_leads'}}}) }}
-- Every leads row the loader wrote reaches staging and fct_leads exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_leads.
{{ reconcile_layer_keys('leads', ['lead_id'], 'stg_crm__leads', ['lead_id'], 'fct_leads', ['lead_id']) }}
