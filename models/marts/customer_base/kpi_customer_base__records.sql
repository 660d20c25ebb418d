-- The records behind the customer-base KPIs (long format, see
-- kpi_financial__records). A customer counts by region; these metrics have no
-- department (a customer is served by many people).
with customers as (
    select * from {{ ref('dim_customers') }}
),

history as (
    select max(order_month) as last_month from {{ ref('fct_orders') }}
)

-- new_customers: customers whose first completed order falls in the month (int_customers__new)
select {{ kpi_record('new_customers', 'cohort_month', region='region', numerator='1') }}
from {{ ref('int_customers__new') }}

union all
-- retention_rate: active in both windows / active in the previous window
select {{ kpi_record('retention_rate', 'month_start', region='customer_region',
                     numerator='in_current_window', denominator='1') }}
from {{ ref('int_customers__retention_windows') }}
where in_previous_window = 1

union all
-- repeat_purchase_share: completed orders of customers with an earlier completed order / completed orders
select {{ kpi_record('repeat_purchase_share', 'order_month', 'employee_department', 'customer_region',
                     numerator='case when is_repeat_purchase then 1 else 0 end', denominator='1') }}
from {{ ref('fct_orders') }}
where is_completed

union all
-- customer_lifetime_months: first -> last completed order of churned customers (no completed order in the
-- last 12 months of the data), counted in the month of their last order
select {{ kpi_record('customer_lifetime_months', 'customers.last_completed_order_month', region='customers.region',
                     numerator=months_of_days_between('customers.first_completed_order_at_local',
                                                     'customers.last_completed_order_at_local'),
                     denominator='1') }}
from customers
cross join history
where customers.last_completed_order_month is not null
    and customers.last_completed_order_month <= cast({{ dbt.dateadd('month', -12, 'history.last_month') }} as date)
