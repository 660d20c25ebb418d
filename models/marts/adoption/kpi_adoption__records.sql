-- The records behind the adoption KPI (long format, see kpi_financial__records):
-- one per employee-month of employment.

-- crm_adoption_rate: employees with >= 1 CRM session in the month / employees employed that month
select {{ kpi_record('crm_adoption_rate', 'month_start', 'department',
                     numerator='case when has_crm_session then 1 else 0 end', denominator='1',
                     employee='employee_id') }}
from {{ ref('fct_employee_months') }}
