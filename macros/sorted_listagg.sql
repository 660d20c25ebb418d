{#- The values of a group joined into one string in ascending order, so that
    a message such as "the export has no rows in crm_usage, employees" reads
    the same on every engine. dbt's own listagg takes an ORDER BY, but
    dbt-spark ignores it (with a warning); Spark sorts the collected array. -#}
{% macro sorted_listagg(measure, delimiter_text) -%}
    {{ return(adapter.dispatch('sorted_listagg', 'crm_impact')(measure, delimiter_text)) }}
{%- endmacro %}

{% macro default__sorted_listagg(measure, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, "order by " ~ measure) }}
{%- endmacro %}

{% macro spark__sorted_listagg(measure, delimiter_text) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}
