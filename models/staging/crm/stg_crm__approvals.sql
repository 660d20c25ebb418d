-- One row per approval request; decided_at NULL means still pending.
with source as (
    select * from {{ source('crm', 'approvals') }}
)

select
    approval_id,
    lower(trim(object_type)) as object_type,
    object_id,
    requested_at as requested_at_utc,
    {{ to_crm_local_time('requested_at') }} as requested_at_local,
    decided_at as decided_at_utc,
    {{ to_crm_local_time('decided_at') }} as decided_at_local,
    lower(trim(decision)) as decision,
    approver_id as approver_employee_id,
    {{ source_loaded_at(source('crm', 'approvals')) }} as _loaded_at
from source
