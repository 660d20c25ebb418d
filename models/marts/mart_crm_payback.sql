-- Did the CRM pay for itself, month by month? Cumulative CRM costs (every cost
-- from the first one on, implementation included) against the cumulative
-- incremental gross profit since the go-live month: the company's actual
-- gross profit minus what the model of its monthly series predicts without
-- the CRM (estimates.kpi_counterfactual, written by orchestration/estimate),
-- with the 95% interval of that running sum. ROI to date =
-- (cumulative incremental gross profit - cumulative costs) / cumulative
-- costs, with its interval. The payback month is the first month whose
-- cumulative incremental gross profit covers the costs: at the point
-- estimate, at the interval's upper end (the earliest it can have been) and
-- at its lower end (the latest); each is NULL while not reached.
with company as (
    select cast({{ dbt.date_trunc('month', 'go_live_date') }} as date) as go_live_month
    from {{ ref('dim_crm_rollout') }}
    where scope_type = 'company'
),

costs as (
    select cost_month as month_start, sum(amount) as crm_costs
    from {{ ref('fct_crm_costs') }}
    group by cost_month
),

counterfactual as (
    select *
    from {{ source('estimates', 'kpi_counterfactual') }}
    where metric_id = 'gross_profit' and scope_type = 'company'
),

-- the months of the data from the first cost (or the go-live month) on; the
-- monthly gross profit series has a row for every month of the data (a
-- partial last month of an export is not analysed: no counterfactual)
months as (
    select monthly.month_start, monthly.crm_period, monthly.metric_value as gross_profit, company.go_live_month
    from {{ ref('int_kpi__monthly') }} as monthly
    cross join company
    where monthly.metric_id = 'gross_profit'
        and monthly.scope_type = 'company'
        and monthly.crm_period <> 'partial'
        and monthly.month_start >= least(
            company.go_live_month,
            coalesce((select min(month_start) from costs), company.go_live_month)
        )
),

cumulative_costs as (
    select months.month_start, sum(costs.crm_costs) as cumulative_crm_costs
    from months
    inner join costs
        on costs.month_start <= months.month_start
    group by months.month_start
),

monthly as (
    select
        months.month_start,
        months.go_live_month,
        case when months.month_start < months.go_live_month then 'before_go_live' else months.crm_period end
            as crm_period,
        coalesce(costs.crm_costs, 0) as crm_costs,
        coalesce(cumulative_costs.cumulative_crm_costs, 0) as cumulative_crm_costs,
        months.gross_profit,
        counterfactual.counterfactual as counterfactual_gross_profit,
        counterfactual.counterfactual_low as counterfactual_gross_profit_low,
        counterfactual.counterfactual_high as counterfactual_gross_profit_high,
        case when months.month_start >= months.go_live_month
             then months.gross_profit - counterfactual.counterfactual else 0 end as incremental_gross_profit,
        case when months.month_start >= months.go_live_month
             then counterfactual.cumulative_incremental else 0 end as cumulative_incremental_gross_profit,
        case when months.month_start >= months.go_live_month
             then counterfactual.cumulative_incremental_low else 0 end as cumulative_incremental_gross_profit_low,
        case when months.month_start >= months.go_live_month
             then counterfactual.cumulative_incremental_high else 0 end as cumulative_incremental_gross_profit_high
    from months
    left join costs
        on months.month_start = costs.month_start
    left join cumulative_costs
        on months.month_start = cumulative_costs.month_start
    left join counterfactual
        on months.month_start = counterfactual.month_start
),

flagged as (
    select
        monthly.*,
        month_start >= go_live_month and cumulative_crm_costs > 0
            and cumulative_incremental_gross_profit >= cumulative_crm_costs as is_paid_back,
        month_start >= go_live_month and cumulative_crm_costs > 0
            and cumulative_incremental_gross_profit_high >= cumulative_crm_costs as is_paid_back_at_best,
        month_start >= go_live_month and cumulative_crm_costs > 0
            and cumulative_incremental_gross_profit_low >= cumulative_crm_costs as is_paid_back_at_worst
    from monthly
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
    counterfactual_gross_profit_low,
    counterfactual_gross_profit_high,
    incremental_gross_profit,
    cumulative_incremental_gross_profit,
    cumulative_incremental_gross_profit_low,
    cumulative_incremental_gross_profit_high,
    {{ safe_divide('cumulative_incremental_gross_profit - cumulative_crm_costs', 'cumulative_crm_costs') }}
        as roi_to_date,
    {{ safe_divide('cumulative_incremental_gross_profit_low - cumulative_crm_costs', 'cumulative_crm_costs') }}
        as roi_to_date_low,
    {{ safe_divide('cumulative_incremental_gross_profit_high - cumulative_crm_costs', 'cumulative_crm_costs') }}
        as roi_to_date_high,
    is_paid_back,
    min(case when is_paid_back then month_start end) over () as payback_month,
    min(case when is_paid_back_at_best then month_start end) over () as payback_month_earliest,
    min(case when is_paid_back_at_worst then month_start end) over () as payback_month_latest
from flagged
