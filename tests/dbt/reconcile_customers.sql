{{ config(meta={'dagster': {'ref': {'name': 'dim_customers'}}}) }}
-- Every customers row the loader wrote reaches staging and dim_customers exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of dim_customers.
{{ reconcile_layer_keys('customers', ['customer_id'], 'stg_crm__customers', ['customer_id'], 'dim_customers', ['customer_id']) }}
