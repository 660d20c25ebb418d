-- Order lines with the cost of goods resolved: the line's own unit_cost, else
-- the product's. Amounts are still in the order's currency.
select
    items.order_id,
    items.line_number,
    items.product_id,
    items.quantity,
    items.unit_price,
    coalesce(items.unit_cost, products.unit_cost) as unit_cost,
    items.quantity * items.unit_price as line_amount,
    items.quantity * coalesce(items.unit_cost, products.unit_cost) as line_cost
from {{ ref('stg_crm__order_items') }} as items
left join {{ ref('stg_crm__products') }} as products
    on items.product_id = products.product_id
