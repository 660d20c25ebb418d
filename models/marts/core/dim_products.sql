-- One row per product of the catalogue.
select
    product_id,
    product_name,
    product_category,
    list_price,
    unit_cost
from {{ ref('stg_crm__products') }}
