{#- Elapsed time between two timestamps as a fraction of hours or minutes.
    Durations are measured on the UTC timestamps, so that a daylight-saving
    change inside the interval does not add or remove an hour. Seconds come
    from dbt's cross-database datediff; Spark spells it with unix_timestamp. -#}
{% macro seconds_between(start_timestamp, end_timestamp) -%}
    {{ return(adapter.dispatch('seconds_between', 'crm_impact')(start_timestamp, end_timestamp)) }}
{%- endmacro %}

{% macro default__seconds_between(start_timestamp, end_timestamp) -%}
    cast({{ dbt.datediff(start_timestamp, end_timestamp, 'second') }} as double)
{%- endmacro %}

{% macro spark__seconds_between(start_timestamp, end_timestamp) -%}
    cast(unix_timestamp({{ end_timestamp }}) - unix_timestamp({{ start_timestamp }}) as double)
{%- endmacro %}

{% macro hours_between(start_timestamp, end_timestamp) -%}
    ({{ seconds_between(start_timestamp, end_timestamp) }} / 3600.0)
{%- endmacro %}

{% macro minutes_between(start_timestamp, end_timestamp) -%}
    ({{ seconds_between(start_timestamp, end_timestamp) }} / 60.0)
{%- endmacro %}

{#- First day of the calendar month of a timestamp or date, as a date. -#}
{% macro month_of(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}
