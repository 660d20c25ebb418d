{#- The value of a KPI over a group of its records (a month or a period), by
    the metric's period_aggregation (seed kpi_definitions). For 'total' the
    caller divides by the number of months when it wants a monthly mean. -#}
{% macro kpi_aggregate(aggregation_column, numerator='numerator', denominator='denominator', record_value='record_value') -%}
    case {{ aggregation_column }}
        when 'ratio' then {{ safe_divide('sum(' ~ numerator ~ ')', 'sum(' ~ denominator ~ ')') }}
        when 'total' then sum({{ numerator }})
        when 'median' then {{ percentile(record_value, 0.5) }}
        when 'p90' then {{ percentile(record_value, 0.9) }}
    end
{%- endmacro %}
