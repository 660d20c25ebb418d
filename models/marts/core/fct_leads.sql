{{ config(
    materialized=incremental_materialization(),
    unique_key='lead_id',
    incremental_strategy=incremental_strategy(),
    on_schema_change='append_new_columns',
    post_hook="{{ delete_vanished_rows(ref('stg_crm__leads'), ['lead_id']) }}"
) }}
-- the incremental filter reads these (dbt cannot see refs inside is_incremental()):
-- depends_on: {{ ref('stg_crm__leads') }}
-- depends_on: {{ ref('stg_crm__employees') }}
-- depends_on: {{ ref('stg_crm__customers') }}
-- One row per lead (inbound request), counted in the local month of its
-- created_at, with its timings, outcome and the 30-day rule of lost_lead_rate.
-- Attribution: the department of the assigned employee and the customer's
-- region (NULL for prospects).
-- Incremental: leads loaded since the newest lead held (minus the lookback),
-- leads of changed employees and customers, and every lead still open - the
-- end of the data moves with each load, and with it the 30-day rule.
with
{% if is_incremental() %}
{{ incremental_watermark() }},

to_process as (
    {{ loaded_since(ref('stg_crm__leads'), 'lead_id') }}
    union
    select lead_id
    from {{ ref('stg_crm__leads') }}
    where lead_status = 'open'
        or assigned_employee_id in ({{ loaded_since(ref('stg_crm__employees'), 'employee_id') }})
        or customer_id in ({{ loaded_since(ref('stg_crm__customers'), 'customer_id') }})
),
{% endif %}

leads as (
    select * from {{ ref('int_leads__timings') }}
    {% if is_incremental() %}
    where lead_id in (select lead_id from to_process)
    {% endif %}
)

select
    leads.lead_id,
    leads.customer_id,
    leads.lead_channel,
    leads.created_at_utc,
    leads.created_at_local,
    leads.lead_month,
    leads.assigned_employee_id,
    employees.department as assigned_department,
    customers.region as customer_region,
    leads.first_response_at_utc,
    leads.first_response_at_local,
    leads.lead_status,
    leads.closed_at_utc,
    leads.closed_at_local,
    leads.lost_reason,
    leads.hours_to_first_response,
    leads.hours_to_close,
    leads.is_closed,
    leads.is_won,
    leads.is_lost,
    leads.is_lost_no_response,
    leads.is_open_over_30_days,
    leads.is_counted_lost,
    leads._loaded_at,
    cast('{{ incremental_settings_key() }}' as {{ dbt.type_string() }}) as _build_settings
from leads
left join {{ ref('stg_crm__employees') }} as employees
    on leads.assigned_employee_id = employees.employee_id
left join {{ ref('stg_crm__customers') }} as customers
    on leads.customer_id = customers.customer_id
