-- Monthly values of the financial KPIs, one row per month, metric and scope.
-- Long format (metric_id, numerator, denominator, value) so that
-- mart_kpi_monthly is a plain union of the families.
with completed_orders as (
    select * from {{ ref('fct_orders') }}
    where is_completed
),

average_order_value as (
    select
        order_month as month_start,
        'average_order_value' as metric_id,
        'company' as scope_type,
        'all' as scope_value,
        sum(net_amount) as numerator,
        cast(count(*) as double) as denominator,
        {{ safe_divide('sum(net_amount)', 'count(*)') }} as metric_value,
        count(*) as record_count
    from completed_orders
    group by order_month
)

select * from average_order_value
