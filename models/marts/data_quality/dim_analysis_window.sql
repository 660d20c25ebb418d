-- Which months the analysis counts, for the report and BI (one row): from the
-- month of the export's first event to its last complete month. A partial
-- last month (an export taken on the 15th) is left out - its CRM period is
-- 'partial' in every mart - and this row says so and why: the end of the
-- export (exported_at when the loader recorded it, else the latest event).
select
    first_month,
    last_complete_month,
    last_data_month,
    partial_month_excluded,
    partial_month_excluded is not null as is_partial_month_excluded,
    cast(excluded_month_count as {{ dbt.type_bigint() }}) as excluded_month_count,
    data_start_at_local as data_start_at,
    data_end_at_local as data_end_at,
    exported_at_local as exported_at,
    export_end_at_local as export_end_at,
    export_end_source,
    calendar_start_date,
    calendar_end_date,
    cast('{{ crm_timezone() }}' as {{ dbt.type_string() }}) as crm_timezone
from {{ ref('int_calendar__analysis_window') }}
