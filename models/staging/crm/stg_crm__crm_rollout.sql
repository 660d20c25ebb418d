with source as (
    select * from {{ source('crm', 'crm_rollout') }}
)

select
    lower(trim(scope_type)) as scope_type,
    trim(scope_value) as scope_value,
    go_live_date,
    {{ source_loaded_at(source('crm', 'crm_rollout')) }} as _loaded_at
from source
