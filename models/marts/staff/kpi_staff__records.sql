-- The records behind the staff KPIs (long format, see kpi_financial__records).
-- Denominators are employee-months of fct_employee_months (employed that
-- month); handled requests count in the month they arrived.
with employee_months as (
    select * from {{ ref('fct_employee_months') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

targets as (
    select * from {{ ref('fct_sales_targets') }}
),

-- the business-hours twin of task completion (docs/business_hours.md)
business_durations as (
    select * from {{ ref('fct_business_durations') }}
)

-- requests_per_employee: closed leads + tickets no longer open / sales and support employees employed that month.
-- The employee-month rows carry a numerator of 0, so that a month in which the employees of a scope handled no
-- request is 0 requests per employee, not NULL (sum() over NULLs alone is NULL).
select {{ kpi_record('requests_per_employee', 'lead_month', 'assigned_department', numerator='1',
                     employee='assigned_employee_id') }}
from {{ ref('fct_leads') }}
where is_closed
union all
select {{ kpi_record('requests_per_employee', 'ticket_month', 'assigned_department', numerator='1',
                     employee='assigned_employee_id') }}
from {{ ref('fct_tickets') }}
where is_no_longer_open
union all
select {{ kpi_record('requests_per_employee', 'month_start', 'department', numerator='0', denominator='1',
                     employee='employee_id') }}
from employee_months
where is_sales_role or is_support_role

union all
-- sales_per_employee: net revenue / sales employees employed that month (numerator 0 on the employee-month
-- rows: a month without revenue is 0 per employee, not NULL)
select {{ kpi_record('sales_per_employee', 'order_month', 'employee_department', numerator='recognised_revenue',
                     employee='employee_id') }}
from {{ ref('fct_orders') }}
where revenue_sign <> 0
union all
select {{ kpi_record('sales_per_employee', 'month_start', 'department', numerator='0', denominator='1',
                     employee='employee_id') }}
from employee_months
where is_sales_role

union all
-- task_completion_hours: created -> completed of completed activities (median)
select {{ kpi_record('task_completion_hours', 'activity_month', 'employee_department',
                     record_value='hours_to_complete', employee='employee_id') }}
from activities
where is_completed and hours_to_complete is not null
union all
-- the same activities in working hours of their business calendar
select {{ kpi_record('task_completion_business_hours', 'record_month', 'department',
                     record_value='task_completion_business_hours',
                     employee='employee_id') }}
from business_durations
where task_completion_business_hours is not null
union all
-- task_on_time_share: completed by due_at / completed activities with a due_at
select {{ kpi_record('task_on_time_share', 'activity_month', 'employee_department',
                     numerator='case when is_on_time then 1 else 0 end', denominator='1', employee='employee_id') }}
from activities
where is_on_time is not null

union all
-- plan_attainment_rate: net revenue / target over employee-months with a target
select {{ kpi_record('plan_attainment_rate', 'target_month', 'employee_department',
                     numerator='recognised_revenue', denominator='target_amount', employee='employee_id') }}
from targets
where target_amount > 0
union all
-- plan_attainment_share: employee-months at or above 100% of target
select {{ kpi_record('plan_attainment_share', 'target_month', 'employee_department',
                     numerator='case when attainment_rate >= 1 then 1 else 0 end', denominator='1',
                     employee='employee_id') }}
from targets
where target_amount > 0
