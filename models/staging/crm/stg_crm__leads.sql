-- One row per lead (inbound request). Statuses and channels lower-cased,
-- timestamps in UTC and in crm_timezone.
with source as (
    select * from {{ source('crm', 'leads') }}
)

select
    lead_id,
    customer_id,
    lower(trim(channel)) as lead_channel,
    created_at as created_at_utc,
    {{ to_crm_local_time('created_at') }} as created_at_local,
    assigned_to as assigned_employee_id,
    first_response_at as first_response_at_utc,
    {{ to_crm_local_time('first_response_at') }} as first_response_at_local,
    lower(trim(status)) as lead_status,
    closed_at as closed_at_utc,
    {{ to_crm_local_time('closed_at') }} as closed_at_local,
    lower(trim(lost_reason)) as lost_reason,
    {{ source_loaded_at(source('crm', 'leads')) }} as _loaded_at
from source
