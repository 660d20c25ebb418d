-- Did the CRM pay for itself, month by month? Cumulative CRM costs (every cost
-- from the first one on, implementation included) against the cumulative
-- incremental gross profit since the go-live month: actual gross profit minus
-- its counterfactual (the same calendar month of the baseline grown by the
-- pre-go-live trend, int_kpi__counterfactual). ROI to date =
-- (cumulative incremental gross profit - cumulative costs) / cumulative costs.
-- The payback month is the first month in which the incremental gross profit
-- covers the costs; crm_payback_months counts the months from the go-live
-- month to it, both included.
with company as (
    select * from {{ ref('dim_crm_rollout') }}
    where scope_type = 'company'
),

gross_profit as (
    select month_start, crm_period, metric_value as gross_profit, counterfactual_value as counterfactual_gross_profit
    from {{ ref('int_kpi__counterfactual') }}
    where metric_id = 'gross_profit' and scope_type = 'company'
),

costs as (
    select cost_month as month_start, sum(amount) as crm_costs
    from {{ ref('fct_crm_costs') }}
    group by cost_month
),

bounds as (
    select
        least(
            coalesce((select min(month_start) from costs), cast({{ dbt.date_trunc('month', 'company.go_live_date') }} as date)),
            cast({{ dbt.date_trunc('month', 'company.go_live_date') }} as date)
        ) as first_month,
        (select max(month_start) from gross_profit) as last_month,
        cast({{ dbt.date_trunc('month', 'company.go_live_date') }} as date) as go_live_month
    from company
),

months as (
    select spine.month_start, bounds.go_live_month
    from ({{ month_spine("'" ~ var('dbt_date_start') ~ "'", "'" ~ var('dbt_date_end') ~ "'") }}) as spine
    cross join bounds
    where spine.month_start >= bounds.first_month
        and spine.month_start <= bounds.last_month
),

monthly as (
    select
        months.month_start,
        months.go_live_month,
        coalesce(gross_profit.crm_period, case when months.month_start < months.go_live_month then 'before_go_live' end)
            as crm_period,
        coalesce(costs.crm_costs, 0) as crm_costs,
        gross_profit.gross_profit,
        gross_profit.counterfactual_gross_profit,
        case when months.month_start >= months.go_live_month
             then coalesce(gross_profit.gross_profit - gross_profit.counterfactual_gross_profit, 0)
             else 0 end as incremental_gross_profit
    from months
    left join costs
        on months.month_start = costs.month_start
    left join gross_profit
        on months.month_start = gross_profit.month_start
),

cumulative as (
    select
        monthly.*,
        sum(crm_costs) over (order by month_start rows between unbounded preceding and current row)
            as cumulative_crm_costs,
        sum(incremental_gross_profit) over (order by month_start rows between unbounded preceding and current row)
            as cumulative_incremental_gross_profit
    from monthly
),

flagged as (
    select
        cumulative.*,
        (cumulative_crm_costs > 0 and cumulative_incremental_gross_profit >= cumulative_crm_costs
         and month_start >= go_live_month) as is_paid_back
    from cumulative
)

select
    month_start,
    crm_period,
    case when month_start >= go_live_month
         then {{ calendar_months_between('go_live_month', 'month_start') }} + 1 end as months_since_go_live,
    crm_costs,
    cumulative_crm_costs,
    gross_profit,
    counterfactual_gross_profit,
    incremental_gross_profit,
    cumulative_incremental_gross_profit,
    {{ safe_divide('cumulative_incremental_gross_profit - cumulative_crm_costs', 'cumulative_crm_costs') }}
        as roi_to_date,
    is_paid_back,
    min(case when is_paid_back then month_start end) over () as payback_month
from flagged
