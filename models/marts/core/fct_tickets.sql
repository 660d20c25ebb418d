{{ config(
    materialized=incremental_materialization(),
    unique_key='ticket_id',
    incremental_strategy=incremental_strategy(),
    on_schema_change='append_new_columns',
    post_hook="{{ delete_vanished_rows(ref('stg_crm__tickets'), ['ticket_id']) }}"
) }}
-- the incremental filter reads these (dbt cannot see refs inside is_incremental()):
-- depends_on: {{ ref('stg_crm__tickets') }}
-- depends_on: {{ ref('stg_crm__employees') }}
-- depends_on: {{ ref('stg_crm__customers') }}
-- One row per ticket (customer service request), counted in the local month
-- of its opened_at, with response and resolution timings and the repeat
-- contact flag (same customer and category within 7 days).
-- Attribution: the department of the assigned employee and the customer's region.
-- Incremental: tickets loaded since the newest ticket held (minus the
-- lookback), every ticket of a customer who has a changed ticket (a new
-- ticket can make an older one a repeat contact; an old customer_id counts
-- too), and tickets of changed employees and customers.
with
{% if is_incremental() %}
{{ incremental_watermark() }},

changed_tickets as (
    {{ loaded_since(ref('stg_crm__tickets'), 'ticket_id, customer_id') }}
),

affected_customers as (
    select customer_id from changed_tickets
    union
    select customer_id from {{ this }}
    where ticket_id in (select ticket_id from changed_tickets)
    union
    {{ loaded_since(ref('stg_crm__customers'), 'customer_id') }}
),

to_process as (
    select ticket_id from changed_tickets
    union
    select ticket_id
    from {{ ref('stg_crm__tickets') }}
    where customer_id in (select customer_id from affected_customers)
        or assigned_employee_id in ({{ loaded_since(ref('stg_crm__employees'), 'employee_id') }})
),
{% endif %}

tickets as (
    select * from {{ ref('int_tickets__timings') }}
    {% if is_incremental() %}
    where ticket_id in (select ticket_id from to_process)
    {% endif %}
)

select
    tickets.ticket_id,
    tickets.customer_id,
    tickets.ticket_channel,
    tickets.ticket_category,
    tickets.opened_at_utc,
    tickets.opened_at_local,
    tickets.ticket_month,
    tickets.assigned_employee_id,
    employees.department as assigned_department,
    customers.region as customer_region,
    tickets.first_response_at_utc,
    tickets.first_response_at_local,
    tickets.resolved_at_utc,
    tickets.resolved_at_local,
    tickets.ticket_status,
    tickets.minutes_to_first_response,
    tickets.hours_to_resolution,
    tickets.is_resolved,
    tickets.is_no_longer_open,
    tickets.has_repeat_contact,
    tickets.repeat_contact_count,
    tickets._loaded_at,
    cast('{{ incremental_settings_key() }}' as {{ dbt.type_string() }}) as _build_settings
from tickets
left join {{ ref('stg_crm__employees') }} as employees
    on tickets.assigned_employee_id = employees.employee_id
left join {{ ref('stg_crm__customers') }} as customers
    on tickets.customer_id = customers.customer_id
