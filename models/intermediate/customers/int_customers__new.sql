-- New customers: the first completed order falls in the month AND the
-- customer record was created within the order history. A customer created
-- before the export's first order month may have ordered before it, so the
-- export cannot tell whether their first order in the data is their first at
-- all; counting them would inflate the first months of every export (left
-- censoring) and, through the pre-go-live trend, every season adjustment.
with history as (
    select min(order_month) as first_order_month from {{ ref('fct_orders') }}
)

select
    customers.customer_id,
    customers.region,
    customers.cohort_month
from {{ ref('dim_customers') }} as customers
cross join history
where customers.cohort_month is not null
    and customers.created_month >= history.first_order_month
