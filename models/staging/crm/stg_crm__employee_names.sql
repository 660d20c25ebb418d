-- Employees' names by pseudonymous key, only when show_employee_names is true
-- (otherwise no rows). Read by the publish alone (orchestration/publish/views.py).
select
    {{ employee_key('employee_id') }} as employee_key,
    trim(full_name) as employee_name
from {{ source('crm', 'employees') }}
where {{ 'true' if show_employee_names() else 'false' }}
    and employee_id is not null
