-- When the CRM went live, per rollout scope (company, department, region, and
-- rollout_wave: the scopes that went live on one day), and the periods that
-- follow from it. Without a crm_rollout table the company goes live on crm_go_live_date.
-- With a staged rollout the company row spans the whole transition: its
-- baseline ends before the first scope goes live and its post period starts
-- after the last scope's ramp-up (DECISIONLOG: "company period in a staged rollout").
with scopes as (
    select scope_type, scope_value, go_live_date, false as is_from_settings
    from {{ ref('stg_crm__crm_rollout') }}
    where scope_type <> 'company'
),

declared_company as (
    select min(go_live_date) as go_live_date
    from {{ ref('stg_crm__crm_rollout') }}
    where scope_type = 'company'
),

company as (
    select
        'company' as scope_type,
        'all' as scope_value,
        coalesce(
            least(declared_company.go_live_date, min(scopes.go_live_date)),
            declared_company.go_live_date,
            min(scopes.go_live_date),
            cast('{{ crm_go_live_date() }}' as date)
        ) as go_live_date,
        coalesce(
            greatest(declared_company.go_live_date, max(scopes.go_live_date)),
            declared_company.go_live_date,
            max(scopes.go_live_date),
            cast('{{ crm_go_live_date() }}' as date)
        ) as last_go_live_date,
        (declared_company.go_live_date is null and count(scopes.go_live_date) = 0) as is_from_settings
    from declared_company
    left join scopes on true
    group by declared_company.go_live_date
),

-- scopes that went live on the same day form a rollout wave; the waves of a
-- staged rollout are the treated and control groups of the DiD estimate
waves as (
    select
        'rollout_wave' as scope_type,
        cast(go_live_date as {{ dbt.type_string() }}) as scope_value,
        go_live_date,
        false as is_from_settings
    from scopes
    group by go_live_date
),

all_scopes as (
    select scope_type, scope_value, go_live_date, go_live_date as last_go_live_date, is_from_settings
    from scopes
    union all
    select scope_type, scope_value, go_live_date, go_live_date as last_go_live_date, is_from_settings
    from waves
    union all
    select scope_type, scope_value, go_live_date, last_go_live_date, is_from_settings
    from company
),

dated as (
    select
        scope_type,
        scope_value,
        go_live_date,
        cast({{ dbt.dateadd('day', crm_ramp_up_days(), 'last_go_live_date') }} as date) as ramp_up_end_date,
        cast({{ dbt.dateadd('month', -1 * crm_baseline_months(), dbt.date_trunc('month', 'go_live_date')) }} as date)
            as baseline_start_month,
        is_from_settings
    from all_scopes
)

select
    scope_type,
    scope_value,
    go_live_date,
    ramp_up_end_date,
    baseline_start_month,
    case
        when cast({{ dbt.date_trunc('month', 'ramp_up_end_date') }} as date) = ramp_up_end_date then ramp_up_end_date
        else cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'ramp_up_end_date')) }} as date)
    end as first_post_month,
    is_from_settings
from dated
