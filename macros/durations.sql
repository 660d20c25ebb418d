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

{#- Calendar months from the month of one date to the month of another
    (2024-01-31 -> 2024-02-01 is 1), as an integer: DuckDB's datediff('month')
    and the same on every engine, always parenthesised (dbt-spark's own month
    datediff is two CASE terms added without parentheses, which a following
    `* x` or `/ 12` would split). -#}
{% macro calendar_months_between(start_date, end_date) -%}
    cast((extract(year from {{ end_date }}) - extract(year from {{ start_date }})) * 12
         + extract(month from {{ end_date }}) - extract(month from {{ start_date }}) as bigint)
{%- endmacro %}

{#- Whole days between two timestamps (their local dates), expressed in
    average months of 30.4375 days, as a double (Spark would otherwise divide
    an integer by a decimal literal in decimal arithmetic and round). -#}
{% macro months_of_days_between(start_timestamp, end_timestamp) -%}
    (cast({{ dbt.datediff(start_timestamp, end_timestamp, 'day') }} as double) / 30.4375)
{%- endmacro %}
