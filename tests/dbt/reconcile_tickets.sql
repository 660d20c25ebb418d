{{ config(meta={'dagster': {'ref': {'name': 'fct_tickets'}}}) }}
-- Every tickets row the loader wrote reaches staging and fct_tickets exactly once
-- (counts per key; macros/tests/reconcile_layer_keys.sql). Shown in Dagster as
-- a check of fct_tickets.
{{ reconcile_layer_keys('tickets', ['ticket_id'], 'stg_crm__tickets', ['ticket_id'], 'fct_tickets', ['ticket_id']) }}
