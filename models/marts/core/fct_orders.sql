-- One row per order, in the reporting currency. Every order of the export is
-- here, cancelled and pending included, orphans included (relationship tests
-- warn); KPI models pick what they count through is_completed / revenue_sign.
select
    order_id,
    customer_id,
    employee_id,
    lead_id,
    created_at_utc,
    created_at_local,
    order_date,
    order_month,
    order_status,
    order_status = 'completed' as is_completed,
    currency,
    fx_rate_to_reporting,
    line_count,
    gross_amount,
    discount_amount,
    net_amount,
    cost_of_goods,
    revenue_sign,
    net_amount * revenue_sign as recognised_revenue,
    (net_amount - cost_of_goods) * revenue_sign as gross_profit
from {{ ref('int_orders__totals') }}
