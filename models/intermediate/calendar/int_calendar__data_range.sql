-- The span of the data: the earliest and the latest event timestamp anywhere
-- in the export (due dates excluded: they are plans, not events; customer
-- records' created_at excluded: a customer base reaches back years before the
-- activity the export covers). Rules that
-- need "now" - a lead still open 30 days after creation, the months of the
-- employee grid - use the end of the data instead of current_timestamp, so
-- that a rebuild of the same export gives the same numbers.
{%- set event_columns = [
    ('stg_crm__leads', 'created_at_utc'),
    ('stg_crm__leads', 'first_response_at_utc'),
    ('stg_crm__leads', 'closed_at_utc'),
    ('stg_crm__orders', 'created_at_utc'),
    ('stg_crm__tickets', 'opened_at_utc'),
    ('stg_crm__tickets', 'first_response_at_utc'),
    ('stg_crm__tickets', 'resolved_at_utc'),
    ('stg_crm__surveys', 'responded_at_utc'),
    ('stg_crm__documents', 'created_at_utc'),
    ('stg_crm__documents', 'corrected_at_utc'),
    ('stg_crm__approvals', 'requested_at_utc'),
    ('stg_crm__approvals', 'decided_at_utc'),
    ('stg_crm__activities', 'created_at_utc'),
    ('stg_crm__activities', 'completed_at_utc'),
] %}
with event_times as (
    {%- for model, column in event_columns %}
    select min({{ column }}) as first_at, max({{ column }}) as last_at
    from {{ ref(model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

data_range as (
    select min(first_at) as data_start_at_utc, max(last_at) as data_end_at_utc
    from event_times
)

select
    data_start_at_utc,
    data_end_at_utc,
    {{ to_crm_local_time('data_start_at_utc') }} as data_start_at_local,
    {{ to_crm_local_time('data_end_at_utc') }} as data_end_at_local,
    {{ month_of(to_crm_local_time('data_start_at_utc')) }} as data_start_month,
    {{ month_of(to_crm_local_time('data_end_at_utc')) }} as data_end_month
from data_range
