-- One row per employee and month of employment within the span of the data:
-- the denominators of the staff and adoption KPIs (employees active in the
-- month, by role), with CRM use, the sales target and the revenue of the
-- employee's orders in the month.
select
    {{ surrogate_key(['employee_id', 'month_start']) }} as employee_month_key,
    employee_id,
    month_start,
    department,
    role,
    hired_at,
    terminated_at,
    is_hired_in_month,
    is_terminated_in_month,
    is_sales_role,
    is_support_role,
    crm_sessions,
    crm_active_days,
    crm_records_touched,
    has_crm_session,
    target_amount,
    has_target,
    completed_order_count,
    recognised_revenue
from {{ ref('int_employees__months') }}
