{#- The select list of one KPI record row, in the column order and types every
    kpi_<family>__records model shares (see int_kpi__records). Arguments are
    SQL expressions; leave out what the metric does not use. employee is the
    employee_id whose work the record is (for the metrics of the seed
    kpi_employee_metrics, which int_kpi__records expands to an employee scope). -#}
{% macro kpi_record(metric_id, month, department=none, region=none, numerator=none, denominator=none, record_value=none, employee=none) -%}
    '{{ metric_id }}' as metric_id,
    cast({{ month }} as date) as month_start,
    cast({{ department if department else 'null' }} as {{ dbt.type_string() }}) as department,
    cast({{ region if region else 'null' }} as {{ dbt.type_string() }}) as region,
    cast({{ numerator if numerator else 'null' }} as double) as numerator,
    cast({{ denominator if denominator else 'null' }} as double) as denominator,
    cast({{ record_value if record_value else 'null' }} as double) as record_value,
    cast({{ employee if employee else 'null' }} as {{ dbt.type_string() }}) as employee_id
{%- endmacro %}
