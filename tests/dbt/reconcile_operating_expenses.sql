{{ config(meta={'dagster': {'ref': {'name': 'fct_operating_expenses'}}}) }}
-- Every operating_expenses row the loader wrote reaches staging and fct_operating_expenses exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_operating_expenses.
{{ reconcile_layer_keys('operating_expenses', ['expense_id'], 'stg_crm__operating_expenses', ['expense_id'], 'fct_operating_expenses', ['expense_id']) }}
