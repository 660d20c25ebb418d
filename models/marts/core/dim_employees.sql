-- One row per employee: department, role and employment dates (no name).
-- is_employed_at_data_end is judged at the end of the data, not today.
select
    employees.employee_id,
    employees.employee_key,
    employees.department,
    employees.role,
    employees.hired_at,
    employees.terminated_at,
    employees.hourly_cost,
    (employees.terminated_at is null
        or employees.terminated_at >= cast(data_range.data_end_at_local as date)) as is_employed_at_data_end
from {{ ref('stg_crm__employees') }} as employees
cross join {{ ref('int_calendar__data_range') }} as data_range
