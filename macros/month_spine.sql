{#- One row per calendar month (column month_start, a date) from start_month to
    end_month inclusive. DuckDB and Spark spell series generation differently. -#}
{% macro month_spine(start_month, end_month) -%}
    {{ return(adapter.dispatch('month_spine', 'crm_impact')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__month_spine(start_month, end_month) -%}
    select cast(month_start as date) as month_start
    from generate_series(cast({{ start_month }} as date), cast({{ end_month }} as date), interval 1 month) as s(month_start)
{%- endmacro %}

{% macro duckdb__month_spine(start_month, end_month) -%}
    select cast(generate_series as date) as month_start
    from generate_series(cast({{ start_month }} as timestamp), cast({{ end_month }} as timestamp), interval 1 month)
{%- endmacro %}

{% macro spark__month_spine(start_month, end_month) -%}
    select explode(sequence(to_date({{ start_month }}), to_date({{ end_month }}), interval 1 month)) as month_start
{%- endmacro %}

{#- One row per day (column date_day) between two dates inclusive. -#}
{% macro day_spine(start_date, end_date) -%}
    {{ return(adapter.dispatch('day_spine', 'crm_impact')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__day_spine(start_date, end_date) -%}
    select cast(generate_series as date) as date_day
    from generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day)
{%- endmacro %}

{% macro spark__day_spine(start_date, end_date) -%}
    select explode(sequence(to_date({{ start_date }}), to_date({{ end_date }}), interval 1 day)) as date_day
{%- endmacro %}
