with source as (
    select * from {{ source('crm', 'products') }}
)

select
    product_id,
    product_name,
    lower(trim(category)) as product_category,
    list_price,
    unit_cost,
    {{ source_loaded_at(source('crm', 'products')) }} as _loaded_at
from source
