-- One row per customer. PII stops here: the name is dropped, e-mail and phone
-- are replaced by salted hashes (hash_pii), so customers can still be matched
-- across systems without the values leaving staging.
with source as (
    select * from {{ source('crm', 'customers') }}
)

select
    customer_id,
    created_at as created_at_utc,
    {{ to_crm_local_time('created_at') }} as created_at_local,
    lower(trim(segment)) as segment,
    trim(region) as region,
    lower(trim(acquisition_channel)) as acquisition_channel,
    {{ hash_pii('email', 'email') }} as email_hash,
    {{ hash_pii('phone', 'phone') }} as phone_hash,
    {{ source_loaded_at(source('crm', 'customers')) }} as _loaded_at
from source
