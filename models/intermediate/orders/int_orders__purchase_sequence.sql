-- The place of every completed order in its customer's history: the n-th
-- completed order (by created_at, then order_id for orders placed at the same
-- moment). A completed order with n > 1 is a repeat purchase. Orders that are
-- not completed have no number.
with completed as (
    select
        order_id,
        -- row_number() is bigint on DuckDB, int on Spark: one type everywhere
        cast(row_number() over (
            partition by customer_id
            order by created_at_utc, order_id
        ) as bigint) as completed_order_number
    from {{ ref('stg_crm__orders') }}
    where order_status = 'completed'
)

select
    orders.order_id,
    orders.customer_id,
    completed.completed_order_number,
    coalesce(completed.completed_order_number > 1, false) as is_repeat_purchase
from {{ ref('stg_crm__orders') }} as orders
left join completed
    on orders.order_id = completed.order_id
