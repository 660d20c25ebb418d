{{ config(materialized='table') }}
-- Every business calendar on every local day of the data's calendar, with the
-- day's working seconds and the working seconds of all earlier days (the
-- running total from the calendar's first day). The working time up to a
-- moment is then the running total at the start of its local day plus the part
-- of that day's intervals before it (fct_business_durations), and the working
-- time between two moments is the difference: two equality joins per moment,
-- no search over intervals.
with window_bounds as (
    select calendar_start_date, calendar_end_date from {{ ref('int_calendar__analysis_window') }}
),

days as (
    {{ day_series('window_bounds', 'calendar_start_date', 'calendar_end_date') }}
),

worked as (
    select calendar_id, local_date, sum(interval_seconds) as day_seconds
    from {{ ref('int_business_hours__intervals') }}
    group by calendar_id, local_date
),

calendar_days as (
    select
        calendars.calendar_id,
        days.date_day as local_date,
        coalesce(worked.day_seconds, 0) as day_seconds
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
    ) - day_seconds as double) as seconds_before_day
from calendar_days
