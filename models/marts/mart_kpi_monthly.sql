-- The monthly series of every KPI, with its CRM period, in every scope. One
-- row per month, metric and scope; a month with no records for a metric has
-- no row.
select
    monthly.month_start,
    monthly.metric_id,
    definitions.family,
    monthly.scope_type,
    monthly.scope_value,
    monthly.crm_period,
    monthly.metric_value,
    monthly.numerator,
    monthly.denominator,
    monthly.record_count,
    definitions.unit,
    definitions.direction
from {{ ref('int_kpi__monthly') }} as monthly
inner join {{ ref('kpi_definitions') }} as definitions
    on monthly.metric_id = definitions.metric_id
