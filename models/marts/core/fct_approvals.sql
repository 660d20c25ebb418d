-- One row per approval request, counted in the local month of requested_at,
-- with the cycle time of decided approvals (decided_at set; NULL = pending).
-- Attribution: the department of the approver.
select
    approvals.approval_id,
    approvals.object_type,
    approvals.object_id,
    approvals.requested_at_utc,
    approvals.requested_at_local,
    {{ month_of('approvals.requested_at_local') }} as approval_month,
    approvals.decided_at_utc,
    approvals.decided_at_local,
    approvals.decision,
    approvals.approver_employee_id,
    employees.department as approver_department,
    approvals.decided_at_utc is not null as is_decided,
    {{ hours_between('approvals.requested_at_utc', 'approvals.decided_at_utc') }} as hours_to_decision
from {{ ref('stg_crm__approvals') }} as approvals
left join {{ ref('stg_crm__employees') }} as employees
    on approvals.approver_employee_id = employees.employee_id
