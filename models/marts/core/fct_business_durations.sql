-- The business-hours twin of every duration KPI: for each ticket, lead,
-- approval and activity, the working time of its business calendar between
-- its start and its first response or end (docs/business_hours.md).
--
-- How: the working time up to a moment t of calendar c is
--   seconds_before_day(c, local date of t)
--   + sum over the intervals of that day of clamp(t - interval start, 0, interval length)
-- (int_business_hours__days, int_business_hours__intervals); the working time
-- between two moments is the difference of theirs. Every moment is joined by
-- (calendar, local date), an equality join, so the cost grows with the number
-- of records, not records x intervals, on any engine.
--
-- Kept apart from the incremental facts on purpose: a change of working hours,
-- closed days or holidays changes every record's business time, and this
-- table is rebuilt in full by every build, where the facts reprocess only the
-- rows that changed.
with records as (
    select * from {{ ref('int_business_hours__records') }}
),

moments as (
    select record_type, record_id, calendar_id, 'start' as moment,
           start_at_utc as at_utc, cast(start_at_local as date) as local_date
    from records
    union all
    select record_type, record_id, calendar_id, 'first_response',
           first_response_at_utc, cast(first_response_at_local as date)
    from records
    where first_response_at_utc is not null
    union all
    select record_type, record_id, calendar_id, 'end',
           end_at_utc, cast(end_at_local as date)
    from records
    where end_at_utc is not null
),

working_seconds_to as (
    select
        moments.record_type,
        moments.record_id,
        moments.moment,
        max(days.seconds_before_day) + coalesce(sum(
            least(greatest({{ seconds_between('intervals.interval_start_utc', 'moments.at_utc') }}, 0.0),
                  intervals.interval_seconds)
        ), 0.0) as working_seconds
    from moments
    inner join {{ ref('int_business_hours__days') }} as days
        on moments.calendar_id = days.calendar_id
        and moments.local_date = days.local_date
    left join {{ ref('int_business_hours__intervals') }} as intervals
        on moments.calendar_id = intervals.calendar_id
        and moments.local_date = intervals.local_date
    group by moments.record_type, moments.record_id, moments.moment
),

per_record as (
    select
        record_type,
        record_id,
        max(case when moment = 'start' then working_seconds end) as at_start,
        max(case when moment = 'first_response' then working_seconds end) as at_first_response,
        max(case when moment = 'end' then working_seconds end) as at_end
    from working_seconds_to
    group by record_type, record_id
)

select
    {{ dbt.concat(['records.record_type', "'-'", 'records.record_id']) }} as business_duration_key,
    records.record_type,
    records.record_id,
    records.record_month,
    cast(records.start_at_local as date) as record_date,
    records.employee_id,
    records.department,
    records.customer_id,
    records.region,
    records.channel,
    records.calendar_id,
    case when records.record_type = 'ticket'
        then (per_record.at_first_response - per_record.at_start) / 60.0 end as first_response_business_minutes,
    case when records.record_type = 'ticket'
        then (per_record.at_end - per_record.at_start) / 3600.0 end as resolution_business_hours,
    case when records.record_type = 'lead'
        then (per_record.at_first_response - per_record.at_start) / 3600.0 end as lead_first_response_business_hours,
    case when records.record_type = 'lead'
        then (per_record.at_end - per_record.at_start) / 3600.0 end as lead_processing_business_hours,
    case when records.record_type = 'approval'
        then (per_record.at_end - per_record.at_start) / 3600.0 end as approval_cycle_business_hours,
    case when records.record_type = 'activity'
        then (per_record.at_end - per_record.at_start) / 3600.0 end as task_completion_business_hours
from records
left join per_record
    on records.record_type = per_record.record_type
    and records.record_id = per_record.record_id
