{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_kpi__monthly'}}}) }}
-- A metric listed in the seed kpi_employee_metrics must have employee rows
-- wherever it has records: its kpi_<family>__records model has to pass the
-- responsible employee to kpi_record(employee=...). One row per listed metric
-- with company records but no employee record. Warn, not error: an export
-- whose CRM records no assignee (some presets) legitimately has none.
-- Counted on int_kpi__monthly, whose record_count is the records behind each
-- month, scope and metric: the same sums as over int_kpi__records, without
-- computing that view (every record in every scope) once more for a test.
with counts as (
    select
        metric_id,
        sum(case when scope_type = 'company' then record_count else 0 end) as company_records,
        sum(case when scope_type = 'employee' then record_count else 0 end) as employee_records
    from {{ ref('int_kpi__monthly') }}
    group by metric_id
)

select employee_metrics.metric_id, counts.company_records
from {{ ref('kpi_employee_metrics') }} as employee_metrics
inner join counts
    on employee_metrics.metric_id = counts.metric_id
where counts.company_records > 0 and counts.employee_records = 0
