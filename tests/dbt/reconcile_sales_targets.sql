{{ config(meta={'dagster': {'ref': {'name': 'fct_sales_targets'}}}) }}
-- Every sales_targets row the loader wrote reaches staging and fct_sales_targets exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_sales_targets.
{{ reconcile_layer_keys('sales_targets', ['employee_id', month_of('month') | trim], 'stg_crm__sales_targets', ['employee_id', 'target_month'], 'fct_sales_targets', ['employee_id', 'target_month']) }}
