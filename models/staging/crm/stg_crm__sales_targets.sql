-- One row per employee and month with a sales plan. The month is normalised
-- to its first day in case an export gives another day of the month.
with source as (
    select * from {{ source('crm', 'sales_targets') }}
)

select
    employee_id,
    {{ month_of('month') }} as target_month,
    target_amount,
    {{ source_loaded_at(source('crm', 'sales_targets')) }} as _loaded_at
from source
