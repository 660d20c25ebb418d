-- One row per customer of the customers table, with segment, region,
-- acquisition channel and the order history: first and last completed order
-- and the cohort (month of the first completed order, crm_timezone).
-- No personal data: names, e-mails and phones stop at staging.
select
    customers.customer_id,
    customers.created_at_utc,
    customers.created_at_local,
    {{ month_of('customers.created_at_local') }} as created_month,
    customers.segment,
    customers.region,
    customers.acquisition_channel,
    coalesce(history.order_count, 0) as order_count,
    coalesce(history.completed_order_count, 0) as completed_order_count,
    history.first_completed_order_at_utc,
    history.first_completed_order_at_local,
    history.last_completed_order_at_utc,
    history.last_completed_order_at_local,
    history.cohort_month,
    history.last_completed_order_month
from {{ ref('stg_crm__customers') }} as customers
left join {{ ref('int_customers__order_history') }} as history
    on customers.customer_id = history.customer_id
