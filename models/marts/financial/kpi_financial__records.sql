-- The records behind the financial KPIs, one row per record and metric (long
-- format, see int_kpi__records for the columns). A metric's definition lives
-- here and nowhere else: the monthly values, the before/after comparison and
-- the scopes are derived generically from these rows.
with orders as (
    select * from {{ ref('fct_orders') }}
)

-- average_order_value: net revenue of completed orders / completed orders
select
    'average_order_value' as metric_id,
    order_month as month_start,
    cast(null as {{ dbt.type_string() }}) as department,
    cast(null as {{ dbt.type_string() }}) as region,
    net_amount as numerator,
    cast(1 as double) as denominator,
    cast(null as double) as record_value
from orders
where is_completed
