-- One row per order line. unit_cost stays NULL here when the export left it
-- empty; the product's unit_cost is filled in by int_orders__lines.
with source as (
    select * from {{ source('crm', 'order_items') }}
)

select
    order_id,
    cast(line_number as {{ dbt.type_bigint() }}) as line_number,
    product_id,
    quantity,
    unit_price,
    unit_cost,
    {{ source_loaded_at(source('crm', 'order_items')) }} as _loaded_at
from source
