-- The employees of the employee scope (scope_type 'employee' in
-- mart_kpi_monthly and mart_kpi_before_after), by their pseudonymous
-- employee_key: department and role as of the export, for grouping employee
-- rows by department. Neither the CRM's employee_id nor a name: the key cannot
-- be joined back to a person inside the marts (the serving file's BI view adds
-- names only when show_employee_names is true).
select
    employees.employee_key,
    employees.department,
    employees.role,
    (employees.terminated_at is null
        or employees.terminated_at >= cast(data_range.data_end_at_local as date)) as is_employed_at_data_end
from {{ ref('stg_crm__employees') }} as employees
cross join {{ ref('int_calendar__data_range') }} as data_range
