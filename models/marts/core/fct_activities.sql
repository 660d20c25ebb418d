{{ config(
    materialized=incremental_materialization(),
    unique_key='activity_id',
    incremental_strategy=incremental_strategy(),
    on_schema_change='append_new_columns',
    post_hook="{{ delete_vanished_rows(ref('stg_crm__activities'), ['activity_id']) }}"
) }}
-- the incremental filter reads these (dbt cannot see refs inside is_incremental()):
-- depends_on: {{ ref('stg_crm__activities') }}
-- depends_on: {{ ref('stg_crm__employees') }}
-- One row per routine work item (call, email, meeting, task), counted in the
-- local month of its created_at, with its completion time and whether it was
-- done on time. Attribution: the employee's department and role.
-- Incremental: activities loaded since the newest one held (minus the
-- lookback), plus the activities of changed employees.
with
{% if is_incremental() %}
{{ incremental_watermark() }},

to_process as (
    {{ loaded_since(ref('stg_crm__activities'), 'activity_id') }}
    union
    select activity_id
    from {{ ref('stg_crm__activities') }}
    where employee_id in ({{ loaded_since(ref('stg_crm__employees'), 'employee_id') }})
),
{% endif %}

activities as (
    select * from {{ ref('stg_crm__activities') }}
    {% if is_incremental() %}
    where activity_id in (select activity_id from to_process)
    {% endif %}
)

select
    activities.activity_id,
    activities.employee_id,
    employees.department as employee_department,
    employees.role as employee_role,
    activities.activity_type,
    activities.created_at_utc,
    activities.created_at_local,
    {{ month_of('activities.created_at_local') }} as activity_month,
    activities.due_at_utc,
    activities.due_at_local,
    activities.completed_at_utc,
    activities.completed_at_local,
    activities.completed_at_utc is not null as is_completed,
    {{ hours_between('activities.created_at_utc', 'activities.completed_at_utc') }} as hours_to_complete,
    case
        when activities.completed_at_utc is not null and activities.due_at_utc is not null
            then activities.completed_at_utc <= activities.due_at_utc
    end as is_on_time,
    activities._loaded_at,
    cast('{{ incremental_settings_key() }}' as {{ dbt.type_string() }}) as _build_settings
from activities
left join {{ ref('stg_crm__employees') }} as employees
    on activities.employee_id = employees.employee_id
