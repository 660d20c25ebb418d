-- Difference-in-differences for a staged rollout. The first rollout wave is
-- treated; the waves that go live later are the control while they are not yet
-- live. Pre window: the treated wave's baseline months. Post window: the
-- treated wave's post months that end before the first control go-live. Each
-- group's value is pooled from its records in the window (percentiles over
-- records for medians). The interval comes from the monthly treated-minus-
-- control differences, Welch's t over pre and post months.
-- Without a staged rollout (one wave or none) this model is empty.
with rollout as (
    select * from {{ ref('dim_crm_rollout') }}
    where scope_type = 'rollout_wave'
),

treated as (
    select * from rollout
    where go_live_date = (select min(go_live_date) from rollout)
),

control as (
    select rollout.*
    from rollout
    cross join treated
    where rollout.go_live_date >= treated.first_post_month
),

control_start as (
    select min(go_live_date) as first_control_go_live from control
),

windows as (
    select
        periods.month_start,
        case
            when periods.crm_period = 'baseline' then 'pre'
            when periods.crm_period = 'post'
                and cast({{ dbt.dateadd('month', 1, 'periods.month_start') }} as date)
                    <= control_start.first_control_go_live then 'post'
        end as did_window
    from {{ ref('int_calendar__month_periods') }} as periods
    inner join treated
        on periods.scope_type = 'rollout_wave'
        and periods.scope_value = treated.scope_value
    cross join control_start
),

grouped_records as (
    select
        records.metric_id,
        case when records.scope_value = treated.scope_value then 'treated' else 'control' end as did_group,
        windows.did_window,
        records.month_start,
        records.numerator,
        records.denominator,
        records.record_value
    from {{ ref('int_kpi__records') }} as records
    inner join windows
        on records.month_start = windows.month_start
        and windows.did_window is not null
    cross join treated
    where records.scope_type = 'rollout_wave'
        and (records.scope_value = treated.scope_value
             or records.scope_value in (select scope_value from control))
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

group_windows as (
    select
        grouped_records.metric_id,
        grouped_records.did_group,
        grouped_records.did_window,
        case when definitions.period_aggregation = 'total'
             then sum(grouped_records.numerator) / count(distinct grouped_records.month_start)
             else {{ kpi_aggregate('definitions.period_aggregation', 'grouped_records.numerator',
                                   'grouped_records.denominator', 'grouped_records.record_value') }}
        end as window_value
    from grouped_records
    inner join definitions
        on grouped_records.metric_id = definitions.metric_id
    group by grouped_records.metric_id, grouped_records.did_group, grouped_records.did_window,
        definitions.period_aggregation
),

group_months as (
    select
        grouped_records.metric_id,
        grouped_records.did_group,
        grouped_records.did_window,
        grouped_records.month_start,
        {{ kpi_aggregate('definitions.period_aggregation', 'grouped_records.numerator',
                         'grouped_records.denominator', 'grouped_records.record_value') }} as month_value
    from grouped_records
    inner join definitions
        on grouped_records.metric_id = definitions.metric_id
    group by grouped_records.metric_id, grouped_records.did_group, grouped_records.did_window,
        grouped_records.month_start, definitions.period_aggregation
),

monthly_gaps as (
    select
        treated_month.metric_id,
        treated_month.did_window,
        treated_month.month_value - control_month.month_value as gap
    from group_months as treated_month
    inner join group_months as control_month
        on treated_month.metric_id = control_month.metric_id
        and treated_month.month_start = control_month.month_start
        and control_month.did_group = 'control'
    where treated_month.did_group = 'treated'
),

gap_stats as (
    select
        metric_id,
        sum(case when did_window = 'pre' then 1 else 0 end) as pre_months,
        sum(case when did_window = 'post' then 1 else 0 end) as post_months,
        var_samp(case when did_window = 'pre' then gap end) as pre_variance,
        var_samp(case when did_window = 'post' then gap end) as post_variance
    from monthly_gaps
    group by metric_id
),

estimates as (
    select
        metric_id,
        max(case when did_group = 'treated' and did_window = 'pre' then window_value end) as treated_pre,
        max(case when did_group = 'treated' and did_window = 'post' then window_value end) as treated_post,
        max(case when did_group = 'control' and did_window = 'pre' then window_value end) as control_pre,
        max(case when did_group = 'control' and did_window = 'post' then window_value end) as control_post
    from group_windows
    group by metric_id
),

standard_errors as (
    select
        metric_id,
        pre_months,
        post_months,
        sqrt(pre_variance / pre_months + post_variance / post_months) as did_standard_error,
        power(pre_variance / pre_months + post_variance / post_months, 2)
        / nullif(power(pre_variance / pre_months, 2) / nullif(pre_months - 1, 0)
                 + power(post_variance / post_months, 2) / nullif(post_months - 1, 0), 0) as welch_df
    from gap_stats
)

select
    estimates.metric_id,
    (select scope_value from treated) as treated_wave,
    (select min(scope_value) from control) as first_control_wave,
    estimates.treated_pre,
    estimates.treated_post,
    estimates.control_pre,
    estimates.control_post,
    (estimates.treated_post - estimates.treated_pre) - (estimates.control_post - estimates.control_pre)
        as did_change,
    {{ safe_divide(safe_divide('estimates.treated_post', 'estimates.treated_pre'),
                   safe_divide('estimates.control_post', 'estimates.control_pre')) }} - 1 as did_relative_change,
    standard_errors.pre_months as did_pre_months,
    standard_errors.post_months as did_post_months,
    standard_errors.did_standard_error,
    standard_errors.welch_df as did_welch_df
from estimates
left join standard_errors
    on estimates.metric_id = standard_errors.metric_id
where estimates.treated_pre is not null
    and estimates.treated_post is not null
    and estimates.control_pre is not null
    and estimates.control_post is not null
