-- For every customer and month M: did the customer complete an order in the
-- previous window (the retention_window_months months ending W months before
-- M) and in the window ending M? Only months whose previous window lies wholly
-- inside the order history count, so retention is never computed on a window
-- that the export does not cover.
{%- set window = retention_window_months() %}
with activity as (
    select distinct customer_id, order_month as active_month, customer_region
    from {{ ref('fct_orders') }}
    where is_completed
),

history as (
    select min(order_month) as first_month, max(order_month) as last_month
    from {{ ref('fct_orders') }}
),

months as (
    select spine.month_start
    from {{ ref('int_calendar__months') }} as spine
    cross join history
    where spine.month_start >= cast({{ dbt.dateadd('month', 2 * window - 1, 'history.first_month') }} as date)
        and spine.month_start <= history.last_month
)

select
    activity.customer_id,
    activity.customer_region,
    months.month_start,
    max(case when activity.active_month <= cast({{ dbt.dateadd('month', -window, 'months.month_start') }} as date)
             then 1 else 0 end) as in_previous_window,
    max(case when activity.active_month > cast({{ dbt.dateadd('month', -window, 'months.month_start') }} as date)
             then 1 else 0 end) as in_current_window
from activity
inner join months
    on activity.active_month <= months.month_start
    and activity.active_month > cast({{ dbt.dateadd('month', -2 * window, 'months.month_start') }} as date)
group by activity.customer_id, activity.customer_region, months.month_start
