{#- A family's monthly KPI model: its rows of int_kpi__monthly. The metric
    definitions are in kpi_<family>__records; the aggregation is the same for
    every family, so each kpi_<family>__monthly model is this one call. -#}
{% macro kpi_family_monthly(family) -%}
select
    month_start,
    metric_id,
    scope_type,
    scope_value,
    crm_period,
    numerator,
    denominator,
    metric_value,
    record_count
from {{ ref('int_kpi__monthly') }}
where family = '{{ family }}'
{%- endmacro %}
