-- Order totals in the reporting currency. Net revenue of an order is
-- sum(quantity * unit_price) - discount_amount (raw contract), converted with
-- the order's rate; the cost of goods is converted line by line
-- (int_orders__lines). The revenue sign encodes the catalog's rule: completed
-- orders count positive, returned orders negative, cancelled and pending zero.
-- An order in a foreign currency without a rate has NULL amounts, never
-- amounts taken as if they were in the reporting currency.
with lines as (
    select
        order_id,
        count(*) as line_count,
        sum(line_amount) as gross_amount,
        sum(line_cost_reporting) as cost_of_goods
    from {{ ref('int_orders__lines') }}
    group by order_id
)

select
    orders.order_id,
    orders.customer_id,
    orders.employee_id,
    orders.lead_id,
    orders.created_at_utc,
    orders.created_at_local,
    cast(orders.created_at_local as date) as order_date,
    {{ month_of('orders.created_at_local') }} as order_month,
    orders.order_status,
    orders.currency,
    fx.fx_rate_to_reporting,
    coalesce(lines.line_count, 0) as line_count,
    coalesce(lines.gross_amount, 0) * fx.fx_rate_to_reporting as gross_amount,
    orders.discount_amount * fx.fx_rate_to_reporting as discount_amount,
    (coalesce(lines.gross_amount, 0) - orders.discount_amount) * fx.fx_rate_to_reporting as net_amount,
    case when fx.fx_rate_to_reporting is not null then coalesce(lines.cost_of_goods, 0) end as cost_of_goods,
    case orders.order_status
        when 'completed' then 1
        when 'returned' then -1
        else 0
    end as revenue_sign,
    orders._loaded_at
from {{ ref('stg_crm__orders') }} as orders
left join lines
    on orders.order_id = lines.order_id
left join {{ ref('int_orders__fx_rate') }} as fx
    on orders.order_id = fx.order_id
