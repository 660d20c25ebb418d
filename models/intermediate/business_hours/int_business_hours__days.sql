{{ config(materialized='table') }}
-- Every business calendar on every local day of the data's calendar, with the
-- day's working seconds, the working seconds of all earlier days (the running
-- total from the calendar's first day), and the day's intervals in UTC as
-- columns (interval_<n>_start_utc, interval_<n>_seconds, n = 1 ..
-- business_interval_slots(), in order). The working time up to a moment is
-- then arithmetic on the one row of its calendar and local day
-- (macro working_seconds_until), and between two moments the difference:
-- an equality join per moment, no search over intervals, no aggregation per
-- record.
{%- set slots = business_interval_slots() %}
with window_bounds as (
    select calendar_start_date, calendar_end_date from {{ ref('int_calendar__analysis_window') }}
),

days as (
    {{ day_series('window_bounds', 'calendar_start_date', 'calendar_end_date') }}
),

numbered_intervals as (
    select
        calendar_id,
        local_date,
        interval_start_utc,
        interval_seconds,
        row_number() over (partition by calendar_id, local_date order by interval_start_utc) as slot
    from {{ ref('int_business_hours__intervals') }}
),

worked as (
    select
        calendar_id,
        local_date,
        sum(interval_seconds) as day_seconds,
        count(*) as interval_count
        {%- for slot in range(1, slots + 1) %},
        max(case when slot = {{ slot }} then interval_start_utc end) as interval_{{ slot }}_start_utc,
        max(case when slot = {{ slot }} then interval_seconds end) as interval_{{ slot }}_seconds
        {%- endfor %}
    from numbered_intervals
    group by calendar_id, local_date
),

calendar_days as (
    select
        calendars.calendar_id,
        days.date_day as local_date,
        coalesce(worked.day_seconds, 0) as day_seconds,
        coalesce(worked.interval_count, 0) as interval_count
        {%- for slot in range(1, slots + 1) %},
        worked.interval_{{ slot }}_start_utc,
        worked.interval_{{ slot }}_seconds
        {%- endfor %}
    from {{ ref('business_calendars') }} as calendars
    cross join days
    left join worked
        on calendars.calendar_id = worked.calendar_id
        and days.date_day = worked.local_date
)

select
    calendar_id,
    local_date,
    cast(day_seconds as double) as day_seconds,
    cast(sum(day_seconds) over (
        partition by calendar_id order by local_date rows between unbounded preceding and current row
    ) - day_seconds as double) as seconds_before_day,
    interval_count
    {%- for slot in range(1, slots + 1) %},
    interval_{{ slot }}_start_utc,
    cast(interval_{{ slot }}_seconds as double) as interval_{{ slot }}_seconds
    {%- endfor %}
from calendar_days
