{{ config(materialized='table') }}
-- Monthly value of every KPI in every scope, from its records: the series that
-- mart_kpi_monthly publishes and that intervals, season adjustment and DiD
-- use. Medians are over the month's records.
with records as (
    select * from {{ ref('int_kpi__records') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
)

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
