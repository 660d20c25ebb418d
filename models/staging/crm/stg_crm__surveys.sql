-- One row per survey answer (CSAT and/or NPS).
with source as (
    select * from {{ source('crm', 'surveys') }}
)

select
    response_id,
    customer_id,
    ticket_id,
    order_id,
    responded_at as responded_at_utc,
    {{ to_crm_local_time('responded_at') }} as responded_at_local,
    cast(csat_score as {{ dbt.type_bigint() }}) as csat_score,
    cast(nps_score as {{ dbt.type_bigint() }}) as nps_score,
    {{ source_loaded_at(source('crm', 'surveys')) }} as _loaded_at
from source
