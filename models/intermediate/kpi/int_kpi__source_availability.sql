-- Whether each raw table a KPI needs can feed it, and if not, why: the table
-- is absent from the export, its file has a header and no rows, every row of
-- its file was quarantined by the loader, or it has rows but none inside the
-- analysis window (first month .. last complete month, dim_analysis_window).
-- mart_kpi_before_after gives the reason of a "not available" KPI from here.
--
-- The first three are told apart by what the loader recorded (raw.load_log,
-- macros/loader_log.sql); where nothing was recorded (the Spark raw layer, a
-- warehouse loaded by another tool) an empty table is 'no_rows'.
{%- set tables = [
    ('orders', 'stg_crm__orders', month_of('created_at_local'), month_of('created_at_local')),
    ('operating_expenses', 'stg_crm__operating_expenses', 'expense_month', 'expense_month'),
    ('crm_costs', 'stg_crm__crm_costs', month_of('incurred_on'), month_of('incurred_on')),
    ('leads', 'stg_crm__leads', month_of('created_at_local'), month_of('created_at_local')),
    ('documents', 'stg_crm__documents', month_of('created_at_local'), month_of('created_at_local')),
    ('approvals', 'stg_crm__approvals', month_of('requested_at_local'), month_of('requested_at_local')),
    ('tickets', 'stg_crm__tickets', month_of('opened_at_local'), month_of('opened_at_local')),
    ('surveys', 'stg_crm__surveys', month_of('responded_at_local'), month_of('responded_at_local')),
    ('employees', 'stg_crm__employees', month_of('hired_at'), month_of('terminated_at')),
    ('activities', 'stg_crm__activities', month_of('created_at_local'), month_of('created_at_local')),
    ('sales_targets', 'stg_crm__sales_targets', 'target_month', 'target_month'),
    ('crm_usage', 'stg_crm__crm_usage', month_of('usage_date'), month_of('usage_date')),
] %}
with analysis_window as (
    select first_month, last_complete_month from {{ ref('int_calendar__analysis_window') }}
),

-- a row is inside the window when its span of months (an employee's
-- employment, one month for everything else) meets the window; an open start
-- or end (no hire or termination date) meets it
table_rows as (
    {%- for table, model, first_month, last_month in tables %}
    select
        '{{ table }}' as source_table,
        count(*) as row_count,
        sum(case
            when coalesce({{ first_month }}, analysis_window.last_complete_month) <= analysis_window.last_complete_month
                and coalesce({{ last_month }}, analysis_window.first_month) >= analysis_window.first_month
                then 1 else 0
        end) as window_row_count
    from {{ ref(model) }}
    cross join analysis_window
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

loaded_files as (
    {{ loaded_files() }}
),

availability as (
    select
        table_rows.source_table,
        cast(table_rows.row_count as {{ dbt.type_bigint() }}) as row_count,
        cast(coalesce(table_rows.window_row_count, 0) as {{ dbt.type_bigint() }}) as window_row_count,
        loaded_files.rows_read,
        loaded_files.rows_quarantined,
        case
            when table_rows.row_count > 0 and table_rows.window_row_count > 0 then 'available'
            when table_rows.row_count > 0 then 'outside_window'
            when loaded_files.rows_read > 0 then 'quarantined'
            when loaded_files.rows_read = 0 then 'empty'
            when loaded_files.load_status = 'absent' then 'absent'
            else 'no_rows'
        end as availability,
        analysis_window.first_month,
        analysis_window.last_complete_month
    from table_rows
    cross join analysis_window
    left join loaded_files
        on table_rows.source_table = loaded_files.table_name
)

select
    needs.metric_id,
    needs.source_table,
    availability.row_count,
    availability.window_row_count,
    availability.availability,
    case availability.availability
        when 'available' then cast(null as {{ dbt.type_string() }})
        when 'absent' then 'the export has no ' || needs.source_table || ' file'
        when 'empty' then 'the ' || needs.source_table || ' file of the export has a header but no rows'
        when 'quarantined' then 'all ' || cast(availability.rows_read as {{ dbt.type_string() }})
            || ' rows of the ' || needs.source_table || ' file were quarantined by the load'
        when 'outside_window' then needs.source_table || ' has ' || cast(availability.row_count as {{ dbt.type_string() }})
            || ' rows but none inside the analysis window '
            || substring(cast(availability.first_month as {{ dbt.type_string() }}), 1, 7) || ' .. '
            || substring(cast(availability.last_complete_month as {{ dbt.type_string() }}), 1, 7)
        else 'the export has no rows in ' || needs.source_table
    end as availability_reason  -- no apostrophes: Spark reads 'a''b' as two literals
from {{ ref('kpi_source_tables') }} as needs
inner join availability
    on needs.source_table = availability.source_table
