{{ config(
    materialized=incremental_materialization(),
    unique_key=['order_id', 'line_number'],
    incremental_strategy=incremental_strategy(),
    on_schema_change='append_new_columns',
    post_hook="{{ delete_vanished_rows(ref('stg_crm__order_items'), ['order_id', 'line_number']) }}"
) }}
-- the incremental filter reads these (dbt cannot see refs inside is_incremental()):
-- depends_on: {{ ref('stg_crm__order_items') }}
-- depends_on: {{ ref('stg_crm__orders') }}
-- depends_on: {{ ref('stg_crm__products') }}
-- depends_on: {{ ref('stg_crm__fx_rates') }}
-- One row per order line, in the reporting currency (the order's rate), with
-- the order's month, status and revenue sign so that product-level revenue
-- follows the same rules as fct_orders: returned lines count negative,
-- cancelled and pending lines zero. The order-level discount stays on
-- fct_orders (it is not spread over lines).
-- Incremental: lines loaded since the newest line held (minus the lookback),
-- plus every line of an order, product or currency that changed since.
with
{% if is_incremental() %}
{{ incremental_watermark() }},

changed_orders as (
    {{ loaded_since(ref('stg_crm__order_items'), 'order_id') }}
    union
    {{ loaded_since(ref('stg_crm__orders'), 'order_id') }}
    union
    select order_id
    from {{ ref('stg_crm__orders') }}
    where currency in ({{ loaded_since(ref('stg_crm__fx_rates'), 'currency') }})
    union
    select order_id
    from {{ ref('stg_crm__order_items') }}
    where product_id in ({{ loaded_since(ref('stg_crm__products'), 'product_id') }})
),
{% endif %}

lines as (
    select * from {{ ref('int_orders__lines') }}
    {% if is_incremental() %}
    where order_id in (select order_id from changed_orders)
    {% endif %}
)

select
    {{ surrogate_key(['lines.order_id', 'lines.line_number']) }} as order_item_key,
    lines.order_id,
    lines.line_number,
    lines.product_id,
    products.product_category,
    orders.customer_id,
    orders.employee_id,
    orders.order_date,
    orders.order_month,
    orders.order_status,
    orders.revenue_sign,
    lines.fx_rate_to_reporting,
    lines.quantity,
    lines.unit_price * lines.fx_rate_to_reporting as unit_price,
    lines.unit_cost_reporting as unit_cost,
    lines.unit_cost_source,
    lines.line_amount * lines.fx_rate_to_reporting as line_amount,
    lines.line_cost_reporting as line_cost,
    lines.line_amount * lines.fx_rate_to_reporting * orders.revenue_sign as recognised_line_amount,
    (lines.line_amount * lines.fx_rate_to_reporting - lines.line_cost_reporting) * orders.revenue_sign
        as line_gross_profit,
    lines._loaded_at,
    cast('{{ incremental_settings_key() }}' as {{ dbt.type_string() }}) as _build_settings
from lines
left join {{ ref('int_orders__totals') }} as orders
    on lines.order_id = orders.order_id
left join {{ ref('stg_crm__products') }} as products
    on lines.product_id = products.product_id
