-- Amounts far beyond the rest of their column, one row per suspicious value:
-- a likely typo, unit error or test record (a line priced 1e15) that would
-- swamp every total it enters. Nothing is removed - the KPIs still count the
-- value - but the dbt test on this mart warns, and the report lists the
-- values with their months.
--
-- The rule (DECISIONLOG "Calendar and data limits"): a value is an outlier
-- when its size exceeds outlier_factor (default 100) times the column's
-- reference value, the 99.9th percentile of the sizes - taken as the k-th
-- largest size with k = max(6, ceil(0.001 n)), so that at least five values
-- lie above the reference and a handful of extreme values in a small export
-- cannot raise their own threshold. Sizes are absolute values, zeros and
-- NULLs left out; a column with fewer than 10 values is not judged.
{%- set factor = var('outlier_factor', 100) %}
{%- set checks = [
    ('order_items', 'unit_price', 'order_lines', "order_id || ' / ' || cast(line_number as " ~ dbt.type_string() ~ ")", 'order_month'),
    ('order_items', 'quantity', 'order_lines', "order_id || ' / ' || cast(line_number as " ~ dbt.type_string() ~ ")", 'order_month'),
    ('order_items', 'unit_cost', 'order_lines', "order_id || ' / ' || cast(line_number as " ~ dbt.type_string() ~ ")", 'order_month'),
    ('orders', 'discount_amount', 'orders', 'order_id', 'order_month'),
    ('operating_expenses', 'amount', 'expenses', 'expense_id', 'expense_month'),
    ('crm_costs', 'amount', 'crm_costs', 'cost_id', 'cost_month'),
    ('sales_targets', 'target_amount', 'targets', "employee_id || ' / ' || cast(target_month as " ~ dbt.type_string() ~ ")", 'target_month'),
    ('products', 'list_price', 'products', 'product_id', 'cast(null as date)'),
    ('products', 'unit_cost', 'products', 'product_id', 'cast(null as date)'),
    ('fx_rates', 'rate_to_reporting', 'fx_rates', "currency || ' / ' || cast(rate_date as " ~ dbt.type_string() ~ ")", 'rate_month'),
    ('employees', 'hourly_cost', 'employees', 'employee_id', 'cast(null as date)'),
] %}
with orders as (
    select order_id, discount_amount, {{ month_of('created_at_local') }} as order_month
    from {{ ref('stg_crm__orders') }}
),

order_lines as (
    select items.order_id, items.line_number, items.quantity, items.unit_price, items.unit_cost, orders.order_month
    from {{ ref('stg_crm__order_items') }} as items
    left join orders
        on items.order_id = orders.order_id
),

expenses as (
    select expense_id, amount, expense_month from {{ ref('stg_crm__operating_expenses') }}
),

crm_costs as (
    select cost_id, amount, {{ month_of('incurred_on') }} as cost_month from {{ ref('stg_crm__crm_costs') }}
),

targets as (
    select employee_id, target_month, target_amount from {{ ref('stg_crm__sales_targets') }}
),

products as (
    select product_id, list_price, unit_cost from {{ ref('stg_crm__products') }}
),

fx_rates as (
    select currency, rate_date, rate_to_reporting, {{ month_of('rate_date') }} as rate_month
    from {{ ref('stg_crm__fx_rates') }}
),

employees as (
    select employee_id, hourly_cost from {{ ref('stg_crm__employees') }}
),

-- the sizes alone decide each column's reference value: the k-th largest
-- size is the same whichever of equal sizes is ranked k-th, so no record key
-- is built for the millions of values that are not outliers. Columns are
-- told apart by their number in `checks`: a window partitioned by an integer
-- sorts 30 million sizes (scale 10) several times faster than one
-- partitioned by the table and column names.
sizes as (
    {%- for table_name, column_name, relation, key, month in checks %}
    select {{ loop.index }} as check_number, abs(cast({{ column_name }} as double)) as size
    from {{ relation }}
    where {{ column_name }} is not null and {{ column_name }} <> 0
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

value_counts as (
    -- candidate_floor: the 98th percentile of the column's sizes (see candidates)
    select check_number, count(*) as value_count, {{ percentile('size', 0.98) }} as candidate_floor
    from sizes
    group by check_number
),

candidates as (
    -- Only the sizes at or above the 98th percentile are ranked, not every size (a percentile is
    -- found without sorting the column; a window sorts it). The k-th largest size is among them
    -- whenever at least k sizes are, which holds from 1,000 values on: at least 2% of n, less one
    -- for the interpolated percentile, lie at or above it, and k = max(6, ceil(0.001 n)) is below
    -- that. A column with fewer values has every size ranked.
    select sizes.check_number, sizes.size
    from sizes
    inner join value_counts
        on sizes.check_number = value_counts.check_number
    where value_counts.value_count < 1000 or sizes.size >= value_counts.candidate_floor
),

ranked as (
    select
        check_number,
        size,
        row_number() over (partition by check_number order by size desc) as size_rank
    from candidates
),

reference_values as (
    select ranked.check_number, ranked.size as reference_value, value_counts.value_count
    from ranked
    inner join value_counts
        on ranked.check_number = value_counts.check_number
    where ranked.size_rank = greatest(6, cast(ceil(0.001 * value_counts.value_count) as {{ dbt.type_bigint() }}))
        and value_counts.value_count >= 10
),

outliers as (
    {%- for table_name, column_name, relation, key, month in checks %}
    select
        '{{ table_name }}' as source_table,
        '{{ column_name }}' as source_column,
        cast({{ key }} as {{ dbt.type_string() }}) as record_key,
        cast({{ column_name }} as double) as value,
        reference_values.reference_value,
        reference_values.value_count,
        {{ month }} as month_start
    from {{ relation }}
    inner join reference_values
        on reference_values.check_number = {{ loop.index }}
    where {{ column_name }} is not null and {{ column_name }} <> 0
        and abs(cast({{ column_name }} as double)) > {{ factor }} * reference_values.reference_value
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    source_table,
    source_column,
    record_key,
    value,
    {{ factor }} * reference_value as threshold,
    reference_value,
    cast(value_count as {{ dbt.type_bigint() }}) as value_count,
    month_start
from outliers
