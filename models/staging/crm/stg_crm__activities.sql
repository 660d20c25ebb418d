-- One row per routine work item of an employee (call, email, meeting, task).
with source as (
    select * from {{ source('crm', 'activities') }}
)

select
    activity_id,
    employee_id,
    lower(trim(activity_type)) as activity_type,
    created_at as created_at_utc,
    {{ to_crm_local_time('created_at') }} as created_at_local,
    due_at as due_at_utc,
    {{ to_crm_local_time('due_at') }} as due_at_local,
    completed_at as completed_at_utc,
    {{ to_crm_local_time('completed_at') }} as completed_at_local,
    {{ source_loaded_at(source('crm', 'activities')) }} as _loaded_at
from source
