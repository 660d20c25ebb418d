{#- The tables that Python writes, on Spark. `crm-impact load --spark`
    validates an export in DuckDB exactly as for the DuckDB target (same
    contract, same quarantine) and then writes every raw table as Parquet to
    <spark_home>/raw/<table>/; the estimator (orchestration/estimate) writes
    its tables to <spark_home>/estimates/<table>/. This hook, run at the start
    of every dbt invocation on Spark, registers those folders as external
    tables of the schemas `raw` and `estimates`, so that source('crm', ...)
    and source('estimates', ...) read them. Dropping an external table leaves
    its files alone; re-creating it makes Spark list the files again after a
    new load. On other engines the loader and the estimator write into the
    warehouse itself: nothing to do. -#}
{% macro register_python_sources() -%}
    {{ return(adapter.dispatch('register_python_sources', 'crm_impact')()) }}
{%- endmacro %}

{% macro default__register_python_sources() -%}
    select 1
{%- endmacro %}

{% macro spark__register_python_sources() -%}
    {%- if execute -%}
        {%- set spark_home = env_var('CRM_IMPACT_SPARK_HOME', 'warehouse/spark') -%}
        {#- source name -> (schema, folder, lineage columns the writer adds) -#}
        {%- set written_by_python = {
            'crm': ('raw', spark_raw_folder(), ', _source_file string, _loaded_at timestamp'),
            'estimates': ('estimates', spark_home ~ '/estimates', ''),
        } -%}
        {%- for source_name, (schema, folder, lineage) in written_by_python.items() -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
            {%- for node in graph.sources.values() if node.source_name == source_name -%}
                {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ node.name) -%}
                {%- set columns = [] -%}
                {%- for column in node.columns.values() -%}
                    {%- do columns.append(column.name ~ ' ' ~ spark_type(column.data_type)) -%}
                {%- endfor -%}
                {%- do run_query("create table " ~ schema ~ "." ~ node.name ~ " (" ~ columns | join(', ') ~ lineage ~ ")"
                    ~ " using parquet location '" ~ folder ~ "/" ~ node.name ~ "'") -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- The raw contract names DuckDB types; Spark spells a string `string`. -#}
{% macro spark_type(data_type) -%}
    {{- 'string' if data_type | lower == 'varchar' else data_type -}}
{%- endmacro %}
