-- Order lines with the cost of goods resolved: the line's own unit_cost (in
-- the order's currency, like its price), else the product's unit_cost (which
-- the contract gives in the reporting currency). Prices stay in the order's
-- currency; costs are converted here, because only the line's own cost needs
-- the order's rate.
with items as (
    select * from {{ ref('stg_crm__order_items') }}
)

select
    items.order_id,
    items.line_number,
    items.product_id,
    items.quantity,
    items.unit_price,
    items.quantity * items.unit_price as line_amount,
    fx.fx_rate_to_reporting,
    case
        when items.unit_cost is not null then 'line'
        when products.unit_cost is not null then 'product'
    end as unit_cost_source,
    case
        when items.unit_cost is not null then items.unit_cost * fx.fx_rate_to_reporting
        else products.unit_cost
    end as unit_cost_reporting,
    items.quantity * case
        when items.unit_cost is not null then items.unit_cost * fx.fx_rate_to_reporting
        else products.unit_cost
    end as line_cost_reporting,
    items._loaded_at
from items
left join {{ ref('int_orders__fx_rate') }} as fx
    on items.order_id = fx.order_id
left join {{ ref('stg_crm__products') }} as products
    on items.product_id = products.product_id
