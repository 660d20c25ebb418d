-- Every record with a duration KPI, in one shape: tickets, leads, approvals and
-- activities with their start, first response and end (UTC and local), the
-- month, department and region they count in (as in the family marts), and
-- the business calendar they are measured in: a ticket or lead by its channel,
-- then by its assignee's department; an approval or activity by its
-- employee's department; else the default calendar (var
-- business_calendar_default). The end is set only where the calendar-time
-- KPI counts one (tickets no longer open, closed leads, decided approvals,
-- completed activities).
with assignments as (
    select dimension, trim(value) as assigned_value, calendar_id
    from {{ ref('business_calendar_assignments') }}
),

records as (
    select
        'ticket' as record_type,
        ticket_id as record_id,
        ticket_month as record_month,
        assigned_employee_id as employee_id,
        assigned_department as department,
        customer_id,
        customer_region as region,
        ticket_channel as channel,
        opened_at_utc as start_at_utc,
        opened_at_local as start_at_local,
        first_response_at_utc,
        first_response_at_local,
        case when is_no_longer_open then resolved_at_utc end as end_at_utc,
        case when is_no_longer_open then resolved_at_local end as end_at_local
    from {{ ref('fct_tickets') }}
    union all
    select
        'lead',
        lead_id,
        lead_month,
        assigned_employee_id,
        assigned_department,
        customer_id,
        customer_region,
        lead_channel,
        created_at_utc,
        created_at_local,
        first_response_at_utc,
        first_response_at_local,
        case when is_closed then closed_at_utc end,
        case when is_closed then closed_at_local end
    from {{ ref('fct_leads') }}
    union all
    select
        'approval',
        approval_id,
        approval_month,
        approver_employee_id,
        approver_department,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        requested_at_utc,
        requested_at_local,
        cast(null as {{ dbt.type_timestamp() }}),
        cast(null as {{ dbt.type_timestamp() }}),
        decided_at_utc,
        decided_at_local
    from {{ ref('fct_approvals') }}
    union all
    select
        'activity',
        activity_id,
        activity_month,
        employee_id,
        employee_department,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        created_at_utc,
        created_at_local,
        cast(null as {{ dbt.type_timestamp() }}),
        cast(null as {{ dbt.type_timestamp() }}),
        completed_at_utc,
        completed_at_local
    from {{ ref('fct_activities') }}
)

select
    records.*,
    coalesce(
        by_channel.calendar_id, by_department.calendar_id, '{{ business_calendar_default() }}'
    ) as calendar_id
from records
left join assignments as by_channel
    on by_channel.dimension = 'channel'
    and lower(by_channel.assigned_value) = records.channel
left join assignments as by_department
    on by_department.dimension = 'department'
    and by_department.assigned_value = records.department
