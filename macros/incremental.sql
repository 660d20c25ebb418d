{#- Incremental facts.

    Strategy: delete+insert by the fact's key on DuckDB (and most engines);
    merge where delete+insert is not offered (Spark, Databricks). A model asks
    for it with incremental_strategy=incremental_strategy().

    Which rows a build reprocesses: every source row that the loader wrote
    after the newest row the fact already holds (its max(_loaded_at)), minus
    the incremental_lookback_hours setting (default 0: loads and builds take
    the warehouse's single-writer lock in turn and a load stamps all its rows
    with one time, so nothing can slip in between; a lookback is for engines
    where another process writes raw tables while a build runs), plus the rows whose derived values
    depend on those (the same customer's other tickets for repeat contacts,
    the orders of a changed product, ...). Each fact lists those dependencies
    itself, in a CTE named to_process. Without lineage (_loaded_at NULL) a row
    is always reprocessed, so a warehouse filled by something other than the
    loader is still built correctly, just not incrementally. -#}

{#- How a large fact materialises. Incremental everywhere, except on Spark
    with plain Parquet tables: they cannot merge or delete rows by key, so the
    facts are rebuilt as tables there (correct, not incremental). A cluster
    with Delta Lake, Iceberg or Hudi sets spark_file_format and gets merge. -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'crm_impact')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('incremental' if var('spark_file_format', 'parquet') in ['delta', 'iceberg', 'hudi'] else 'table') }}
{%- endmacro %}

{% macro incremental_strategy() -%}
    {{ return(adapter.dispatch('incremental_strategy', 'crm_impact')()) }}
{%- endmacro %}

{% macro default__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{% macro databricks__incremental_strategy() -%}
    {{ return('merge') }}
{%- endmacro %}

{#- The settings that change the values of rows already in an incremental
    fact (local times and months, currency conversion). Each row records
    them in _build_settings; a build whose settings differ from those of the
    existing rows reprocesses every row, so that changing crm_timezone or
    reporting_currency never leaves a fact half old, half new. -#}
{% macro incremental_settings_key() -%}
    {{- 'crm_timezone=' ~ crm_timezone() ~ ';reporting_currency=' ~ reporting_currency()
        ~ ';raw_rows_deleted=' ~ raw_rows_deleted() -}}
{%- endmacro %}

{#- Deletes. A complete export (export.yml `complete: true`, e.g. an API
    snapshot) deletes from raw the records the CRM deleted; the loader counts
    them in raw.load_log.rows_deleted. An incremental build cannot see a
    deletion (nothing was loaded), and a deleted row also changes the values
    of others (a customer's purchase sequence, an order's lines). So the
    running total of deleted raw rows is part of the settings key above: when
    it grows, every incremental fact reprocesses every row once, and
    delete_vanished_rows (a post-hook) removes the rows whose record is gone.
    0 without a load_log (or a column rows_deleted) or before dbt's execute phase. -#}
{% macro raw_rows_deleted() -%}
    {#- loader_table (macros/loader_log.sql): raw.load_log, or Spark's load_log Parquet; none before execute -#}
    {%- set load_log = loader_table('load_log') -%}
    {%- if load_log is none or 'rows_deleted' not in load_log['columns'] -%}{{ return(0) }}{%- endif -%}
    {%- set total = run_query('select coalesce(sum(rows_deleted), 0) from ' ~ load_log['relation']).columns[0].values()[0] -%}
    {{ return(total | int) }}
{%- endmacro %}

{#- Post-hook of an incremental fact: delete its rows whose key its source no
    longer has (the record was deleted from raw). Runs only on incremental
    builds of a warehouse where a load ever deleted rows; elsewhere it is an
    empty statement and costs nothing. -#}
{% macro delete_vanished_rows(source_relation, key_columns) -%}
    {%- if is_incremental() and raw_rows_deleted() > 0 -%}
    delete from {{ this }}
    where not exists (
        select 1 from {{ source_relation }} as kept
        where {% for key in key_columns %}{{ 'and ' if not loop.first }}kept.{{ key }} = {{ this }}.{{ key }} {% endfor %}
    )
    {%- endif -%}
{%- endmacro %}

{#- The earliest _loaded_at that this build must reprocess: the fact's
    newest _loaded_at minus the lookback, or the beginning of time when the
    fact is empty, carries no lineage or was built with other settings.
    incremental_watermark() is the CTE (first in the model's WITH, inside
    is_incremental()); incremental_since() reads it. -#}
{% macro incremental_watermark() -%}
incremental_watermark as (
    select
        case
            when min(_build_settings) = '{{ incremental_settings_key() }}'
                and max(_build_settings) = '{{ incremental_settings_key() }}'
                and max(_loaded_at) is not null
                then {{ dbt.dateadd('hour', -1 * incremental_lookback_hours(), 'max(_loaded_at)') }}
            else cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        end as loaded_since
    from {{ this }}
)
{%- endmacro %}

{% macro incremental_since() -%}
    (select loaded_since from incremental_watermark)
{%- endmacro %}

{#- The rows of a relation that the loader wrote since the fact's watermark
    (or that carry no lineage). `columns` is what to select from them. -#}
{% macro loaded_since(relation, columns) -%}
    select {{ columns }}
    from {{ relation }}
    where _loaded_at is null
        or _loaded_at > {{ incremental_since() }}
{%- endmacro %}

{#- _loaded_at of a raw table (the loader's lineage column), or a typed NULL
    when the table has none - e.g. raw tables created by hand. -#}
{% macro source_loaded_at(relation) -%}
    {%- set ns = namespace(found=false) -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower == '_loaded_at' -%}{%- set ns.found = true -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if ns.found -%}
        cast(_loaded_at as {{ dbt.type_timestamp() }})
    {%- else -%}
        cast(null as {{ dbt.type_timestamp() }})
    {%- endif -%}
{%- endmacro %}

{#- Setting: how far before a fact's newest _loaded_at a build looks again
    (covers a load that committed while the previous build was reading). -#}
{% macro incremental_lookback_hours() -%}
    {{ return(_non_negative_int('incremental_lookback_hours')) }}
{%- endmacro %}
