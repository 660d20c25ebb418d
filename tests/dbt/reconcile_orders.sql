{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}
-- Every orders row the loader wrote reaches staging and fct_orders exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_orders.
{{ reconcile_layer_keys('orders', ['order_id'], 'stg_crm__orders', ['order_id'], 'fct_orders', ['order_id']) }}
