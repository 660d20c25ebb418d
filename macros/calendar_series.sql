{#- Series of months and days whose bounds come from a query, never from a
    hard-coded window: the calendar reaches as far back and as far forward as
    the export does (an export from 1997 or one reaching 2031 builds the same
    way). `from_relation` is a relation or a CTE name whose rows carry the
    bounds; `start_date` and `end_date` are expressions over its columns. One
    output row per month (day) and input row, bounds included. DuckDB and
    Postgres take a set-returning function in FROM (implicitly lateral); Spark
    explodes a sequence in the select list. -#}

{#- One row per calendar month (column month_start, a date) from start_month to end_month. -#}
{% macro month_series(from_relation, start_month, end_month) -%}
    {{ return(adapter.dispatch('month_series', 'crm_impact')(from_relation, start_month, end_month)) }}
{%- endmacro %}

{% macro default__month_series(from_relation, start_month, end_month) -%}
    select cast(series.month_start as date) as month_start
    from {{ from_relation }}
    cross join generate_series(
        cast({{ start_month }} as timestamp), cast({{ end_month }} as timestamp), interval 1 month
    ) as series(month_start)
{%- endmacro %}

{% macro spark__month_series(from_relation, start_month, end_month) -%}
    select explode(sequence(to_date({{ start_month }}), to_date({{ end_month }}), interval 1 month)) as month_start
    from {{ from_relation }}
{%- endmacro %}

{#- One row per day (column date_day, a date) from start_date to end_date. -#}
{% macro day_series(from_relation, start_date, end_date) -%}
    {{ return(adapter.dispatch('day_series', 'crm_impact')(from_relation, start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_series(from_relation, start_date, end_date) -%}
    select cast(series.date_day as date) as date_day
    from {{ from_relation }}
    cross join generate_series(
        cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day
    ) as series(date_day)
{%- endmacro %}

{% macro spark__day_series(from_relation, start_date, end_date) -%}
    select explode(sequence(to_date({{ start_date }}), to_date({{ end_date }}), interval 1 day)) as date_day
    from {{ from_relation }}
{%- endmacro %}
