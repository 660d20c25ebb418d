-- The records behind the process KPIs (long format, see kpi_financial__records).
-- Leads count in the month they were created, documents in the month they were
-- created, approvals in the month they were requested.
with leads as (
    select * from {{ ref('fct_leads') }}
),

approvals as (
    select * from {{ ref('fct_approvals') }}
    where is_decided
),

-- the business-hours twins of the durations (docs/business_hours.md)
business_durations as (
    select * from {{ ref('fct_business_durations') }}
)

-- lead_processing_hours: created -> closed, closed leads (median and p90)
select {{ kpi_record('lead_processing_hours', 'lead_month', 'assigned_department', 'customer_region',
                     record_value='hours_to_close', employee='assigned_employee_id') }}
from leads
where is_closed and hours_to_close is not null
union all
select {{ kpi_record('lead_processing_hours_p90', 'lead_month', 'assigned_department', 'customer_region',
                     record_value='hours_to_close', employee='assigned_employee_id') }}
from leads
where is_closed and hours_to_close is not null

union all
-- lead_first_response_hours: created -> first response, leads that got one
select {{ kpi_record('lead_first_response_hours', 'lead_month', 'assigned_department', 'customer_region',
                     record_value='hours_to_first_response', employee='assigned_employee_id') }}
from leads
where hours_to_first_response is not null

union all
-- the same leads in working hours of their business calendar (lead_*_business_hours)
select {{ kpi_record('lead_processing_business_hours', 'record_month', 'department', 'region',
                     record_value='lead_processing_business_hours',
                     employee='employee_id') }}
from business_durations
where lead_processing_business_hours is not null
union all
select {{ kpi_record('lead_processing_business_hours_p90', 'record_month', 'department', 'region',
                     record_value='lead_processing_business_hours',
                     employee='employee_id') }}
from business_durations
where lead_processing_business_hours is not null
union all
select {{ kpi_record('lead_first_response_business_hours', 'record_month', 'department', 'region',
                     record_value='lead_first_response_business_hours',
                     employee='employee_id') }}
from business_durations
where lead_first_response_business_hours is not null

union all
-- document_error_rate: documents with an error / documents created
select {{ kpi_record('document_error_rate', 'document_month', 'created_by_department',
                     numerator='case when has_error then 1 else 0 end', denominator='1') }}
from {{ ref('fct_documents') }}

union all
-- approval_cycle_hours: requested -> decided, decided approvals (median and p90)
select {{ kpi_record('approval_cycle_hours', 'approval_month', 'approver_department',
                     record_value='hours_to_decision') }}
from approvals
union all
select {{ kpi_record('approval_cycle_hours_p90', 'approval_month', 'approver_department',
                     record_value='hours_to_decision') }}
from approvals
union all
-- the same approvals in working hours of their business calendar
select {{ kpi_record('approval_cycle_business_hours', 'record_month', 'department',
                     record_value='approval_cycle_business_hours',
                     employee='employee_id') }}
from business_durations
where approval_cycle_business_hours is not null
union all
select {{ kpi_record('approval_cycle_business_hours_p90', 'record_month', 'department',
                     record_value='approval_cycle_business_hours',
                     employee='employee_id') }}
from business_durations
where approval_cycle_business_hours is not null

union all
-- lost_lead_rate: lost for no response, or still open 30 days after creation / leads created
select {{ kpi_record('lost_lead_rate', 'lead_month', 'assigned_department', 'customer_region',
                     numerator='case when is_counted_lost then 1 else 0 end', denominator='1') }}
from leads

union all
-- lead_conversion_rate: won leads / closed leads
select {{ kpi_record('lead_conversion_rate', 'lead_month', 'assigned_department', 'customer_region',
                     numerator='case when is_won then 1 else 0 end', denominator='1') }}
from leads
where is_closed
