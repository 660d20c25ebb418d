with source as (
    select * from {{ source('crm', 'fx_rates') }}
)

select
    upper(trim(currency)) as currency,
    rate_date,
    rate_to_reporting,
    {{ source_loaded_at(source('crm', 'fx_rates')) }} as _loaded_at
from source
