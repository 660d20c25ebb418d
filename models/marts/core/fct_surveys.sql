-- One row per survey answer, counted in the local month of responded_at, with
-- the CSAT and NPS classes the service KPIs count. Attribution: the customer's
-- region, and the department that served the customer - the assignee of the
-- ticket the survey followed, else the employee of the order it followed.
with surveys as (
    select * from {{ ref('stg_crm__surveys') }}
),

employees as (
    select employee_id, department from {{ ref('stg_crm__employees') }}
)

select
    surveys.response_id,
    surveys.customer_id,
    surveys.ticket_id,
    surveys.order_id,
    surveys.responded_at_utc,
    surveys.responded_at_local,
    {{ month_of('surveys.responded_at_local') }} as survey_month,
    coalesce(ticket_employees.department, order_employees.department) as attributed_department,
    customers.region as customer_region,
    surveys.csat_score,
    surveys.nps_score,
    surveys.csat_score >= 4 as is_csat_satisfied,
    case
        when surveys.nps_score >= 9 then 'promoter'
        when surveys.nps_score >= 7 then 'passive'
        when surveys.nps_score >= 0 then 'detractor'
    end as nps_category,
    surveys.nps_score >= 9 as is_promoter,
    surveys.nps_score <= 6 as is_detractor
from surveys
left join {{ ref('stg_crm__tickets') }} as tickets
    on surveys.ticket_id = tickets.ticket_id
left join employees as ticket_employees
    on tickets.assigned_employee_id = ticket_employees.employee_id
left join {{ ref('stg_crm__orders') }} as orders
    on surveys.order_id = orders.order_id
left join employees as order_employees
    on orders.employee_id = order_employees.employee_id
left join {{ ref('stg_crm__customers') }} as customers
    on surveys.customer_id = customers.customer_id
