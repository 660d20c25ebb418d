-- One row per document issued (invoice, contract, waybill, act, other).
with source as (
    select * from {{ source('crm', 'documents') }}
)

select
    document_id,
    order_id,
    lower(trim(document_type)) as document_type,
    created_at as created_at_utc,
    {{ to_crm_local_time('created_at') }} as created_at_local,
    created_by as created_by_employee_id,
    cast(has_error as {{ dbt.type_boolean() }}) as has_error,
    corrected_at as corrected_at_utc,
    {{ to_crm_local_time('corrected_at') }} as corrected_at_local,
    {{ source_loaded_at(source('crm', 'documents')) }} as _loaded_at
from source
