-- One row per employee and day of CRM use, with the employee's department and
-- role. Employees missing from the employees table are kept (warned).
select
    {{ surrogate_key(['usage.employee_id', 'usage.usage_date']) }} as crm_usage_key,
    usage.employee_id,
    usage.usage_date,
    {{ month_of('usage.usage_date') }} as usage_month,
    employees.department as employee_department,
    employees.role as employee_role,
    usage.sessions,
    usage.records_touched,
    coalesce(usage.sessions, 0) >= 1 as has_session
from {{ ref('stg_crm__crm_usage') }} as usage
left join {{ ref('stg_crm__employees') }} as employees
    on usage.employee_id = employees.employee_id
