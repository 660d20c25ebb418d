{#- When the export was taken, as a naive UTC timestamp expression, or NULL when
    unknown. The loader records it (from the export's own `exported_at`
    setting) in the column raw.load_log.exported_at, the same value on every
    row of one load. Loads add to the raw tables (upsert), so the data are as
    recent as the newest export loaded: the latest value wins. An older warehouse whose
    load_log has no such column, a warehouse without a load_log (the Spark raw
    layer is Parquet of the contract tables only) and dbt's parse phase all
    give NULL, and the calendar then takes the latest event of the data as the
    end of the export (int_calendar__analysis_window). -#}
{% macro exported_at_utc() -%}
    {%- set unknown = 'cast(null as timestamp)' -%}
    {#- loader_table (macros/loader_log.sql): the warehouse's raw.load_log, or on Spark the load_log
        Parquet of the raw layer; none in dbt's parse phase or when there is no load_log -#}
    {%- set load_log = loader_table('load_log') -%}
    {%- if load_log is none or 'exported_at' not in load_log['columns'] -%}
        {{ return(unknown) }}
    {%- endif -%}
    {{ return("(select cast(max(exported_at) as timestamp) from " ~ load_log['relation'] ~ ")") }}
{%- endmacro %}
