-- The monthly series of every KPI, with its CRM period, in every scope. One
-- row per month, metric and scope; a month with no records for a metric has
-- no row. crm_roi is the ROI to date from mart_crm_payback (company only).
with series as (
    select
        month_start, metric_id, scope_type, scope_value, crm_period, metric_value, numerator, denominator,
        record_count
    from {{ ref('int_kpi__monthly') }}
    union all
    select
        month_start, 'crm_roi', 'company', 'all', crm_period, roi_to_date,
        cumulative_incremental_gross_profit - cumulative_crm_costs, cumulative_crm_costs, cast(1 as bigint)
    from {{ ref('mart_crm_payback') }}
    where months_since_go_live is not null
)

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
from series as monthly
inner join {{ ref('kpi_definitions') }} as definitions
    on monthly.metric_id = definitions.metric_id
