-- Working hours of one calendar and weekday must not overlap, are at most
-- business_interval_slots() a day, and each must
-- open before it closes within the day (00:00-24:00): an overlap would count
-- the same minutes twice in every business-hours duration
-- (seeds/business_calendar/business_hours.csv). Rows returned are the wrong ones.
with hours as (
    select
        calendar_id,
        iso_weekday,
        opens_at,
        closes_at,
        {{ minutes_of_clock('opens_at') }} as opens_minute,
        {{ minutes_of_clock('closes_at') }} as closes_minute
    from {{ ref('business_hours') }}
)

select this.calendar_id, this.iso_weekday, this.opens_at, this.closes_at,
       'opens_at must be before closes_at, both within 00:00-24:00' as problem
from hours as this
where not (this.opens_minute >= 0 and this.opens_minute < this.closes_minute and this.closes_minute <= 1440)
union all
select this.calendar_id, this.iso_weekday, this.opens_at, this.closes_at,
       'overlaps another interval of the same calendar and weekday' as problem
from hours as this
inner join hours as other
    on this.calendar_id = other.calendar_id
    and this.iso_weekday = other.iso_weekday
    and this.opens_at <> other.opens_at
    and this.opens_minute < other.closes_minute
    and other.opens_minute < this.closes_minute
union all
select calendar_id, iso_weekday, min(opens_at), max(closes_at),
       'more than {{ business_interval_slots() }} intervals on one weekday (macro business_interval_slots)' as problem
from hours
group by calendar_id, iso_weekday
having count(*) > {{ business_interval_slots() }}
