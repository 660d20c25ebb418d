{{ config(materialized='view') }}
-- Every KPI record of every family, expanded to the scopes it counts in
-- (company; its department and region when it has them; the rollout wave of
-- its department or region in a staged rollout; its employee, by the
-- pseudonymous employee_key, for the metrics of the seed kpi_employee_metrics)
-- with the CRM period of its month for that scope. An employee follows the
-- periods of the department the record is attributed to (its own go-live in a
-- staged rollout), else the company's. The single place where scopes and periods are
-- attached, so that every metric follows the same rules.
--
-- The family of a metric, and the list of families, come from the catalog
-- seeds (kpi_definitions, kpi_families). The records models are named here
-- because dbt resolves ref() when it parses the project, before any seed can
-- be read; tests/dbt/kpi_families_have_records.sql fails when this union and
-- the seed kpi_families disagree.
with family_records as {{ inline_cte() }} (
    select metric_id, month_start, department, region, numerator, denominator, record_value, employee_id
    from {{ ref('kpi_financial__records') }}
    union all
    select metric_id, month_start, department, region, numerator, denominator, record_value, employee_id
    from {{ ref('kpi_process__records') }}
    union all
    select metric_id, month_start, department, region, numerator, denominator, record_value, employee_id
    from {{ ref('kpi_service__records') }}
    union all
    select metric_id, month_start, department, region, numerator, denominator, record_value, employee_id
    from {{ ref('kpi_staff__records') }}
    union all
    select metric_id, month_start, department, region, numerator, denominator, record_value, employee_id
    from {{ ref('kpi_customer_base__records') }}
    union all
    select metric_id, month_start, department, region, numerator, denominator, record_value, employee_id
    from {{ ref('kpi_adoption__records') }}
),

records as {{ inline_cte() }} (
    -- every metric_id of a records model is in the catalog (its relationships test). Read five
    -- times below: inlined, so that a reader's filter (metric, month) reaches each scan (macro inline_cte)
    select definitions.family, family_records.*
    from family_records
    inner join {{ ref('kpi_definitions') }} as definitions
        on family_records.metric_id = definitions.metric_id
),

rollout as (
    select * from {{ ref('dim_crm_rollout') }}
),

scoped as (
    select records.*, 'company' as scope_type, 'all' as scope_value
    from records
    union all
    select records.*, 'department' as scope_type, department as scope_value
    from records
    where department is not null
    union all
    select records.*, 'region' as scope_type, region as scope_value
    from records
    where region is not null
    union all
    select records.*, 'rollout_wave' as scope_type, cast(rollout.go_live_date as {{ dbt.type_string() }}) as scope_value
    from records
    inner join rollout
        on (rollout.scope_type = 'department' and records.department = rollout.scope_value)
        or (rollout.scope_type = 'region' and records.region = rollout.scope_value)
),

employee_scoped as (
    -- the employee scope: only the metrics of kpi_employee_metrics, keyed by
    -- the pseudonymous employee_key (never the CRM's employee_id or a name)
    select records.*, 'employee' as scope_type, employees.employee_key as scope_value
    from records
    inner join {{ ref('kpi_employee_metrics') }} as employee_metrics
        on records.metric_id = employee_metrics.metric_id
    inner join {{ ref('stg_crm__employees') }} as employees
        on records.employee_id = employees.employee_id
),

all_scoped as (
    -- period_scope_*: whose CRM periods a row takes (an employee: the department's)
    select scoped.*, scope_type as period_scope_type, scope_value as period_scope_value
    from scoped
    union all
    select employee_scoped.*, 'department' as period_scope_type, department as period_scope_value
    from employee_scoped
)

select
    all_scoped.family,
    all_scoped.metric_id,
    all_scoped.month_start,
    all_scoped.scope_type,
    all_scoped.scope_value,
    {{ crm_period_of('all_scoped') }} as crm_period,
    all_scoped.numerator,
    all_scoped.denominator,
    all_scoped.record_value
from all_scoped
{{ crm_period_joins('all_scoped', 'period_scope_type', 'period_scope_value') }}
