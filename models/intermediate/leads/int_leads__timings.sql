-- Every lead with its timings and outcome flags. Durations are measured on
-- UTC timestamps. The 30-day rule of lost_lead_rate ("leads still open 30 days
-- after creation") is judged against the end of the data
-- (int_calendar__data_range), never against the time of the build.
with leads as (
    select * from {{ ref('stg_crm__leads') }}
),

data_range as (
    select data_end_at_utc from {{ ref('int_calendar__data_range') }}
)

select
    leads.lead_id,
    leads.customer_id,
    leads.lead_channel,
    leads.created_at_utc,
    leads.created_at_local,
    {{ month_of('leads.created_at_local') }} as lead_month,
    leads.assigned_employee_id,
    leads.first_response_at_utc,
    leads.first_response_at_local,
    leads.lead_status,
    leads.closed_at_utc,
    leads.closed_at_local,
    leads.lost_reason,
    {{ hours_between('leads.created_at_utc', 'leads.first_response_at_utc') }} as hours_to_first_response,
    case
        when leads.lead_status in ('won', 'lost')
            then {{ hours_between('leads.created_at_utc', 'leads.closed_at_utc') }}
    end as hours_to_close,
    leads.lead_status in ('won', 'lost') as is_closed,
    leads.lead_status = 'won' as is_won,
    leads.lead_status = 'lost' as is_lost,
    (leads.lead_status = 'lost' and leads.lost_reason = 'no_response') as is_lost_no_response,
    (leads.lead_status = 'open'
        and {{ dbt.dateadd('day', 30, 'leads.created_at_utc') }} <= data_range.data_end_at_utc)
        as is_open_over_30_days,
    (
        (leads.lead_status = 'lost' and leads.lost_reason = 'no_response')
        or (leads.lead_status = 'open'
            and {{ dbt.dateadd('day', 30, 'leads.created_at_utc') }} <= data_range.data_end_at_utc)
    ) as is_counted_lost,
    leads._loaded_at
from leads
cross join data_range
