-- Customer-month grid (sparse): one row per customer and calendar month
-- (crm_timezone) in which the customer had at least one completed or returned
-- order, with the month's recognised revenue and gross profit. Retention and
-- lifetime metrics look up customers' active months here.
select
    customer_id,
    order_month,
    cast(sum(case when order_status = 'completed' then 1 else 0 end) as {{ dbt.type_bigint() }}) as completed_order_count,
    cast(sum(case when order_status = 'returned' then 1 else 0 end) as {{ dbt.type_bigint() }}) as returned_order_count,
    sum(net_amount * revenue_sign) as recognised_revenue,
    sum((net_amount - cost_of_goods) * revenue_sign) as gross_profit
from {{ ref('int_orders__totals') }}
where order_status in ('completed', 'returned')
    and customer_id is not null
group by customer_id, order_month
