-- One row per operating expense (costs of winning, serving and processing).
with source as (
    select * from {{ source('crm', 'operating_expenses') }}
)

select
    expense_id,
    {{ month_of('month') }} as expense_month,
    lower(trim(category)) as expense_category,
    amount,
    {{ source_loaded_at(source('crm', 'operating_expenses')) }} as _loaded_at
from source
