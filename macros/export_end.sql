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
    {%- if not execute -%}
        {{ return(unknown) }}
    {%- endif -%}
    {%- set load_log = adapter.get_relation(database=target.database, schema='raw', identifier='load_log') -%}
    {%- if load_log is none -%}
        {{ return(unknown) }}
    {%- endif -%}
    {%- set column_names = adapter.get_columns_in_relation(load_log) | map(attribute='name') | map('lower') | list -%}
    {%- if 'exported_at' not in column_names -%}
        {{ return(unknown) }}
    {%- endif -%}
    {{ return("(select cast(max(exported_at) as timestamp) from " ~ load_log ~ ")") }}
{%- endmacro %}
