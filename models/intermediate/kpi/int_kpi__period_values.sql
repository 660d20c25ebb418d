{{ config(materialized=table_in_parts_materialization(), part_column='scope_type', parts=kpi_scope_types()) }}
-- built one scope type at a time on DuckDB, so that the exact percentiles of one scope are in memory at once
-- (macros/table_in_parts.sql)
-- The value of every KPI over the baseline and over the post period, per
-- scope, from the period's records: pooled ratios, percentiles over all the
-- period's records (never an average of monthly medians), and for totals the
-- mean monthly total. These are the descriptive values a person can check by
-- hand; the estimated effect comes from the model of the monthly series.
--
-- A pooled ratio is the sum of the numerators over the sum of the
-- denominators, which int_kpi__monthly has already summed per month: it is
-- pooled from those sums, and so are every metric's month and record counts.
-- Only the percentiles need every record, so only the records of the median
-- and p90 metrics are read (int_kpi__records is a view of every record in
-- every scope: at scale 10, hundreds of millions of rows), and only for the
-- percentile itself (a count(distinct month) over them cost a third of the model).
-- A table, though small: mart_kpi_before_after joins it twice (baseline and
-- post), and as a view its query ran once per join.
{%- set percentile_aggregations = ['median', 'p90'] %}
with records as (
    select * from {{ ref('int_kpi__records') }}
    where crm_period in ('baseline', 'post')
        and metric_id in ({{ metrics_aggregated_by(percentile_aggregations) }})
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

monthly as (
    select * from {{ ref('int_kpi__monthly') }}
    where crm_period in ('baseline', 'post')
),

percentiles as (
    select
        records.metric_id,
        records.scope_type,
        records.scope_value,
        records.crm_period,
        {{ kpi_aggregate('definitions.period_aggregation', 'records.numerator', 'records.denominator', 'records.record_value') }}
            as percentile_value
    from records
    inner join definitions
        on records.metric_id = definitions.metric_id
    group by records.metric_id, records.scope_type, records.scope_value, records.crm_period,
        definitions.period_aggregation
),

pooled as (
    -- the months with records (a total's months without records are 0-rows of the monthly series);
    -- pooled_value is the ratio or total of the sums (NULL for a percentile metric: see percentiles)
    select
        monthly.metric_id,
        monthly.scope_type,
        monthly.scope_value,
        monthly.crm_period,
        definitions.period_aggregation,
        {{ kpi_aggregate('definitions.period_aggregation', 'monthly.numerator', 'monthly.denominator', 'cast(null as double)') }}
            as pooled_value,
        count(distinct monthly.month_start) as month_count,
        cast(sum(monthly.record_count) as {{ dbt.type_bigint() }}) as record_count
    from monthly
    inner join definitions
        on monthly.metric_id = definitions.metric_id
    where monthly.record_count > 0
    group by monthly.metric_id, monthly.scope_type, monthly.scope_value, monthly.crm_period,
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
         when pooled.period_aggregation in ({{ sql_string_list(percentile_aggregations) }}) then percentiles.percentile_value
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
left join percentiles
    on pooled.metric_id = percentiles.metric_id
    and pooled.scope_type = percentiles.scope_type
    and pooled.scope_value = percentiles.scope_value
    and pooled.crm_period = percentiles.crm_period
