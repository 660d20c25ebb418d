{#- What the loader recorded about the load behind the warehouse, for the
    marts that explain a quarantine or a missing table. The loader writes
    raw.load_log (one row per contract table per load) and raw.quarantine (one
    row per rejected source row) next to the raw tables. Neither is a dbt
    source (a source is an asset of the contract in Dagster, and a warehouse
    loaded by another tool has neither): where a table is missing (or a
    column, from an older loader), these macros give a query with the same
    columns and no rows, so every model builds and says "not recorded"
    instead of failing. -#}

{#- The relation raw.<identifier> with its lower-case column names, or none
    (dbt's parse phase, or no such table). On Spark the raw layer is Parquet
    folders (orchestration/spark/raw_parquet.py writes load_log and quarantine
    beside the contract tables), read in place: a raw layer without them
    fails the build naming the missing path - write it again with
    `crm-impact load --spark`. -#}
{% macro loader_table(identifier) -%}
    {{ return(adapter.dispatch('loader_table', 'crm_impact')(identifier)) }}
{%- endmacro %}

{% macro default__loader_table(identifier) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=target.database, schema='raw', identifier=identifier) -%}
    {%- if relation is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
    {{ return({'relation': relation, 'columns': names}) }}
{%- endmacro %}

{% macro spark__loader_table(identifier) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = "parquet.`" ~ spark_raw_folder() ~ "/" ~ identifier ~ "`" -%}
    {%- set names = run_query("select * from " ~ relation ~ " limit 0").column_names | map('lower') | list -%}
    {{ return({'relation': relation, 'columns': names}) }}
{%- endmacro %}

{#- The folder of the Spark raw layer (one folder of Parquet files per table). -#}
{% macro spark_raw_folder() -%}
    {{ return(var('spark_raw_path', env_var('CRM_IMPACT_SPARK_HOME', 'warehouse/spark') ~ '/raw')) }}
{%- endmacro %}

{#- The column `name` of a loader table when it has it, else a typed NULL
    (a warehouse loaded by an older loader). -#}
{% macro loader_column(table, name, type) -%}
    {%- if name in table.columns -%}{{ name }}{%- else -%}cast(null as {{ type }}){%- endif -%}
{%- endmacro %}

{#- One row per contract table that raw.load_log mentions: the file behind its
    raw rows, i.e. its latest load with status 'loaded' (a later 'unchanged'
    load skipped the same file; NULL columns when every load found the table
    absent). Columns: table_name, load_status ('loaded' | 'absent'),
    source_file, load_id, loaded_at, rows_read, rows_loaded, rows_quarantined,
    max_quarantine_share (the limit of that load; NULL = none). -#}
{% macro loaded_files() -%}
    {%- set log = loader_table('load_log') -%}
    {%- if log is none %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as load_status,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as load_id,
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(null as {{ dbt.type_bigint() }}) as rows_read,
        cast(null as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(null as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(null as double) as max_quarantine_share
    from (select 1 as one) as nothing
    where 1 = 0
    {%- else %}
    select
        logged.table_name,
        case when latest.load_id is null then 'absent' else 'loaded' end as load_status,
        latest.source_file,
        latest.load_id,
        cast(latest.loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        cast(latest.rows_read as {{ dbt.type_bigint() }}) as rows_read,
        cast(latest.rows_loaded as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(latest.rows_quarantined as {{ dbt.type_bigint() }}) as rows_quarantined,
        cast(latest.max_quarantine_share as double) as max_quarantine_share
    from (select distinct table_name from {{ log.relation }}) as logged
    left join (
        select
            table_name, source_file, load_id, loaded_at, rows_read, rows_loaded, rows_quarantined,
            {{ loader_column(log, 'max_quarantine_share', 'double') }} as max_quarantine_share,
            row_number() over (partition by table_name order by loaded_at desc, load_id desc) as recency
        from {{ log.relation }}
        where status = 'loaded'
    ) as latest
        on logged.table_name = latest.table_name
        and latest.recency = 1
    {%- endif %}
{%- endmacro %}

{#- The quarantined rows of the files behind the raw tables (loaded_files()),
    counted by table, column and rule (the first rule each row broke), with
    one full reason as an example. Columns: table_name, column_name, rule,
    row_count, example_reason. -#}
{% macro quarantine_counts() -%}
    {%- set quarantine = loader_table('quarantine') -%}
    {%- if quarantine is none or loader_table('load_log') is none %}
    select
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as rule,
        cast(null as {{ dbt.type_bigint() }}) as row_count,
        cast(null as {{ dbt.type_string() }}) as example_reason
    from (select 1 as one) as nothing
    where 1 = 0
    {%- else %}
    select
        quarantined.table_name,
        quarantined.column_name,
        coalesce({{ loader_column(quarantine, 'rule', dbt.type_string()) }}, 'unknown') as rule,
        cast(count(*) as {{ dbt.type_bigint() }}) as row_count,
        min(quarantined.reason) as example_reason
    from {{ quarantine.relation }} as quarantined
    inner join ({{ loaded_files() }}) as files
        on quarantined.load_id = files.load_id
        and quarantined.table_name = files.table_name
    group by
        quarantined.table_name,
        quarantined.column_name,
        coalesce({{ loader_column(quarantine, 'rule', dbt.type_string()) }}, 'unknown')
    {%- endif %}
{%- endmacro %}

{#- True when the dbt var `name` was given for this invocation (--vars, which
    `crm-impact build --go-live`, Dagster's run config and the settings pass
    only for the settings given), not taken from dbt_project.yml's default. -#}
{% macro setting_given(name) -%}
    {%- set given = invocation_args_dict.get('vars') or {} -%}
    {%- if given is string -%}
        {%- set given = fromyaml(given) or {} -%}
    {%- endif -%}
    {{ return(name in given) }}
{%- endmacro %}
