-- The exchange rate of every order: 1 for the reporting currency, otherwise the
-- latest fx_rates row on or before the order's local date ("latest earlier
-- rate"). An order in a foreign currency without a rate gets NULL, which the
-- not_null test on fct_orders turns into a failure: never summed as if UAH.
with orders as (
    select order_id, currency, cast(created_at_local as date) as order_date
    from {{ ref('stg_crm__orders') }}
),

foreign_orders as (
    select * from orders where currency <> '{{ reporting_currency() }}'
),

candidate_rates as (
    select
        foreign_orders.order_id,
        fx.rate_to_reporting,
        row_number() over (partition by foreign_orders.order_id order by fx.rate_date desc) as recency
    from foreign_orders
    inner join {{ ref('stg_crm__fx_rates') }} as fx
        on fx.currency = foreign_orders.currency
        and fx.rate_date <= foreign_orders.order_date
)

select
    orders.order_id,
    case
        when orders.currency = '{{ reporting_currency() }}' then cast(1 as double)
        else candidate_rates.rate_to_reporting
    end as fx_rate_to_reporting
from orders
left join candidate_rates
    on orders.order_id = candidate_rates.order_id
    and candidate_rates.recency = 1
