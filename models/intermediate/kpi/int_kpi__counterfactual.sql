-- What each ramp-up and post month would have been without the CRM, per
-- metric and scope: the same calendar month of the baseline (so seasonality
-- cancels), grown by the metric's own pre-go-live trend (so a growing business
-- does not pass for a CRM effect). The trend is the mean year-on-year log
-- change over pairs of pre-go-live months a year apart; with fewer than three
-- such pairs, or values that are not positive, no trend is applied.
with monthly as (
    select * from {{ ref('int_kpi__monthly') }}
),

pre_go_live as (
    select * from monthly
    where crm_period in ('baseline', 'outside')
),

year_on_year as (
    select
        later.metric_id,
        later.scope_type,
        later.scope_value,
        ln(later.metric_value / earlier.metric_value) as log_change
    from pre_go_live as later
    inner join {{ ref('kpi_definitions') }} as definitions
        on later.metric_id = definitions.metric_id
        and definitions.unit in ('money', 'count')
    inner join pre_go_live as earlier
        on later.metric_id = earlier.metric_id
        and later.scope_type = earlier.scope_type
        and later.scope_value = earlier.scope_value
        and earlier.month_start = cast({{ dbt.dateadd('month', -12, 'later.month_start') }} as date)
    where later.metric_value > 0 and earlier.metric_value > 0
),

trend as (
    select
        metric_id,
        scope_type,
        scope_value,
        count(*) as trend_pairs,
        -- a trend is applied only where the data show one: at least three pairs and a mean
        -- change more than twice its standard error (on small exports the year-on-year noise
        -- of a few hundred orders a month would otherwise pass for growth or decline)
        case
            when count(*) >= 3 and abs(avg(log_change)) > 2 * stddev_samp(log_change) / sqrt(count(*))
                then avg(log_change)
            else 0
        end as annual_log_trend
    from year_on_year
    group by metric_id, scope_type, scope_value
),

reference_months as (
    select
        after_go_live.metric_id,
        after_go_live.family,
        after_go_live.scope_type,
        after_go_live.scope_value,
        after_go_live.month_start,
        after_go_live.crm_period,
        after_go_live.metric_value,
        baseline.month_start as reference_month,
        baseline.metric_value as reference_value,
        row_number() over (
            partition by after_go_live.metric_id, after_go_live.scope_type, after_go_live.scope_value,
                after_go_live.month_start
            order by baseline.month_start desc
        ) as recency
    from monthly as after_go_live
    inner join monthly as baseline
        on after_go_live.metric_id = baseline.metric_id
        and after_go_live.scope_type = baseline.scope_type
        and after_go_live.scope_value = baseline.scope_value
        and extract(month from after_go_live.month_start) = extract(month from baseline.month_start)
        and baseline.crm_period = 'baseline'
    where after_go_live.crm_period in ('ramp_up', 'post')
)

select
    reference_months.metric_id,
    reference_months.family,
    reference_months.scope_type,
    reference_months.scope_value,
    reference_months.month_start,
    reference_months.crm_period,
    reference_months.metric_value,
    reference_months.reference_month,
    reference_months.reference_value,
    {{ calendar_months_between('reference_months.reference_month', 'reference_months.month_start') }} as months_apart,
    coalesce(trend.annual_log_trend, 0) as annual_log_trend,
    coalesce(trend.trend_pairs, 0) as trend_pairs,
    reference_months.reference_value
        * exp(coalesce(trend.annual_log_trend, 0)
              * {{ calendar_months_between('reference_months.reference_month', 'reference_months.month_start') }} / 12.0)
        as counterfactual_value
from reference_months
left join trend
    on reference_months.metric_id = trend.metric_id
    and reference_months.scope_type = trend.scope_type
    and reference_months.scope_value = trend.scope_value
where reference_months.recency = 1
