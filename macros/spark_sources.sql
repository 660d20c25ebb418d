{#- The raw layer on Spark. `crm-impact load --spark` validates an export in
    DuckDB exactly as for the DuckDB target (same contract, same quarantine)
    and then writes every raw table as Parquet to <spark_raw_path>/<table>/.
    This hook, run at the start of every dbt invocation on Spark, registers
    those folders as external tables of the schema `raw`, so that
    source('crm', ...) reads them. Dropping an external table leaves its files
    alone; re-creating it makes Spark list the files again after a new load.
    On other engines the loader writes the raw schema itself: nothing to do. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'crm_impact')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set raw_path = var('spark_raw_path', env_var('CRM_IMPACT_SPARK_HOME', 'warehouse/spark') ~ '/raw') -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for node in graph.sources.values() if node.source_name == 'crm' -%}
            {%- do run_query('drop table if exists raw.' ~ node.name) -%}
            {%- set columns = [] -%}
            {%- for column in node.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ spark_type(column.data_type)) -%}
            {%- endfor -%}
            {%- do run_query("create table raw." ~ node.name ~ " (" ~ columns | join(', ') ~ ", _source_file string, _loaded_at timestamp)"
                ~ " using parquet location '" ~ raw_path ~ "/" ~ node.name ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- The raw contract names DuckDB types; Spark spells a string `string`. -#}
{% macro spark_type(data_type) -%}
    {{- 'string' if data_type | lower == 'varchar' else data_type -}}
{%- endmacro %}
