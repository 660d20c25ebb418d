-- Settings that the data overrode, one row each, so that nobody believes a
-- setting was applied when it was not. Today one: a go-live given as a
-- setting (--go-live, Dagster's run config) while the export has a
-- crm_rollout table - the export's rollout wins (dim_crm_rollout), and the
-- build prints one line that says so (below), the report a note.
{%- set go_live_given = setting_given('crm_go_live_date') %}
{%- if execute and go_live_given %}
    {%- set used = run_query(
        "select cast(go_live_date as " ~ dbt.type_string() ~ ") from " ~ ref('dim_crm_rollout')
        ~ " where scope_type = 'company' and not is_from_settings") %}
    {%- if used.rows | length > 0 %}
        {{ log("Note: the go-live " ~ crm_go_live_date() ~ " given as a setting is not used: the export has a "
               ~ "crm_rollout table, and the go-live of the company, " ~ used.rows[0][0] ~ ", comes from it.",
               info=True) }}
    {%- endif %}
{%- endif %}
with company as (
    select go_live_date, is_from_settings
    from {{ ref('dim_crm_rollout') }}
    where scope_type = 'company'
)

select
    cast('crm_go_live_date' as {{ dbt.type_string() }}) as setting_name,
    cast('{{ crm_go_live_date() }}' as {{ dbt.type_string() }}) as given_value,
    cast(go_live_date as {{ dbt.type_string() }}) as used_value,
    cast('the crm_rollout table of the export' as {{ dbt.type_string() }}) as used_from,
    'the go-live {{ crm_go_live_date() }} given as a setting is not used: the export has a crm_rollout table, '
        || 'and the go-live of the company, ' || cast(go_live_date as {{ dbt.type_string() }}) || ', comes from it'
        as note
from company
where {{ 'true' if go_live_given else 'false' }}
    and not is_from_settings
