-- Before against after, one row per metric and scope. The method is in the
-- YAML description; the choices behind it in docs/DECISIONLOG.md.
with definitions as (
    select * from {{ ref('kpi_definitions') }}
    where period_aggregation <> 'payback'
),

period_values as (
    select * from {{ ref('int_kpi__period_values') }}
),

scopes as (
    select distinct metric_id, scope_type, scope_value from {{ ref('int_kpi__monthly') }}
    union
    select metric_id, 'company', 'all' from definitions
),

season_adjusted as (
    select
        metric_id,
        scope_type,
        scope_value,
        count(*) as paired_months,
        avg(metric_value) - avg(counterfactual_value) as season_adjusted_change,
        {{ safe_divide('avg(metric_value)', 'avg(counterfactual_value)') }} - 1 as season_adjusted_relative_change
    from {{ ref('int_kpi__counterfactual') }}
    where crm_period = 'post'
    group by metric_id, scope_type, scope_value
),

empty_sources as (
    select
        metric_id,
        {{ sorted_listagg('source_table', "', '") }} as empty_tables
    from {{ ref('int_kpi__source_rows') }}
    where row_count = 0
    group by metric_id
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
        {{ safe_divide('post.period_value - baseline.period_value', 'abs(baseline.period_value)') }}
            as relative_change,
        sqrt(baseline.variance_of_months / baseline.month_count + post.variance_of_months / post.month_count)
            as change_standard_error,
        -- Welch-Satterthwaite degrees of freedom
        power(baseline.variance_of_months / baseline.month_count + post.variance_of_months / post.month_count, 2)
        / nullif(
            power(baseline.variance_of_months / baseline.month_count, 2) / nullif(baseline.month_count - 1, 0)
            + power(post.variance_of_months / post.month_count, 2) / nullif(post.month_count - 1, 0),
          0) as welch_df,
        season_adjusted.paired_months,
        season_adjusted.season_adjusted_change,
        season_adjusted.season_adjusted_relative_change,
        did.did_change,
        did.did_relative_change,
        did.did_standard_error,
        did.did_welch_df,
        did.treated_wave,
        did.first_control_wave,
        empty_sources.empty_tables
    from scopes
    inner join definitions
        on scopes.metric_id = definitions.metric_id
    left join period_values as baseline
        on scopes.metric_id = baseline.metric_id
        and scopes.scope_type = baseline.scope_type
        and scopes.scope_value = baseline.scope_value
        and baseline.crm_period = 'baseline'
    left join period_values as post
        on scopes.metric_id = post.metric_id
        and scopes.scope_type = post.scope_type
        and scopes.scope_value = post.scope_value
        and post.crm_period = 'post'
    left join season_adjusted
        on scopes.metric_id = season_adjusted.metric_id
        and scopes.scope_type = season_adjusted.scope_type
        and scopes.scope_value = season_adjusted.scope_value
    left join {{ ref('int_kpi__difference_in_differences') }} as did
        on scopes.metric_id = did.metric_id
        and scopes.scope_type = 'company'
    left join empty_sources
        on scopes.metric_id = empty_sources.metric_id
),

comparison as (
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
    paired_months as season_paired_months,
    season_adjusted_change,
    season_adjusted_relative_change,
    treated_wave as did_treated_wave,
    first_control_wave as did_control_wave,
    did_change,
    did_relative_change,
    did_change - {{ t_quantile_975('greatest(did_welch_df, 1)') }} * did_standard_error as did_ci95_low,
    did_change + {{ t_quantile_975('greatest(did_welch_df, 1)') }} * did_standard_error as did_ci95_high,
    case
        when baseline_value is not null and post_value is not null then 'ok'
        else 'not_available'
    end as status,
    case
        when baseline_value is not null and post_value is not null then null
        when empty_tables is not null then 'the export has no rows in ' || empty_tables
        when baseline_value is null and post_value is null then 'no records in the baseline or the post period'
        when baseline_value is null then 'no records in the baseline period'
        when post_value is null then 'no records in the post period (yet)'
    end as status_reason
from compared
),

-- payback and ROI are cumulative since the go-live, not before/after: the
-- value is the latest month's (see mart_crm_payback)
payback_latest as (
    select * from {{ ref('mart_crm_payback') }}
    where month_start = (select max(month_start) from {{ ref('mart_crm_payback') }})
),

payback_rows as (
    select
        payback_definitions.metric_id,
        payback_definitions.family,
        'company' as scope_type,
        'all' as scope_value,
        payback_definitions.unit,
        payback_definitions.direction,
        cast(null as bigint) as baseline_months,
        cast(payback_latest.months_since_go_live as bigint) as post_months,
        cast(null as bigint) as baseline_records,
        cast(null as bigint) as post_records,
        cast(null as double) as baseline_value,
        cast(case
            when payback_definitions.metric_id = 'crm_roi' then payback_latest.roi_to_date
            when payback_latest.payback_month is not null
                then {{ calendar_months_between('rollout.go_live_date', 'payback_latest.payback_month') }} + 1
        end as double) as post_value,
        cast(null as double) as absolute_change,
        cast(null as double) as relative_change,
        case
            when payback_definitions.metric_id = 'crm_roi' then payback_latest.roi_to_date > 0
            else payback_latest.payback_month is not null
        end as improved,
        cast(null as double) as change_ci95_low,
        cast(null as double) as change_ci95_high,
        cast(null as bigint) as season_paired_months,
        cast(null as double) as season_adjusted_change,
        cast(null as double) as season_adjusted_relative_change,
        cast(null as {{ dbt.type_string() }}) as did_treated_wave,
        cast(null as {{ dbt.type_string() }}) as did_control_wave,
        cast(null as double) as did_change,
        cast(null as double) as did_relative_change,
        cast(null as double) as did_ci95_low,
        cast(null as double) as did_ci95_high,
        case
            when payback_latest.cumulative_crm_costs is null or payback_latest.cumulative_crm_costs = 0
                then 'not_available'
            when payback_definitions.metric_id = 'crm_payback_months' and payback_latest.payback_month is null
                then 'not_reached'
            else 'ok'
        end as status,
        case
            when payback_latest.cumulative_crm_costs is null or payback_latest.cumulative_crm_costs = 0
                then 'the export has no rows in crm_costs'
            when payback_definitions.metric_id = 'crm_payback_months' and payback_latest.payback_month is null
                then 'not paid back by ' || cast(payback_latest.month_start as {{ dbt.type_string() }})
                     || '; ROI to date ' || cast(round(payback_latest.roi_to_date * 100, 1) as {{ dbt.type_string() }}) || '%'
        end as status_reason
    from {{ ref('kpi_definitions') }} as payback_definitions
    cross join (select * from {{ ref('dim_crm_rollout') }} where scope_type = 'company') as rollout
    left join payback_latest on true
    where payback_definitions.period_aggregation = 'payback'
)

select * from comparison
union all
select * from payback_rows
