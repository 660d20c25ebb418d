-- Before against after, one row per metric and scope. See the YAML description
-- for the statistical method; docs/DECISIONLOG.md for the choices behind it.
with monthly as (
    select * from {{ ref('mart_kpi_monthly') }}
    where crm_period in ('baseline', 'post')
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

period_stats as (
    select
        monthly.metric_id,
        monthly.scope_type,
        monthly.scope_value,
        monthly.crm_period,
        count(*) as month_count,
        sum(monthly.record_count) as record_count,
        case definitions.period_aggregation
            when 'ratio' then {{ safe_divide('sum(monthly.numerator)', 'sum(monthly.denominator)') }}
            else avg(monthly.metric_value)
        end as period_value,
        avg(monthly.metric_value) as mean_of_months,
        var_samp(monthly.metric_value) as variance_of_months
    from monthly
    inner join definitions
        on monthly.metric_id = definitions.metric_id
    group by monthly.metric_id, monthly.scope_type, monthly.scope_value, monthly.crm_period,
        definitions.period_aggregation
),

-- each post month against the same calendar month of the baseline
season_pairs as (
    select
        post.metric_id,
        post.scope_type,
        post.scope_value,
        post.metric_value - baseline.metric_value as paired_change,
        baseline.metric_value as reference_value
    from monthly as post
    inner join monthly as baseline
        on post.metric_id = baseline.metric_id
        and post.scope_type = baseline.scope_type
        and post.scope_value = baseline.scope_value
        and extract(month from post.month_start) = extract(month from baseline.month_start)
        and baseline.crm_period = 'baseline'
    where post.crm_period = 'post'
),

season_adjusted as (
    select
        metric_id,
        scope_type,
        scope_value,
        count(*) as paired_month_count,
        avg(paired_change) as season_adjusted_change,
        {{ safe_divide('avg(paired_change)', 'avg(reference_value)') }} as season_adjusted_relative_change
    from season_pairs
    group by metric_id, scope_type, scope_value
),

scopes as (
    select distinct metric_id, scope_type, scope_value from {{ ref('mart_kpi_monthly') }}
    union
    select metric_id, 'company', 'all' from definitions
),

compared as (
    select
        scopes.metric_id,
        definitions.family,
        scopes.scope_type,
        scopes.scope_value,
        definitions.unit,
        definitions.direction,
        baseline.month_count as baseline_months,
        post.month_count as post_months,
        baseline.record_count as baseline_records,
        post.record_count as post_records,
        baseline.period_value as baseline_value,
        post.period_value as post_value,
        post.period_value - baseline.period_value as absolute_change,
        {{ safe_divide('post.period_value - baseline.period_value', 'abs(baseline.period_value)') }} as relative_change,
        sqrt(baseline.variance_of_months / baseline.month_count + post.variance_of_months / post.month_count)
            as change_standard_error,
        -- Welch-Satterthwaite degrees of freedom
        power(baseline.variance_of_months / baseline.month_count + post.variance_of_months / post.month_count, 2)
        / nullif(
            power(baseline.variance_of_months / baseline.month_count, 2) / nullif(baseline.month_count - 1, 0)
            + power(post.variance_of_months / post.month_count, 2) / nullif(post.month_count - 1, 0),
          0) as welch_df,
        season_adjusted.paired_month_count,
        season_adjusted.season_adjusted_change,
        season_adjusted.season_adjusted_relative_change
    from scopes
    inner join definitions
        on scopes.metric_id = definitions.metric_id
    left join period_stats as baseline
        on scopes.metric_id = baseline.metric_id
        and scopes.scope_type = baseline.scope_type
        and scopes.scope_value = baseline.scope_value
        and baseline.crm_period = 'baseline'
    left join period_stats as post
        on scopes.metric_id = post.metric_id
        and scopes.scope_type = post.scope_type
        and scopes.scope_value = post.scope_value
        and post.crm_period = 'post'
    left join season_adjusted
        on scopes.metric_id = season_adjusted.metric_id
        and scopes.scope_type = season_adjusted.scope_type
        and scopes.scope_value = season_adjusted.scope_value
)

select
    metric_id,
    family,
    scope_type,
    scope_value,
    unit,
    direction,
    baseline_months,
    post_months,
    baseline_records,
    post_records,
    baseline_value,
    post_value,
    absolute_change,
    relative_change,
    case
        when absolute_change is null then null
        when direction = 'up' then absolute_change > 0
        else absolute_change < 0
    end as improved,
    absolute_change - {{ t_quantile_975('greatest(welch_df, 1)') }} * change_standard_error as change_ci95_low,
    absolute_change + {{ t_quantile_975('greatest(welch_df, 1)') }} * change_standard_error as change_ci95_high,
    paired_month_count as season_paired_months,
    season_adjusted_change,
    season_adjusted_relative_change,
    case
        when baseline_value is not null and post_value is not null then 'ok'
        else 'not_available'
    end as status,
    case
        when baseline_value is null and post_value is null then 'no data in the baseline or the post period'
        when baseline_value is null then 'no data in the baseline period'
        when post_value is null then 'no data in the post period (yet)'
    end as status_reason
from compared
