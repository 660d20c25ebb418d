{{ config(meta={'dagster': {'ref': {'name': 'fct_approvals'}}}) }}
-- Every approvals row the loader wrote reaches staging and fct_approvals exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_approvals.
{{ reconcile_layer_keys('approvals', ['approval_id'], 'stg_crm__approvals', ['approval_id'], 'fct_approvals', ['approval_id']) }}
