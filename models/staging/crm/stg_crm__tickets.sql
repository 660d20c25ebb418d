-- One row per customer service request (ticket). Statuses, channels and
-- categories lower-cased, timestamps in UTC and in crm_timezone.
with source as (
    select * from {{ source('crm', 'tickets') }}
)

select
    ticket_id,
    customer_id,
    lower(trim(channel)) as ticket_channel,
    lower(trim(category)) as ticket_category,
    opened_at as opened_at_utc,
    {{ to_crm_local_time('opened_at') }} as opened_at_local,
    first_response_at as first_response_at_utc,
    {{ to_crm_local_time('first_response_at') }} as first_response_at_local,
    resolved_at as resolved_at_utc,
    {{ to_crm_local_time('resolved_at') }} as resolved_at_local,
    lower(trim(status)) as ticket_status,
    assigned_to as assigned_employee_id,
    {{ source_loaded_at(source('crm', 'tickets')) }} as _loaded_at
from source
