-- Before against after, one row per metric and scope: what a person can
-- check by hand (the baseline and post values and their raw change) beside
-- the estimated effect of the CRM from the model of the monthly series
-- (estimates.kpi_effects), and the one verdict that every output reads. The
-- method is in the YAML description and docs/methods.md; the choices behind
-- it in docs/DECISIONLOG.md.
with definitions as (
    select * from {{ ref('kpi_definitions') }}
    where period_aggregation <> 'payback'
),

period_values as (
    select * from {{ ref('int_kpi__period_values') }}
),

effects as (
    select * from {{ source('estimates', 'kpi_effects') }}
),

scopes as (
    select distinct metric_id, scope_type, scope_value from {{ ref('int_kpi__monthly') }}
    union
    select metric_id, 'company', 'all' from definitions
),

-- why a source table cannot feed a metric: absent from the export, empty,
-- entirely quarantined, or no rows inside the analysis window
unavailable_sources as (
    select
        metric_id,
        {{ sorted_listagg('availability_reason', "'; '") }} as source_reason
    from {{ ref('int_kpi__source_availability') }}
    where availability <> 'available'
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
        post.period_value - baseline.period_value as raw_change,
        {{ safe_divide('post.period_value - baseline.period_value', 'abs(baseline.period_value)') }}
            as raw_relative_change,
        case
            when baseline.period_value is not null and post.period_value is not null then 'ok'
            else 'not_available'
        end as status,
        unavailable_sources.source_reason,
        case
            when baseline.period_value is not null and post.period_value is not null then null
            when unavailable_sources.source_reason is not null then unavailable_sources.source_reason
            when baseline.period_value is null and post.period_value is null
                then 'no records in the baseline or the post period'
            when baseline.period_value is null then 'no records in the baseline period'
            else 'no records in the post period (yet)'
        end as status_reason
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
    left join unavailable_sources
        on scopes.metric_id = unavailable_sources.metric_id
),

comparison as (
    select
        compared.metric_id,
        compared.family,
        compared.scope_type,
        compared.scope_value,
        compared.unit,
        compared.direction,
        compared.baseline_months,
        compared.post_months,
        compared.baseline_records,
        compared.post_records,
        compared.baseline_value,
        compared.post_value,
        compared.raw_change,
        compared.raw_relative_change,
        effects.method,
        effects.method_detail,
        effects.pre_months as model_pre_months,
        effects.post_months as model_post_months,
        effects.counterfactual_mean,
        effects.effect,
        effects.effect_ci_low,
        effects.effect_ci_high,
        effects.relative_effect,
        effects.relative_effect_ci_low,
        effects.relative_effect_ci_high,
        effects.p_value,
        effects.p_value_holm,
        effects.p_value_bh,
        effects.mde,
        effects.mde_relative,
        effects.placebo_runs,
        effects.placebo_hits,
        compared.status,
        compared.status_reason,
        -- the one verdict: a metric without data in either period is not
        -- available whatever a model says; otherwise the estimator's verdict.
        -- An employee without a verdict has too little data (hired after the
        -- go-live, left before it, a month or two on one side): that is about
        -- the person's history, not the metric (unless the export lacks its table)
        case
            when compared.scope_type = 'employee' and compared.source_reason is null
                and (compared.status = 'not_available' or effects.verdict is null or effects.verdict = 'not available')
                then 'too little data'
            when compared.status = 'not_available' then 'not available'
            when effects.verdict is null then 'not available'
            else effects.verdict
        end as verdict,
        case
            when compared.status = 'not_available' then compared.status_reason
            when effects.verdict is null then 'no estimate for this metric and scope'
            else effects.verdict_reason
        end as verdict_reason
    from compared
    left join effects
        on compared.metric_id = effects.metric_id
        and compared.scope_type = effects.scope_type
        and compared.scope_value = effects.scope_value
),

-- payback and ROI are cumulative since the go-live, not before/after: the
-- value is the latest month's (mart_crm_payback), with its 95% range
payback_latest as (
    select * from {{ ref('mart_crm_payback') }}
    where month_start = (select max(month_start) from {{ ref('mart_crm_payback') }})
),

