{#- Attach the CRM period of a (month, scope) row: the scope's own period when
    it has a go-live of its own (a department or region of a staged rollout, a
    rollout wave), else the company's. Use crm_period_joins() in the FROM
    clause and crm_period_of() in the select list, with the same alias.
    scope_type / scope_value name the columns whose periods apply (an employee
    row takes the periods of the employee's department: int_kpi__records). -#}
{% macro crm_period_joins(alias, scope_type='scope_type', scope_value='scope_value') -%}
left join {{ ref('int_calendar__month_periods') }} as {{ alias }}_scope_periods
    on {{ alias }}.month_start = {{ alias }}_scope_periods.month_start
    and {{ alias }}.{{ scope_type }} = {{ alias }}_scope_periods.scope_type
    and {{ alias }}.{{ scope_value }} = {{ alias }}_scope_periods.scope_value
left join {{ ref('int_calendar__month_periods') }} as {{ alias }}_company_periods
    on {{ alias }}.month_start = {{ alias }}_company_periods.month_start
    and {{ alias }}_company_periods.scope_type = 'company'
{%- endmacro %}

{% macro crm_period_of(alias) -%}
coalesce({{ alias }}_scope_periods.crm_period, {{ alias }}_company_periods.crm_period, 'outside')
{%- endmacro %}
