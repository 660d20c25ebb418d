{#- The value of a KPI over a group of its records (a month or a period), by
    the metric's period_aggregation (seed kpi_definitions). For 'total' the
    caller divides by the number of months when it wants a monthly mean.
    The aggregation column is constant within a group (callers group by it), yet SQL
    computes every aggregate of the CASE for every group: each percentile is
    therefore given only the values of its own metrics (NULL elsewhere, which it
    skips), so a ratio metric's records are never collected for a percentile
    (int_kpi__monthly at scale 10: 22 s -> 19 s). -#}
{% macro kpi_aggregate(aggregation_column, numerator='numerator', denominator='denominator', record_value='record_value') -%}
    case {{ aggregation_column }}
        when 'ratio' then {{ safe_divide('sum(' ~ numerator ~ ')', 'sum(' ~ denominator ~ ')') }}
        when 'total' then sum({{ numerator }})
        when 'median' then {{ percentile(kpi_values_of(aggregation_column, 'median', record_value), 0.5) }}
        when 'p90' then {{ percentile(kpi_values_of(aggregation_column, 'p90', record_value), 0.9) }}
    end
{%- endmacro %}

{#- record_value where the aggregation column is `aggregation`, else NULL: the input of one percentile. -#}
{% macro kpi_values_of(aggregation_column, aggregation, record_value) -%}
    case when {{ aggregation_column }} = '{{ aggregation }}' then {{ record_value }} end
{%- endmacro %}

{#- The metric_ids whose period_aggregation is one of `aggregations`, as a SQL
    list for `metric_id in (...)`, read from the seed kpi_definitions when the
    model runs (a literal list, so the filter reaches the scans of the records
    models under the view int_kpi__records). In dbt's parse phase, or when no
    metric aggregates so, a list that matches nothing. -#}
{% macro metrics_aggregated_by(aggregations) -%}
    {%- set nothing = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
    {%- if not execute -%}
        {{ return(nothing) }}
    {%- endif -%}
    {%- set rows = run_query('select metric_id from ' ~ ref('kpi_definitions') ~ ' where period_aggregation in ('
                             ~ sql_string_list(aggregations) ~ ') order by metric_id') -%}
    {%- set ids = rows.columns[0].values() -%}
    {{ return(sql_string_list(ids) if ids | length > 0 else nothing) }}
{%- endmacro %}

{#- Plain names (no quotes in them) as a list of SQL string literals: 'a', 'b'. -#}
{% macro sql_string_list(values) -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}
        {%- do quoted.append("'" ~ value ~ "'") -%}
    {%- endfor -%}
    {{ return(quoted | join(', ')) }}
{%- endmacro %}
