{{ config(materialized=table_in_parts_materialization(), part_column='scope_type', parts=kpi_scope_types()) }}
-- built one scope type at a time on DuckDB, so that the exact percentiles of one scope are in memory at once
-- (macros/table_in_parts.sql)
-- Monthly value of every KPI in every scope, from its records: the series that
-- mart_kpi_monthly publishes and that intervals, season adjustment and DiD
-- use. Medians are over the month's records. A total (orders, revenue, new
-- customers) is 0 in a month of the data without records for its scope, not
-- missing: the mean monthly total of a period counts that month.
with records as (
    select * from {{ ref('int_kpi__records') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

aggregated as (
    select
        records.month_start,
        records.metric_id,
        records.family,
        records.scope_type,
        records.scope_value,
        records.crm_period,
        {{ kpi_aggregate('definitions.period_aggregation', 'records.numerator', 'records.denominator', 'records.record_value') }}
            as metric_value,
        case when definitions.period_aggregation in ('ratio', 'total') then sum(records.numerator) end as numerator,
        case when definitions.period_aggregation = 'ratio' then sum(records.denominator) end as denominator,
        count(*) as record_count
    from records
    inner join definitions
        on records.metric_id = definitions.metric_id
    group by
        records.month_start, records.metric_id, records.family, records.scope_type, records.scope_value,
        records.crm_period, definitions.period_aggregation
),

data_months as (
    select month_start
    from {{ ref('int_calendar__months') }}
    where is_data_month
),

total_scopes as (
    select distinct aggregated.metric_id, aggregated.family, aggregated.scope_type, aggregated.scope_value
    from aggregated
    inner join definitions
        on aggregated.metric_id = definitions.metric_id
        and definitions.period_aggregation = 'total'
),

empty_months as (
    select
        data_months.month_start,
        total_scopes.metric_id,
        total_scopes.family,
        total_scopes.scope_type,
        total_scopes.scope_value
    from total_scopes
    cross join data_months
    left join aggregated
        on aggregated.metric_id = total_scopes.metric_id
        and aggregated.scope_type = total_scopes.scope_type
        and aggregated.scope_value = total_scopes.scope_value
        and aggregated.month_start = data_months.month_start
    where aggregated.metric_id is null
)

select * from aggregated
union all
select
    empty_months.month_start,
    empty_months.metric_id,
    empty_months.family,
    empty_months.scope_type,
    empty_months.scope_value,
    {{ crm_period_of('empty_months') }} as crm_period,
    cast(0 as double) as metric_value,
    cast(0 as double) as numerator,
    cast(null as double) as denominator,
    cast(0 as bigint) as record_count
from empty_months
{{ crm_period_joins('empty_months') }}
