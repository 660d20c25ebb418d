with source as (
    select * from {{ source('crm', 'products') }}
)

select
    product_id,
    product_name,
    category as product_category,
    list_price,
    unit_cost
from source
