-- The business-hours twin of every duration KPI: for each ticket, lead,
-- approval and activity, the working time of its business calendar between
-- its start and its first response or end (docs/business_hours.md).
--
-- How: the working time up to a moment t of calendar c is the running total of
-- c's working seconds before t's local day plus the part of that day's
-- intervals before t (int_business_hours__days, macro working_seconds_until);
-- the working time between two moments is the difference of theirs. Each
-- moment is joined to one row by (calendar, local date), an equality join,
-- so the cost grows with the number of records, on any engine.
--
-- Kept apart from the incremental facts on purpose: a change of working hours,
-- closed days or holidays changes every record's business time, and this
-- table is rebuilt in full by every build, where the facts reprocess only the
-- rows that changed.
with records as (
    select * from {{ ref('int_business_hours__records') }}
),

calendar_days as (
    select * from {{ ref('int_business_hours__days') }}
),

working_seconds as (
    select
        records.*,
        {{ working_seconds_until('records.start_at_utc', 'start_day') }} as at_start,
        {{ working_seconds_until('records.first_response_at_utc', 'response_day') }} as at_first_response,
        {{ working_seconds_until('records.end_at_utc', 'end_day') }} as at_end
    from records
    left join calendar_days as start_day
        on records.calendar_id = start_day.calendar_id
        and cast(records.start_at_local as date) = start_day.local_date
    left join calendar_days as response_day
        on records.calendar_id = response_day.calendar_id
        and cast(records.first_response_at_local as date) = response_day.local_date
    left join calendar_days as end_day
        on records.calendar_id = end_day.calendar_id
        and cast(records.end_at_local as date) = end_day.local_date
)

select
    {{ dbt.concat(['record_type', "'-'", 'record_id']) }} as business_duration_key,
    record_type,
    record_id,
    record_month,
    cast(start_at_local as date) as record_date,
    employee_id,
    department,
    customer_id,
    region,
    channel,
    calendar_id,
    case when record_type = 'ticket'
        then (at_first_response - at_start) / 60.0 end as first_response_business_minutes,
    case when record_type = 'ticket'
        then (at_end - at_start) / 3600.0 end as resolution_business_hours,
    case when record_type = 'lead'
        then (at_first_response - at_start) / 3600.0 end as lead_first_response_business_hours,
    case when record_type = 'lead'
        then (at_end - at_start) / 3600.0 end as lead_processing_business_hours,
    case when record_type = 'approval'
        then (at_end - at_start) / 3600.0 end as approval_cycle_business_hours,
    case when record_type = 'activity'
        then (at_end - at_start) / 3600.0 end as task_completion_business_hours
from working_seconds
