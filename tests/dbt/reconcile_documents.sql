{{ config(meta={'dagster': {'ref': {'name': 'fct_documents'}}}) }}
-- Every documents row the loader wrote reaches staging and fct_documents exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_documents.
{{ reconcile_layer_keys('documents', ['document_id'], 'stg_crm__documents', ['document_id'], 'fct_documents', ['document_id']) }}
