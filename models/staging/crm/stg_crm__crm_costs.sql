-- One row per cost of the CRM investment (license, implementation, ...).
with source as (
    select * from {{ source('crm', 'crm_costs') }}
)

select
    cost_id,
    incurred_on,
    lower(trim(category)) as cost_category,
    amount,
    {{ source_loaded_at(source('crm', 'crm_costs')) }} as _loaded_at
from source
