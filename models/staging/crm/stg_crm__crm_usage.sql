-- One row per employee and day of CRM use.
with source as (
    select * from {{ source('crm', 'crm_usage') }}
)

select
    employee_id,
    activity_date as usage_date,
    cast(sessions as {{ dbt.type_bigint() }}) as sessions,
    cast(records_touched as {{ dbt.type_bigint() }}) as records_touched,
    {{ source_loaded_at(source('crm', 'crm_usage')) }} as _loaded_at
from source
