{{ config(meta={'dagster': {'ref': {'name': 'dim_products'}}}) }}
-- Every products row the loader wrote reaches staging and dim_products exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of dim_products.
{{ reconcile_layer_keys('products', ['product_id'], 'stg_crm__products', ['product_id'], 'dim_products', ['product_id']) }}
