-- One row per order, as exported. Statuses lower-cased, currency defaulted to
-- the reporting currency, discount NULL -> 0, timestamps in UTC and local time.
with source as (
    select * from {{ source('crm', 'orders') }}
)

select
    order_id,
    customer_id,
    employee_id,
    lead_id,
    created_at as created_at_utc,
    {{ to_crm_local_time('created_at') }} as created_at_local,
    lower(trim(status)) as order_status,
    upper(coalesce(nullif(trim(currency), ''), '{{ reporting_currency() }}')) as currency,
    coalesce(discount_amount, 0) as discount_amount,
    {{ source_loaded_at(source('crm', 'orders')) }} as _loaded_at
from source
