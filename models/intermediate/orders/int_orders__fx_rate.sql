-- The exchange rate of every order: 1 for the reporting currency, otherwise the
-- latest fx_rates row on or before the order's local date ("latest earlier
-- rate"). An order in a foreign currency without a rate gets NULL, which the
-- not_null test on fct_orders turns into a failure: never summed as if UAH.
-- The rate is looked up once per currency and local date, not once per order:
-- an order has the rate of its currency's day, and a day's candidate rates are
-- every earlier rate of the currency (hundreds of days), so joining them to
-- every order joined hundreds of rows to each (176 million at scale 30, three
-- times in fct_order_items); joining them to each currency's days joins them
-- to a few thousand.
with orders as (
    select order_id, currency, cast(created_at_local as date) as order_date
    from {{ ref('stg_crm__orders') }}
),

foreign_order_days as (
    select distinct currency, order_date
    from orders
    where currency <> '{{ reporting_currency() }}'
),

candidate_rates as (
    select
        foreign_order_days.currency,
        foreign_order_days.order_date,
        fx.rate_to_reporting,
        row_number() over (
            partition by foreign_order_days.currency, foreign_order_days.order_date
            order by fx.rate_date desc
        ) as recency
    from foreign_order_days
    inner join {{ ref('stg_crm__fx_rates') }} as fx
        on fx.currency = foreign_order_days.currency
        and fx.rate_date <= foreign_order_days.order_date
)

select
    orders.order_id,
    case
        when orders.currency = '{{ reporting_currency() }}' then cast(1 as double)
        else candidate_rates.rate_to_reporting
    end as fx_rate_to_reporting
from orders
left join candidate_rates
    on orders.currency = candidate_rates.currency
    and orders.order_date = candidate_rates.order_date
    and candidate_rates.recency = 1
