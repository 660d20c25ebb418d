{#- Counts reconcile from raw through staging to the fact or dimension: every
    key the loader wrote is in each layer exactly as often as in raw (nothing
    lost, nothing duplicated). Returns one row per key whose counts differ,
    with the count in each layer, so a failing test shows what went missing.

    raw_keys and the other key lists are SQL expressions, position by
    position: a raw key is written the way staging normalises it (for
    example lower(trim(scope_type))), so that the same record matches.
    Used by the singular tests in tests/dbt/ (reconcile_<table>.sql); a
    union and a group by, not joins, so that NULL keys match and the SQL
    stays portable to Spark. -#}
{% macro reconcile_layer_keys(raw_table, raw_keys, staging_model, staging_keys, final_model=none, final_keys=none) %}
{%- set layers = [('raw', source('crm', raw_table), raw_keys), ('staging', ref(staging_model), staging_keys)] -%}
{%- if final_model -%}
    {%- do layers.append(('final', ref(final_model), final_keys)) -%}
{%- endif -%}
{%- set key_columns = [] -%}
{%- for expression in raw_keys -%}
    {%- do key_columns.append('key_' ~ loop.index) -%}
{%- endfor -%}
with keyed as (
    {%- for layer, relation, keys in layers %}
    select
        {%- for expression in keys %}
        {{ expression }} as {{ key_columns[loop.index0] }},
        {%- endfor %}
        '{{ layer }}' as layer
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    {{ key_columns | join(', ') }},
    {%- for layer, relation, keys in layers %}
    sum(case when layer = '{{ layer }}' then 1 else 0 end) as {{ layer }}_rows{{ ',' if not loop.last }}
    {%- endfor %}
from keyed
group by {{ key_columns | join(', ') }}
having sum(case when layer = 'raw' then 1 else 0 end) <> sum(case when layer = 'staging' then 1 else 0 end)
{%- if final_model %}
    or sum(case when layer = 'staging' then 1 else 0 end) <> sum(case when layer = 'final' then 1 else 0 end)
{%- endif %}
{% endmacro %}
