{{ config(meta={'dagster': {'ref': {'name': 'fct_order_items'}}}) }}
-- Every order_items row the loader wrote reaches staging and fct_order_items exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_order_items.
{{ reconcile_layer_keys('order_items', ['order_id', 'line_number'], 'stg_crm__order_items', ['order_id', 'line_number'], 'fct_order_items', ['order_id', 'line_number']) }}
