with source as (
    select * from {{ source('crm', 'fx_rates') }}
)

select
    upper(trim(currency)) as currency,
    rate_date,
    rate_to_reporting
from source
