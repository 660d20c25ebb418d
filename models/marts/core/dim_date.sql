-- One row per calendar day between dbt_date_start and dbt_date_end, with the
-- company's CRM period of the day's month. Also the MetricFlow time spine.
with days as (
    {{ day_spine("'" ~ var('dbt_date_start') ~ "'", "'" ~ var('dbt_date_end') ~ "'") }}
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
