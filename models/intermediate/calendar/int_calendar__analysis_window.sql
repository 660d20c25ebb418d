{{ config(materialized='table') }}
-- The analysis window and the calendar, both from the data (one row). Nothing
-- here is a fixed date: an export from 1997 or one reaching 2031 gets its own
-- calendar.
--
-- The analysis runs from the month of the export's first event to its last
-- complete month. The end of the export is `exported_at` when the loader
-- recorded it (raw.load_log), else the latest event of the data; the month of
-- the data's last event is complete when the end of the export reaches that
-- month's last day (local date), otherwise it is left out - labelled
-- 'partial' in int_calendar__month_periods - together with any later month.
--
-- The calendar (int_calendar__months, dim_date and so the MetricFlow time
-- spine) covers every date a KPI or a CRM period can fall on - the events, the
-- monthly tables (expenses, targets, CRM costs and use) and every scope's
-- baseline, go-live and first post month - in whole calendar years, with one
-- more year on each side as a margin for offsets and cumulative metrics.
with data_range as (
    select * from {{ ref('int_calendar__data_range') }}
),

export_end as (
    select
        {{ exported_at_utc() }} as exported_at_utc
),

ends as (
    select
        data_range.*,
        export_end.exported_at_utc,
        {{ to_crm_local_time('export_end.exported_at_utc') }} as exported_at_local,
        coalesce({{ to_crm_local_time('export_end.exported_at_utc') }}, data_range.data_end_at_local)
            as export_end_at_local,
        case when export_end.exported_at_utc is not null then 'exported_at' else 'latest_event' end
            as export_end_source
    from data_range
    cross join export_end
),

-- every month that something in the export or the settings falls on
dated_months as (
    select data_start_month as first_month, data_end_month as last_month from data_range
    union all
    select min(baseline_start_month), max(first_post_month) from {{ ref('dim_crm_rollout') }}
    union all
    select min({{ month_of('incurred_on') }}), max({{ month_of('incurred_on') }}) from {{ ref('stg_crm__crm_costs') }}
    union all
    select min(expense_month), max(expense_month) from {{ ref('stg_crm__operating_expenses') }}
    union all
    select min(target_month), max(target_month) from {{ ref('stg_crm__sales_targets') }}
    union all
    select min({{ month_of('usage_date') }}), max({{ month_of('usage_date') }}) from {{ ref('stg_crm__crm_usage') }}
),

calendar_bounds as (
    select
        cast({{ dbt.dateadd('year', -1, dbt.date_trunc('year', 'min(first_month)')) }} as date) as calendar_start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 2, dbt.date_trunc('year', 'max(last_month)'))) }} as date)
            as calendar_end_date
    from dated_months
),

complete as (
    select
        ends.*,
        -- the last month whose last day the end of the export reaches, and never
        -- later than the month of the data's last event
        least(
            ends.data_end_month,
            cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', dbt.dateadd('day', 1, 'cast(ends.export_end_at_local as date)'))) }} as date)
        ) as last_complete_month
    from ends
)

select
    complete.data_start_at_local,
    complete.data_end_at_local,
    complete.exported_at_utc,
    complete.exported_at_local,
    complete.export_end_at_local,
    complete.export_end_source,
    complete.data_start_month as first_month,
    complete.data_end_month as last_data_month,
    complete.last_complete_month,
    case when complete.last_complete_month < complete.data_end_month
         then cast({{ dbt.dateadd('month', 1, 'complete.last_complete_month') }} as date) end
        as partial_month_excluded,
    {{ calendar_months_between('complete.last_complete_month', 'complete.data_end_month') }} as excluded_month_count,
    calendar_bounds.calendar_start_date,
    calendar_bounds.calendar_end_date
from complete
cross join calendar_bounds
