-- How many rows each raw table holds, per KPI that needs it: an empty table
-- (an optional table absent from the export) makes the KPI "not available"
-- with the table named as the reason.
{%- set tables = ['orders', 'operating_expenses', 'crm_costs', 'leads', 'documents', 'approvals', 'tickets',
                  'surveys', 'employees', 'activities', 'sales_targets', 'crm_usage'] %}
with table_rows as (
    {%- for table in tables %}
    select '{{ table }}' as source_table, count(*) as row_count from {{ source('crm', table) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    needs.metric_id,
    needs.source_table,
    coalesce(table_rows.row_count, 0) as row_count
from {{ ref('kpi_source_tables') }} as needs
left join table_rows
    on needs.source_table = table_rows.source_table
