-- Every customer who placed an order, with the first and last completed order
-- and the cohort (month of the first completed order, crm_timezone). Built
-- from the orders, so customers missing from the customers table (orphan
-- orders) are here too; dim_customers picks the known ones.
with orders as (
    select * from {{ ref('stg_crm__orders') }}
)

select
    customer_id,
    count(*) as order_count,
    cast(sum(case when order_status = 'completed' then 1 else 0 end) as {{ dbt.type_bigint() }}) as completed_order_count,
    min(case when order_status = 'completed' then created_at_utc end) as first_completed_order_at_utc,
    max(case when order_status = 'completed' then created_at_utc end) as last_completed_order_at_utc,
    min(case when order_status = 'completed' then created_at_local end) as first_completed_order_at_local,
    max(case when order_status = 'completed' then created_at_local end) as last_completed_order_at_local,
    {{ month_of("min(case when order_status = 'completed' then created_at_local end)") }} as cohort_month,
    {{ month_of("max(case when order_status = 'completed' then created_at_local end)") }} as last_completed_order_month
from orders
where customer_id is not null
group by customer_id
