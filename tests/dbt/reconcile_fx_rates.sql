{{ config(meta={'dagster': {'ref': {'name': 'stg_crm__fx_rates'}}}) }}
-- Every fx_rates row the loader wrote reaches staging exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of stg_crm__fx_rates.
-- No final relation: the rates are used up by the conversion of orders
-- (int_orders__fx_rate), they are not a fact of their own.
{{ reconcile_layer_keys('fx_rates', ['upper(trim(currency))', 'rate_date'], 'stg_crm__fx_rates', ['currency', 'rate_date']) }}
