{#- Division that returns NULL instead of failing or returning infinity when the
    denominator is zero or NULL: a KPI with no denominator is "not available",
    never zero. Portable: plain SQL that DuckDB and Spark both accept. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}
