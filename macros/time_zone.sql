{#- Raw timestamps are naive UTC (the loader normalises them). A "month" of the
    catalog is a calendar month in crm_timezone, so records are assigned to
    months by their local time. With crm_timezone = UTC nothing is converted. -#}
{% macro to_crm_local_time(timestamp_utc) -%}
    {%- set tz = crm_timezone() -%}
    {%- if tz | upper == 'UTC' -%}
        {{ timestamp_utc }}
    {%- else -%}
        {{ return(adapter.dispatch('to_crm_local_time', 'crm_impact')(timestamp_utc, tz)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__to_crm_local_time(timestamp_utc, tz) -%}
    ({{ timestamp_utc }} at time zone 'UTC' at time zone '{{ tz }}')
{%- endmacro %}

{% macro duckdb__to_crm_local_time(timestamp_utc, tz) -%}
    timezone('{{ tz }}', timezone('UTC', {{ timestamp_utc }}))
{%- endmacro %}

{% macro spark__to_crm_local_time(timestamp_utc, tz) -%}
    from_utc_timestamp({{ timestamp_utc }}, '{{ tz }}')
{%- endmacro %}
