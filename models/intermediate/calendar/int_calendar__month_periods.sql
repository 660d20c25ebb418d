-- Every calendar month of the calendar (int_calendar__months), for every
-- rollout scope, with the month's CRM period. A month is "baseline" only when
-- it lies wholly before the go-live and within crm_baseline_months of it,
-- "post" only when it starts on or after the end of the ramp-up, "ramp_up"
-- when it touches the learning period, and "outside" when it is older than
-- the baseline. A month after the export's last complete month (the export's
-- incomplete last month, or later) is "partial" whatever the rollout: shown,
-- never counted before or after (int_calendar__analysis_window).
with months as (
    select month_start from {{ ref('int_calendar__months') }}
),

analysis_window as (
    select last_complete_month from {{ ref('int_calendar__analysis_window') }}
)

select
    months.month_start,
    rollout.scope_type,
    rollout.scope_value,
    case
        when months.month_start > analysis_window.last_complete_month then 'partial'
        when months.month_start >= rollout.first_post_month then 'post'
        when cast({{ dbt.dateadd('month', 1, 'months.month_start') }} as date) > rollout.go_live_date then 'ramp_up'
        when months.month_start >= rollout.baseline_start_month then 'baseline'
        else 'outside'
    end as crm_period
from months
cross join {{ ref('dim_crm_rollout') }} as rollout
cross join analysis_window
