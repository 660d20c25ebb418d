{{ config(meta={'dagster': {'ref': {'name': 'stg_crm__crm_rollout'}}}) }}
-- Every crm_rollout row the loader wrote reaches staging exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of stg_crm__crm_rollout.
-- No final relation: dim_crm_rollout adds the company row and the rollout waves
-- (tests/test_layer_counts.py checks that every staged scope reaches it).
{{ reconcile_layer_keys('crm_rollout', ['lower(trim(scope_type))', 'trim(scope_value)'], 'stg_crm__crm_rollout', ['scope_type', 'scope_value']) }}
