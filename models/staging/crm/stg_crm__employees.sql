-- One row per employee. The name is dropped (PII); department keeps its case
-- because crm_rollout names departments the same way.
with source as (
    select * from {{ source('crm', 'employees') }}
)

select
    employee_id,
    -- pseudonymous key of the employee scope of the marts (macros/employee_key.sql)
    {{ employee_key('employee_id') }} as employee_key,
    trim(department) as department,
    lower(trim(role)) as role,
    hired_at,
    terminated_at,
    hourly_cost,
    {{ source_loaded_at(source('crm', 'employees')) }} as _loaded_at
from source
