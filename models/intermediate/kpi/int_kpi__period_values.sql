-- The value of every KPI over the baseline and over the post period, per
-- scope, from the period's records: pooled ratios, percentiles over all the
-- period's records (never an average of monthly medians), and for totals the
-- mean monthly total. These are the descriptive values a person can check by
-- hand; the estimated effect comes from the model of the monthly series.
with records as (
    select * from {{ ref('int_kpi__records') }}
    where crm_period in ('baseline', 'post')
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

pooled as (
    select
        records.metric_id,
        records.scope_type,
        records.scope_value,
        records.crm_period,
        definitions.period_aggregation,
        {{ kpi_aggregate('definitions.period_aggregation', 'records.numerator', 'records.denominator', 'records.record_value') }}
            as pooled_value,
        count(distinct records.month_start) as month_count,
        count(*) as record_count
    from records
    inner join definitions
        on records.metric_id = definitions.metric_id
    group by records.metric_id, records.scope_type, records.scope_value, records.crm_period,
        definitions.period_aggregation
),

month_stats as (
    select
        metric_id,
        scope_type,
        scope_value,
        crm_period,
        count(*) as months_in_series,
        avg(metric_value) as mean_of_months
    from {{ ref('int_kpi__monthly') }}
    where crm_period in ('baseline', 'post')
    group by metric_id, scope_type, scope_value, crm_period
)

select
    pooled.metric_id,
    pooled.scope_type,
    pooled.scope_value,
    pooled.crm_period,
    -- a total's period value is its mean monthly total, months without records counting as 0
    case when pooled.period_aggregation = 'total' then month_stats.mean_of_months
         else pooled.pooled_value end as period_value,
    case when pooled.period_aggregation = 'total' then month_stats.months_in_series
         else pooled.month_count end as month_count,
    pooled.record_count,
    month_stats.mean_of_months
from pooled
left join month_stats
    on pooled.metric_id = month_stats.metric_id
    and pooled.scope_type = month_stats.scope_type
    and pooled.scope_value = month_stats.scope_value
    and pooled.crm_period = month_stats.crm_period
