{{ config(meta={'dagster': {'ref': {'name': 'dim_employees'}}}) }}
-- Every employees row the loader wrote reaches staging and dim_employees exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of dim_employees.
{{ reconcile_layer_keys('employees', ['employee_id'], 'stg_crm__employees', ['employee_id'], 'dim_employees', ['employee_id']) }}
