-- Employee-month grid: one row per employee and calendar month in which the
-- employee was employed (hired_at <= month end and terminated_at NULL or >=
-- month start), within the span of the data. A missing hired_at counts as
-- employed since before the data starts. Each row carries the employee's
-- role and department (as of the export: the contract keeps no history),
-- CRM use, the sales target and the revenue of the employee's orders - the
-- denominators of the staff and adoption KPIs.
with data_months as (
    select month_start, month_end
    from {{ ref('int_calendar__months') }}
    where is_data_month
),

employees as (
    select * from {{ ref('stg_crm__employees') }}
),

grid as (
    select
        employees.employee_id,
        data_months.month_start,
        data_months.month_end,
        employees.department,
        employees.role,
        employees.hired_at,
        employees.terminated_at
    from employees
    inner join data_months
        on (employees.hired_at is null or employees.hired_at <= data_months.month_end)
        and (employees.terminated_at is null or employees.terminated_at >= data_months.month_start)
),

usage as (
    select
        employee_id,
        {{ month_of('usage_date') }} as month_start,
        cast(sum(coalesce(sessions, 0)) as {{ dbt.type_bigint() }}) as crm_sessions,
        cast(sum(case when sessions > 0 then 1 else 0 end) as {{ dbt.type_bigint() }}) as crm_active_days,
        cast(sum(coalesce(records_touched, 0)) as {{ dbt.type_bigint() }}) as crm_records_touched
    from {{ ref('stg_crm__crm_usage') }}
    group by employee_id, {{ month_of('usage_date') }}
),

targets as (
    select employee_id, target_month, target_amount
    from {{ ref('stg_crm__sales_targets') }}
),

sales as (
    select
        employee_id,
        order_month,
        cast(sum(case when order_status = 'completed' then 1 else 0 end) as {{ dbt.type_bigint() }}) as completed_order_count,
        sum(net_amount * revenue_sign) as recognised_revenue
    from {{ ref('int_orders__totals') }}
    where employee_id is not null
    group by employee_id, order_month
)

select
    grid.employee_id,
    grid.month_start,
    grid.department,
    grid.role,
    grid.hired_at,
    grid.terminated_at,
    (grid.hired_at is not null and grid.hired_at >= grid.month_start) as is_hired_in_month,
    (grid.terminated_at is not null and grid.terminated_at <= grid.month_end) as is_terminated_in_month,
    grid.role = 'sales' as is_sales_role,
    grid.role = 'support' as is_support_role,
    coalesce(usage.crm_sessions, 0) as crm_sessions,
    coalesce(usage.crm_active_days, 0) as crm_active_days,
    coalesce(usage.crm_records_touched, 0) as crm_records_touched,
    coalesce(usage.crm_sessions, 0) >= 1 as has_crm_session,
    targets.target_amount,
    targets.target_amount is not null as has_target,
    coalesce(sales.completed_order_count, 0) as completed_order_count,
    coalesce(sales.recognised_revenue, 0) as recognised_revenue
from grid
left join usage
    on grid.employee_id = usage.employee_id
    and grid.month_start = usage.month_start
left join targets
    on grid.employee_id = targets.employee_id
    and grid.month_start = targets.target_month
left join sales
    on grid.employee_id = sales.employee_id
    and grid.month_start = sales.order_month
