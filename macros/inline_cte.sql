{#- Write `name as {{ inline_cte() }} (...)` for a CTE over many rows that a query reads more than
    once. DuckDB materialises such a CTE by default: it writes every row of it once and reads
    them back per reference, after which no filter of a reader reaches the scans below it.
    In int_kpi__records the family records (over 100 million rows at scale 10) were written
    whole and read five times even when a reader wanted only the percentile metrics
    (int_kpi__period_values: 34 s -> 15 s at scale 10 when inlined). Inlined, each reference is
    its own scan with its own filters. Other engines inline by default and do not know the
    keyword, so it is empty there. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'crm_impact')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
