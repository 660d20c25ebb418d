-- One row per cost of the CRM investment, in the reporting currency, with the
-- month it was incurred in (payback and ROI accumulate these).
select
    cost_id,
    incurred_on,
    {{ month_of('incurred_on') }} as cost_month,
    cost_category,
    amount
from {{ ref('stg_crm__crm_costs') }}
