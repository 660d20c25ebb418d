with source as (
    select * from {{ source('crm', 'crm_rollout') }}
)

select
    lower(trim(scope_type)) as scope_type,
    trim(scope_value) as scope_value,
    go_live_date
from source
