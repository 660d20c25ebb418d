-- The employees of the employee scope (scope_type 'employee' in
-- mart_kpi_monthly and mart_kpi_before_after), by their pseudonymous
-- employee_key: department and role as of the export, for grouping employee
-- rows by department. Neither the CRM's employee_id nor a name: the key cannot
-- be joined back to a person inside the marts (the serving file's BI view adds
-- names only when show_employee_names is true). The columns are dim_employees'
-- (one definition of "employed at the end of the data"), without the CRM id,
-- the dates and the cost.
select
    employee_key,
    department,
    role,
    is_employed_at_data_end
from {{ ref('dim_employees') }}
