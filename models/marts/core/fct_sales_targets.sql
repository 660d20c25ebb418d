-- One row per employee and month with a sales plan, with the revenue of the
-- employee's orders in that month (recognised: completed minus returned) -
-- plan_attainment_rate's numerator and denominator. Targets of employees
-- missing from the employees table or outside their employment are kept.
with sales as (
    select
        employee_id,
        order_month,
        sum(net_amount * revenue_sign) as recognised_revenue
    from {{ ref('int_orders__totals') }}
    where employee_id is not null
    group by employee_id, order_month
)

select
    {{ surrogate_key(['targets.employee_id', 'targets.target_month']) }} as sales_target_key,
    targets.employee_id,
    targets.target_month,
    employees.department as employee_department,
    employees.role as employee_role,
    targets.target_amount,
    coalesce(sales.recognised_revenue, 0) as recognised_revenue,
    {{ safe_divide('coalesce(sales.recognised_revenue, 0)', 'targets.target_amount') }} as attainment_rate
from {{ ref('stg_crm__sales_targets') }} as targets
left join {{ ref('stg_crm__employees') }} as employees
    on targets.employee_id = employees.employee_id
left join sales
    on targets.employee_id = sales.employee_id
    and targets.target_month = sales.order_month
