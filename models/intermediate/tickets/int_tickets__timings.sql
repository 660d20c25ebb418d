-- Every ticket with its timings and outcome flags. A ticket has a repeat
-- contact when the same customer opened another ticket of the same category
-- within 7 days (7 x 24 hours, on UTC timestamps) after this one's opened_at.
-- Two tickets opened at the same moment count as one after the other in
-- ticket_id order, so a double submission is one repeat contact, not two.
-- Tickets without a customer or a category cannot be matched and have none.
with tickets as (
    select * from {{ ref('stg_crm__tickets') }}
),

repeat_contacts as (
    select
        this_ticket.ticket_id,
        count(*) as repeat_contact_count
    from tickets as this_ticket
    inner join tickets as later_ticket
        on later_ticket.customer_id = this_ticket.customer_id
        and later_ticket.ticket_category = this_ticket.ticket_category
        and later_ticket.ticket_id <> this_ticket.ticket_id
        and (
            later_ticket.opened_at_utc > this_ticket.opened_at_utc
            or (later_ticket.opened_at_utc = this_ticket.opened_at_utc
                and later_ticket.ticket_id > this_ticket.ticket_id)
        )
        and later_ticket.opened_at_utc <= {{ dbt.dateadd('day', 7, 'this_ticket.opened_at_utc') }}
    group by this_ticket.ticket_id
)

select
    tickets.ticket_id,
    tickets.customer_id,
    tickets.ticket_channel,
    tickets.ticket_category,
    tickets.opened_at_utc,
    tickets.opened_at_local,
    {{ month_of('tickets.opened_at_local') }} as ticket_month,
    tickets.first_response_at_utc,
    tickets.first_response_at_local,
    tickets.resolved_at_utc,
    tickets.resolved_at_local,
    tickets.ticket_status,
    tickets.assigned_employee_id,
    {{ minutes_between('tickets.opened_at_utc', 'tickets.first_response_at_utc') }} as minutes_to_first_response,
    case
        when tickets.ticket_status <> 'open'
            then {{ hours_between('tickets.opened_at_utc', 'tickets.resolved_at_utc') }}
    end as hours_to_resolution,
    tickets.ticket_status = 'resolved' as is_resolved,
    tickets.ticket_status <> 'open' as is_no_longer_open,
    repeat_contacts.ticket_id is not null as has_repeat_contact,
    coalesce(repeat_contacts.repeat_contact_count, 0) as repeat_contact_count,
    tickets._loaded_at
from tickets
left join repeat_contacts
    on tickets.ticket_id = repeat_contacts.ticket_id
