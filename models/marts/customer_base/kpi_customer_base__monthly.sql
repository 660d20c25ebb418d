-- Monthly values of the customer-base KPIs in every scope. The definitions are in
-- kpi_customer_base__records; the aggregation is the same for every family
-- (int_kpi__monthly).
select
    month_start,
    metric_id,
    scope_type,
    scope_value,
    crm_period,
    numerator,
    denominator,
    metric_value,
    record_count
from {{ ref('int_kpi__monthly') }}
where family = 'customer_base'
