-- The monthly series of every KPI, with its CRM period. One row per month,
-- metric and scope. A month with no records for a metric has no row.
with family_series as (
    select * from {{ ref('kpi_financial__monthly') }}
),

definitions as (
    select * from {{ ref('kpi_definitions') }}
),

periods as (
    select * from {{ ref('int_calendar__month_periods') }}
)

select
    family_series.month_start,
    family_series.metric_id,
    definitions.family,
    family_series.scope_type,
    family_series.scope_value,
    coalesce(scope_periods.crm_period, company_periods.crm_period, 'outside') as crm_period,
    family_series.metric_value,
    family_series.numerator,
    family_series.denominator,
    family_series.record_count,
    definitions.unit,
    definitions.direction
from family_series
inner join definitions
    on family_series.metric_id = definitions.metric_id
-- a scope without a go-live of its own (e.g. a region when the rollout was
-- staged by department) follows the company's periods
left join periods as scope_periods
    on family_series.month_start = scope_periods.month_start
    and family_series.scope_type = scope_periods.scope_type
    and family_series.scope_value = scope_periods.scope_value
left join periods as company_periods
    on family_series.month_start = company_periods.month_start
    and company_periods.scope_type = 'company'
