-- Every calendar month of the analysis range, for every rollout scope, with
-- the month's CRM period. A month is "baseline" only when it lies wholly
-- before the go-live and within crm_baseline_months of it, "post" only when
-- it starts on or after the end of the ramp-up, "ramp_up" when it touches the
-- learning period, and "outside" when it is older than the baseline.
with months as (
    {{ month_spine("'" ~ var('dbt_date_start') ~ "'", "'" ~ var('dbt_date_end') ~ "'") }}
)

select
    months.month_start,
    rollout.scope_type,
    rollout.scope_value,
    case
        when months.month_start >= rollout.first_post_month then 'post'
        when cast({{ dbt.dateadd('month', 1, 'months.month_start') }} as date) > rollout.go_live_date then 'ramp_up'
        when months.month_start >= rollout.baseline_start_month then 'baseline'
        else 'outside'
    end as crm_period
from months
cross join {{ ref('dim_crm_rollout') }} as rollout
