{{ config(
    materialized=incremental_materialization(),
    unique_key='order_id',
    incremental_strategy=incremental_strategy(),
    on_schema_change='append_new_columns',
    post_hook="{{ delete_vanished_rows(ref('stg_crm__orders'), ['order_id']) }}"
) }}
-- the incremental filter reads these (dbt cannot see refs inside is_incremental()):
-- depends_on: {{ ref('stg_crm__orders') }}
-- depends_on: {{ ref('stg_crm__order_items') }}
-- depends_on: {{ ref('stg_crm__products') }}
-- depends_on: {{ ref('stg_crm__fx_rates') }}
-- depends_on: {{ ref('stg_crm__employees') }}
-- depends_on: {{ ref('stg_crm__customers') }}
-- One row per order, in the reporting currency. Every order of the export is
-- here, cancelled and pending included, orphans included (relationship tests
-- warn); KPI models pick what they count through is_completed / revenue_sign.
-- Attribution for staged rollouts: the department of the order's employee and
-- the region of its customer (as of the export).
-- Incremental: a build reprocesses the orders loaded since the newest order
-- it holds (minus the lookback), and every order whose values depend on a
-- changed row elsewhere: its lines, their products, its currency's rates, its
-- employee and customer, and the customer's other orders (purchase sequence).
with
{% if is_incremental() %}
{{ incremental_watermark() }},

changed_orders as (
    {{ loaded_since(ref('stg_crm__orders'), 'order_id') }}
    union
    {{ loaded_since(ref('stg_crm__order_items'), 'order_id') }}
    union
    select items.order_id
    from {{ ref('stg_crm__order_items') }} as items
    where items.product_id in ({{ loaded_since(ref('stg_crm__products'), 'product_id') }})
    union
    select order_id
    from {{ ref('stg_crm__orders') }}
    where currency in ({{ loaded_since(ref('stg_crm__fx_rates'), 'currency') }})
        or employee_id in ({{ loaded_since(ref('stg_crm__employees'), 'employee_id') }})
        or customer_id in ({{ loaded_since(ref('stg_crm__customers'), 'customer_id') }})
),

-- the purchase sequence of a customer changes with any of their orders; an
-- order that moved to another customer changes the old customer's too
affected_customers as (
    select customer_id from {{ ref('stg_crm__orders') }}
    where order_id in (select order_id from changed_orders)
    union
    select customer_id from {{ this }}
    where order_id in (select order_id from changed_orders)
),

to_process as (
    select order_id from changed_orders
    union
    select order_id from {{ ref('stg_crm__orders') }}
    where customer_id in (select customer_id from affected_customers)
),
{% endif %}

totals as (
    select * from {{ ref('int_orders__totals') }}
    {% if is_incremental() %}
    where order_id in (select order_id from to_process)
    {% endif %}
)

select
    totals.order_id,
    totals.customer_id,
    totals.employee_id,
    totals.lead_id,
    totals.created_at_utc,
    totals.created_at_local,
    totals.order_date,
    totals.order_month,
    totals.order_status,
    totals.order_status = 'completed' as is_completed,
    totals.currency,
    totals.fx_rate_to_reporting,
    totals.line_count,
    totals.gross_amount,
    totals.discount_amount,
    totals.net_amount,
    totals.cost_of_goods,
    totals.revenue_sign,
    totals.net_amount * totals.revenue_sign as recognised_revenue,
    (totals.net_amount - totals.cost_of_goods) * totals.revenue_sign as gross_profit,
    employees.department as employee_department,
    customers.region as customer_region,
    customers.segment as customer_segment,
    purchase_sequence.completed_order_number,
    purchase_sequence.is_repeat_purchase,
    totals._loaded_at,
    cast('{{ incremental_settings_key() }}' as {{ dbt.type_string() }}) as _build_settings
from totals
left join {{ ref('stg_crm__employees') }} as employees
    on totals.employee_id = employees.employee_id
left join {{ ref('stg_crm__customers') }} as customers
    on totals.customer_id = customers.customer_id
left join {{ ref('int_orders__purchase_sequence') }} as purchase_sequence
    on totals.order_id = purchase_sequence.order_id
