{#- A table built one part at a time, in one statement per part (issue 20: scale 30 at the default
    memory cap).

    Why: an exact percentile holds every value of its group in memory until the aggregate ends, and
    DuckDB cannot spill such states. int_kpi__monthly and int_kpi__period_values aggregate every KPI
    record in every scope, so one statement held the values of all scopes at once: at scale 30 (about
    800 million scoped records) the build ran out of memory under the 4 GB cap. Within one statement,
    splitting the query by UNION ALL does not help (DuckDB finishes every branch's aggregate before it
    reads any); separate statements do. At scale 10, int_kpi__monthly needed between 1.2 and 2 GB in one
    statement, and each scope type's part passes under 0.8 GB.

    How: the model's SQL stays whole (what dbt compiles, what the bench runs bare, what Spark builds). This
    materialization runs `select * from (<model>) where <part_column> = <part>` for each listed part, the
    first as `create table as`, the others as inserts. DuckDB pushes the filter down to the scans of the
    records, so each statement aggregates only its part. Then the same swap as dbt's table
    materialization: the new table replaces the old one in one transaction.

    The parts must be every value the column takes: a row of another would be missing. No "every other
    value" part: its filter (not in the list) is not pushed down, so it computed the whole model again
    (12 s at scale 10) and held all of it in memory. tests/test_table_in_parts.py checks that the list
    is every scope type int_kpi__records attaches, and that each table equals its SQL run whole.

    Use: config(materialized=table_in_parts_materialization(), part_column=..., parts=[...]). On engines
    other than DuckDB that is a plain table. -#}
{% macro table_in_parts_materialization() -%}
    {{ return(adapter.dispatch('table_in_parts_materialization', 'crm_impact')()) }}
{%- endmacro %}

{% macro default__table_in_parts_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro duckdb__table_in_parts_materialization() -%}
    {{ return('table_in_parts') }}
{%- endmacro %}

{% materialization table_in_parts, adapter='duckdb' %}
    {%- set part_column = config.require('part_column') -%}
    {%- set parts = config.require('parts') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set preexisting_intermediate_relation = load_cached_relation(intermediate_relation) -%}
    {%- set backup_type = 'table' if existing_relation is none else existing_relation.type -%}
    {%- set backup_relation = make_backup_relation(target_relation, backup_type) -%}
    {%- set preexisting_backup_relation = load_cached_relation(backup_relation) -%}
    {{ drop_relation_if_exists(preexisting_intermediate_relation) }}
    {{ drop_relation_if_exists(preexisting_backup_relation) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- for part in parts %}
        {%- set part_sql -%}
            select * from (
                {{ compiled_code }}
            ) as model_rows
            where {{ part_column }} = '{{ part }}'
        {%- endset %}
        {%- if loop.first %}
            {% call statement('main') -%}
                {{ create_table_as(False, intermediate_relation, part_sql) }}
            {%- endcall %}
        {%- else %}
            {% call statement('part_' ~ loop.index) -%}
                insert into {{ intermediate_relation }} {{ part_sql }}
            {%- endcall %}
        {%- endif %}
    {%- endfor %}

    {% if existing_relation is not none %}
        {{ adapter.rename_relation(existing_relation, backup_relation) }}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ drop_relation_if_exists(backup_relation) }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#- The scope types of the KPI series (int_kpi__records attaches them), largest first: the parts of the
    KPI tables built in parts. -#}
{% macro kpi_scope_types() -%}
    {{ return(['company', 'department', 'region', 'rollout_wave', 'employee']) }}
{%- endmacro %}
