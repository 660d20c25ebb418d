-- The public holidays reach every year of the data, for the configured
-- country (var business_holiday_country): a year outside the generated range
-- would silently count its holidays as working days. A row names what is
-- missing; regenerate with `make holidays` (orchestration/business_calendar.py).
-- The default calendar (var business_calendar_default) must exist too.
with data_years as (
    select
        cast(extract(year from first_month) as integer) as first_data_year,
        cast(extract(year from last_data_month) as integer) as last_data_year
    from {{ ref('int_calendar__analysis_window') }}
),

generated as (
    select country, first_year, last_year
    from {{ ref('public_holiday_years') }}
    where country = '{{ business_holiday_country() }}'
)

select
    'public_holidays has no rows for business_holiday_country {{ business_holiday_country() }}; run make holidays'
        as problem
from data_years
where not exists (select 1 from generated)
union all
select 'public_holidays covers the years of the data only in part; run make holidays with --first-year / --last-year'
from data_years
cross join generated
where data_years.first_data_year < generated.first_year or data_years.last_data_year > generated.last_year
union all
select 'business_calendar_default {{ business_calendar_default() }} is not a calendar_id of business_calendars.csv'
from data_years
where not exists (
    select 1 from {{ ref('business_calendars') }} where calendar_id = '{{ business_calendar_default() }}'
)
