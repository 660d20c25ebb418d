-- The records behind the financial KPIs, one row per record and metric (long
-- format; columns from the kpi_record macro). Each metric's definition lives
-- here and nowhere else: months, scopes, periods and the comparison are
-- derived generically (int_kpi__records and onwards).
with orders as (
    select * from {{ ref('fct_orders') }}
),

expenses as (
    select * from {{ ref('fct_operating_expenses') }}
),

customer_months as (
    select distinct customer_id, order_month, customer_region
    from orders
    where is_completed
)

-- average_order_value: net revenue of completed orders / completed orders
select {{ kpi_record('average_order_value', 'order_month', 'employee_department', 'customer_region',
                     numerator='net_amount', denominator='1') }}
from orders
where is_completed

union all
-- net_revenue: completed orders count positive, returned orders negative
select {{ kpi_record('net_revenue', 'order_month', 'employee_department', 'customer_region',
                     numerator='recognised_revenue') }}
from orders
where revenue_sign <> 0

union all
-- order_count: completed orders
select {{ kpi_record('order_count', 'order_month', 'employee_department', 'customer_region', numerator='1') }}
from orders
where is_completed

union all
-- gross_profit (companion, feeds the payback): net revenue - cost of goods, returns negative
select {{ kpi_record('gross_profit', 'order_month', 'employee_department', 'customer_region',
                     numerator='gross_profit') }}
from orders
where revenue_sign <> 0

union all
-- order_processing_cost_per_order: operating_expenses(order_processing) / completed orders (company only:
-- expenses carry no department)
select {{ kpi_record('order_processing_cost_per_order', 'expense_month', numerator='amount') }}
from expenses
where expense_category = 'order_processing'
union all
select {{ kpi_record('order_processing_cost_per_order', 'order_month', denominator='1') }}
from orders
where is_completed

union all
-- gross_profit_per_customer: gross profit / customers with a completed order in the month
select {{ kpi_record('gross_profit_per_customer', 'order_month', region='customer_region',
                     numerator='gross_profit') }}
from orders
where revenue_sign <> 0
union all
select {{ kpi_record('gross_profit_per_customer', 'order_month', region='customer_region', denominator='1') }}
from customer_months

union all
-- customer_acquisition_cost: operating_expenses(acquisition) / new customers (first completed order)
select {{ kpi_record('customer_acquisition_cost', 'expense_month', numerator='amount') }}
from expenses
where expense_category = 'acquisition'
union all
select {{ kpi_record('customer_acquisition_cost', 'cohort_month', denominator='1') }}
from {{ ref('int_customers__new') }}
