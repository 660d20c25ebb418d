{{ config(materialized='table') }}
-- Every calendar month of the calendar (int_calendar__analysis_window: whole
-- years around everything the export and the settings date), generated from
-- the data's own range. Models that need a row per month select from here and
-- keep the months they need: is_data_month marks the months from the first to
-- the last event of the export (the employee grid, the zero months of totals),
-- is_complete_month those up to the last complete month.
with bounds as (
    select calendar_start_date, calendar_end_date, first_month, last_data_month, last_complete_month
    from {{ ref('int_calendar__analysis_window') }}
    where calendar_start_date is not null
),

months as (
    {{ month_series('bounds', 'bounds.calendar_start_date', 'bounds.calendar_end_date') }}
)

select
    months.month_start,
    cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'months.month_start')) }} as date) as month_end,
    coalesce(months.month_start >= bounds.first_month and months.month_start <= bounds.last_data_month, false)
        as is_data_month,
    coalesce(months.month_start >= bounds.first_month and months.month_start <= bounds.last_complete_month, false)
        as is_complete_month
from months
cross join bounds
