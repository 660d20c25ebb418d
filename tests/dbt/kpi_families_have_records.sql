{{ config(meta={'dagster': {'ref': {'name': 'int_kpi__records'}}}) }}
-- depends_on: {{ ref('int_kpi__records') }}
-- The seed kpi_families is the list of KPI families; int_kpi__records unions
-- one kpi_<family>__records model per family (named there, because dbt needs
-- its refs when it parses). One row per family that is in one but not the
-- other, read from dbt's own graph of int_kpi__records' parents.
{%- set unioned = [] -%}
{%- if execute -%}
    {%- set node = graph.nodes.values() | selectattr('name', 'equalto', 'int_kpi__records') | first -%}
    {%- for parent in node.depends_on.nodes -%}
        {%- set match = modules.re.fullmatch('model\\.[^.]+\\.kpi_(\\w+)__records', parent) -%}
        {%- if match -%}
            {%- do unioned.append(match.group(1)) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif %}

with unioned as (
    {%- for family in unioned %}
    select '{{ family }}' as family
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as family
    {%- endfor %}
)

select
    coalesce(seed.family, unioned.family) as family,
    case
        when seed.family is null then 'int_kpi__records unions kpi_' || unioned.family || '__records, a family not in kpi_families'
        else 'kpi_families has ' || seed.family || ', but int_kpi__records does not union kpi_' || seed.family || '__records'
    end as problem
from {{ ref('kpi_families') }} as seed
full outer join unioned
    on seed.family = unioned.family
where seed.family is null or unioned.family is null
