-- The records behind the service KPIs (long format, see kpi_financial__records).
-- Tickets count in the month they were opened, survey answers in the month
-- they were given.
with tickets as (
    select * from {{ ref('fct_tickets') }}
),

surveys as (
    select * from {{ ref('fct_surveys') }}
),

-- the business-hours twins of the durations (docs/business_hours.md)
business_durations as (
    select * from {{ ref('fct_business_durations') }}
)

-- first_response_minutes: opened -> first response (median and p90)
select {{ kpi_record('first_response_minutes', 'ticket_month', 'assigned_department', 'customer_region',
                     record_value='minutes_to_first_response',
                     employee='assigned_employee_id') }}
from tickets
where minutes_to_first_response is not null
union all
select {{ kpi_record('first_response_minutes_p90', 'ticket_month', 'assigned_department', 'customer_region',
                     record_value='minutes_to_first_response',
                     employee='assigned_employee_id') }}
from tickets
where minutes_to_first_response is not null
union all
-- first_response_business_minutes: the same tickets, working minutes of their business calendar
select {{ kpi_record('first_response_business_minutes', 'record_month', 'department', 'region',
                     record_value='first_response_business_minutes',
                     employee='employee_id') }}
from business_durations
where first_response_business_minutes is not null
union all
select {{ kpi_record('first_response_business_minutes_p90', 'record_month', 'department', 'region',
                     record_value='first_response_business_minutes',
                     employee='employee_id') }}
from business_durations
where first_response_business_minutes is not null

union all
-- resolution_rate: resolved tickets / tickets no longer open
select {{ kpi_record('resolution_rate', 'ticket_month', 'assigned_department', 'customer_region',
                     numerator='case when is_resolved then 1 else 0 end', denominator='1') }}
from tickets
where is_no_longer_open

union all
-- csat_score: mean csat_score; csat_top2_share: share of 4-5
select {{ kpi_record('csat_score', 'survey_month', 'attributed_department', 'customer_region',
                     numerator='csat_score', denominator='1') }}
from surveys
where csat_score is not null
union all
select {{ kpi_record('csat_top2_share', 'survey_month', 'attributed_department', 'customer_region',
                     numerator='case when is_csat_satisfied then 1 else 0 end', denominator='1') }}
from surveys
where csat_score is not null

union all
-- nps: % promoters (9-10) - % detractors (0-6): +100 / -100 / 0 per answer, averaged
select {{ kpi_record('nps', 'survey_month', 'attributed_department', 'customer_region',
                     numerator='case when is_promoter then 100 when is_detractor then -100 else 0 end',
                     denominator='1') }}
from surveys
where nps_score is not null

union all
-- repeat_contact_rate: tickets followed by another of the same customer and category within 7 days / tickets
select {{ kpi_record('repeat_contact_rate', 'ticket_month', 'assigned_department', 'customer_region',
                     numerator='case when has_repeat_contact then 1 else 0 end', denominator='1') }}
from tickets