payback_values as (
    select
        payback_definitions.metric_id,
        payback_definitions.family,
        payback_definitions.unit,
        payback_definitions.direction,
        payback_latest.month_start as latest_month,
        payback_latest.months_since_go_live,
        payback_latest.cumulative_crm_costs,
        payback_latest.roi_to_date,
        payback_latest.roi_to_date_low,
        payback_latest.roi_to_date_high,
        cast(case when payback_latest.payback_month is not null
            then {{ calendar_months_between('rollout.go_live_month', 'payback_latest.payback_month') }} + 1
        end as double) as payback_months,
        cast(case when payback_latest.payback_month_earliest is not null
            then {{ calendar_months_between('rollout.go_live_month', 'payback_latest.payback_month_earliest') }} + 1
        end as double) as payback_months_earliest,
        cast(case when payback_latest.payback_month_latest is not null
            then {{ calendar_months_between('rollout.go_live_month', 'payback_latest.payback_month_latest') }} + 1
        end as double) as payback_months_latest,
        unavailable_sources.source_reason
    from {{ ref('kpi_definitions') }} as payback_definitions
    left join unavailable_sources
        on payback_definitions.metric_id = unavailable_sources.metric_id
    cross join (
        select cast({{ dbt.date_trunc('month', 'go_live_date') }} as date) as go_live_month
        from {{ ref('dim_crm_rollout') }}
        where scope_type = 'company'
    ) as rollout
    left join payback_latest on true
    where payback_definitions.period_aggregation = 'payback'
),

payback_rows as (
    select
        metric_id,
        family,
        'company' as scope_type,
        'all' as scope_value,
        unit,
        direction,
        cast(null as bigint) as baseline_months,
        cast(months_since_go_live as bigint) as post_months,
        cast(null as bigint) as baseline_records,
        cast(null as bigint) as post_records,
        cast(null as double) as baseline_value,
        case when metric_id = 'crm_roi' then roi_to_date else payback_months end as post_value,
        cast(null as double) as raw_change,
        cast(null as double) as raw_relative_change,
        'its' as method,
        -- no apostrophes in SQL literals: Spark reads 'a''b' as two literals joined ('ab')
        'cumulative gross profit against the counterfactual gross profit of the company (the model), '
            || 'since the go-live month' as method_detail,
        cast(null as bigint) as model_pre_months,
        cast(months_since_go_live as bigint) as model_post_months,
        cast(null as double) as counterfactual_mean,
        -- ROI: the value to date and its 95% interval; payback: the months
        -- at the point estimate, and the earliest and latest month range
        case when metric_id = 'crm_roi' then roi_to_date else payback_months end as effect,
        case when metric_id = 'crm_roi' then roi_to_date_low else payback_months_earliest end as effect_ci_low,
        case when metric_id = 'crm_roi' then roi_to_date_high else payback_months_latest end as effect_ci_high,
        cast(null as double) as relative_effect,
        cast(null as double) as relative_effect_ci_low,
        cast(null as double) as relative_effect_ci_high,
        cast(null as double) as p_value,
        cast(null as double) as p_value_holm,
        cast(null as double) as p_value_bh,
        cast(null as double) as mde,
        cast(null as double) as mde_relative,
        cast(null as bigint) as placebo_runs,
        cast(null as bigint) as placebo_hits,
        case
            when cumulative_crm_costs is null or cumulative_crm_costs = 0 then 'not_available'
            when metric_id = 'crm_payback_months' and payback_months is null then 'not_reached'
            else 'ok'
        end as status,
        case
            when (cumulative_crm_costs is null or cumulative_crm_costs = 0) and source_reason is not null
                then source_reason
            when cumulative_crm_costs is null or cumulative_crm_costs = 0
                then 'no CRM costs up to the last month of the data'
            when metric_id = 'crm_payback_months' and payback_months is null
                then 'not paid back by ' || cast(latest_month as {{ dbt.type_string() }})
        end as status_reason,
        -- paid back even at the lower end of the interval: better; not even
        -- at its upper end: worse (the investment is a loss so far); else unclear
        case
            when cumulative_crm_costs is null or cumulative_crm_costs = 0 or roi_to_date is null then 'not available'
            when metric_id = 'crm_roi' and roi_to_date_low > 0 then 'better'
            when metric_id = 'crm_roi' and roi_to_date_high < 0 then 'worse'
            when metric_id = 'crm_payback_months' and payback_months_latest is not null then 'better'
            when metric_id = 'crm_payback_months' and payback_months_earliest is null then 'worse'
            else 'no clear change'
        end as verdict,
        case
            when (cumulative_crm_costs is null or cumulative_crm_costs = 0) and source_reason is not null
                then source_reason
            when cumulative_crm_costs is null or cumulative_crm_costs = 0 or roi_to_date is null
                then 'no CRM costs up to the last month of the data'
            when metric_id = 'crm_roi' and roi_to_date_low > 0 then 'paid back: the whole 95% interval of ROI is above 0'
            when metric_id = 'crm_roi' and roi_to_date_high < 0
                then 'not paid back: the whole 95% interval of ROI is below 0'
            when metric_id = 'crm_payback_months' and payback_months_latest is not null
                then 'paid back even at the lower end of the 95% interval'
            when metric_id = 'crm_payback_months' and payback_months_earliest is null
                then 'not paid back even at the upper end of the 95% interval'
            else 'the 95% interval of the incremental gross profit spans the costs'
        end as verdict_reason
    from payback_values
)

select * from comparison
union all
select * from payback_rows
