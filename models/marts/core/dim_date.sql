-- One row per calendar day of the calendar (int_calendar__analysis_window:
-- whole years around everything the export dates, one more year on each
-- side), with the company's CRM period of the day's month. Also the MetricFlow
-- time spine, so the semantic layer covers exactly the export's era.
with bounds as (
    select calendar_start_date, calendar_end_date
    from {{ ref('int_calendar__analysis_window') }}
    where calendar_start_date is not null
),

days as (
    {{ day_series('bounds', 'bounds.calendar_start_date', 'bounds.calendar_end_date') }}
),

company_periods as (
    select month_start, crm_period
    from {{ ref('int_calendar__month_periods') }}
    where scope_type = 'company'
)

select
    days.date_day,
    cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start,
    cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date) as quarter_start,
    cast(extract(year from days.date_day) as integer) as calendar_year,
    cast(extract(month from days.date_day) as integer) as month_of_year,
    company_periods.crm_period
from days
left join company_periods
    on cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) = company_periods.month_start
