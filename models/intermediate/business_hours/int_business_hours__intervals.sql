{{ config(materialized='table') }}
-- The generated holidays' coverage (public_holiday_years) is checked by the test
-- business_calendar_covers_the_data; it is built with the holidays, so that a build of a
-- selection (dbt build --select +marts.core, a Dagster subset) has it before the test runs:
-- depends_on: {{ ref('public_holiday_years') }}
-- The working intervals of every business calendar on every local day of the
-- data's calendar (int_calendar__analysis_window), in UTC: one row per
-- calendar, day and interval of business_hours. A day is worked with the
-- hours of its weekday, except that a calendar observing public holidays is
-- closed on a public holiday of business_holiday_country and works a weekend
-- day worked in exchange with the hours of the weekday it makes up for; a
-- closed day (business_closed_days) closes its calendar, or every calendar
-- when it names none. The local opening and closing times are converted to
-- UTC with that day's offset, so a daylight-saving change moves the UTC hours
-- on the right day, and a 24/7 day of 23 or 25 hours is 23 or 25 hours long.
with window_bounds as (
    select calendar_start_date, calendar_end_date from {{ ref('int_calendar__analysis_window') }}
),

days as (
    {{ day_series('window_bounds', 'calendar_start_date', 'calendar_end_date') }}
),

calendars as (
    select calendar_id, observes_public_holidays from {{ ref('business_calendars') }}
),

public_days as (
    select holiday_date, day_kind, worked_as_weekday
    from {{ ref('public_holidays') }}
    where country = '{{ business_holiday_country() }}'
),

-- closed days per calendar: those naming a calendar, and those naming none for every calendar
closed_days as (
    select closed_on, calendar_id from {{ ref('business_closed_days') }} where calendar_id is not null
    union
    select closed.closed_on, calendars.calendar_id
    from {{ ref('business_closed_days') }} as closed
    cross join calendars
    where closed.calendar_id is null
),

calendar_days as (
    select
        calendars.calendar_id,
        days.date_day,
        case
            when calendars.observes_public_holidays and public_days.day_kind = 'worked'
                then public_days.worked_as_weekday
            else {{ iso_weekday('days.date_day') }}
        end as hours_of_weekday,
        (
            (calendars.observes_public_holidays and coalesce(public_days.day_kind = 'closed', false))
            or closed_days.closed_on is not null
        ) as is_closed
    from calendars
    cross join days
    left join public_days
        on days.date_day = public_days.holiday_date
    left join closed_days
        on days.date_day = closed_days.closed_on
        and calendars.calendar_id = closed_days.calendar_id
),

hours as (
    select
        calendar_id,
        iso_weekday,
        {{ minutes_of_clock('opens_at') }} as opens_minute,
        {{ minutes_of_clock('closes_at') }} as closes_minute
    from {{ ref('business_hours') }}
),

local_intervals as (
    select
        calendar_days.calendar_id,
        calendar_days.date_day as local_date,
        {{ dbt.dateadd('minute', 'hours.opens_minute', 'cast(calendar_days.date_day as ' ~ dbt.type_timestamp() ~ ')') }}
            as interval_start_local,
        {{ dbt.dateadd('minute', 'hours.closes_minute', 'cast(calendar_days.date_day as ' ~ dbt.type_timestamp() ~ ')') }}
            as interval_end_local
    from calendar_days
    inner join hours
        on calendar_days.calendar_id = hours.calendar_id
        and calendar_days.hours_of_weekday = hours.iso_weekday
    where not calendar_days.is_closed
),

utc_intervals as (
    select
        calendar_id,
        local_date,
        interval_start_local,
        interval_end_local,
        {{ crm_local_to_utc('interval_start_local') }} as interval_start_utc,
        {{ crm_local_to_utc('interval_end_local') }} as interval_end_utc
    from local_intervals
)

select
    calendar_id,
    local_date,
    interval_start_local,
    interval_end_local,
    interval_start_utc,
    interval_end_utc,
    {{ seconds_between('interval_start_utc', 'interval_end_utc') }} as interval_seconds
from utc_intervals
