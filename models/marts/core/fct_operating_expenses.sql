-- One row per operating expense, in the reporting currency, counted in its
-- month (the numerators of the cost-per-order and acquisition-cost KPIs).
select
    expense_id,
    expense_month,
    expense_category,
    amount
from {{ ref('stg_crm__operating_expenses') }}
