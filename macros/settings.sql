{#- The analysis settings (dbt vars), each read through one macro that checks
    it. A wrong value stops the build with a message that names the setting,
    instead of producing a plausible-looking but wrong mart. -#}

{#- The crm-impact flag of each setting, for the message. The settings are
    declared in orchestration/settings.py, which generates the CLI from them;
    tests/test_settings.py checks that this list names the same flags. -#}
{% macro _setting_flag(name) -%}
    {%- set flags = {
        'crm_go_live_date': '--go-live',
        'crm_ramp_up_days': '--ramp-up-days',
        'crm_baseline_months': '--baseline-months',
        'retention_window_months': '--retention-window-months',
        'crm_timezone': '--timezone',
        'reporting_currency': '--currency',
        'show_employee_names': '--show-employee-names',
        'business_calendar_default': '--business-calendar',
        'business_holiday_country': '--holiday-country',
    } -%}
    {{ return(flags[name]) }}
{%- endmacro %}

{% macro _setting_error(name, value, expected) -%}
    {{ exceptions.raise_compiler_error("Setting " ~ name ~ " must be " ~ expected ~ ", got " ~ (value | string) ~ ". Set it with `crm-impact build " ~ _setting_flag(name) ~ "`, dbt's --vars, or the analysis_settings resource in Dagster.") }}
{%- endmacro %}

{% macro crm_go_live_date() -%}
    {%- set value = var('crm_go_live_date') | string -%}
    {%- set ns = namespace(ok=false) -%}
    {%- if modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {%- set year, month, day = value[0:4] | int, value[5:7] | int, value[8:10] | int -%}
        {%- if 1 <= month <= 12 and year >= 1900 -%}
            {%- set next_month = modules.datetime.date(year + (month // 12), month % 12 + 1, 1) -%}
            {%- set days_in_month = (next_month - modules.datetime.timedelta(days=1)).day -%}
            {%- set ns.ok = 1 <= day <= days_in_month -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not ns.ok -%}{{ _setting_error('crm_go_live_date', value, 'a date YYYY-MM-DD') }}{%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro _non_negative_int(name) -%}
    {%- set value = var(name) -%}
    {%- if not modules.re.match('^[0-9]+$', value | string | trim) -%}
        {{ _setting_error(name, value, 'a whole number of 0 or more') }}
    {%- endif -%}
    {{ return(value | string | trim | int) }}
{%- endmacro %}

{% macro crm_ramp_up_days() -%}{{ return(_non_negative_int('crm_ramp_up_days')) }}{%- endmacro %}

{% macro crm_baseline_months() -%}
    {%- set value = _non_negative_int('crm_baseline_months') -%}
    {%- if value < 1 -%}{{ _setting_error('crm_baseline_months', value, 'at least 1') }}{%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro retention_window_months() -%}
    {%- set value = _non_negative_int('retention_window_months') -%}
    {%- if value < 1 -%}{{ _setting_error('retention_window_months', value, 'at least 1') }}{%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro crm_timezone() -%}
    {%- set value = var('crm_timezone') | string -%}
    {%- if value not in modules.pytz.all_timezones -%}
        {{ _setting_error('crm_timezone', value, 'an IANA time zone name such as UTC or Europe/Kyiv') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro reporting_currency() -%}
    {%- set value = var('reporting_currency') | string -%}
    {%- if not modules.re.match('^[A-Z]{3}$', value) -%}
        {{ _setting_error('reporting_currency', value, 'an ISO 4217 code such as UAH') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- show_employee_names (default false): whether the serving file's BI views may
    show employees' names next to their pseudonymous employee_key. The marts
    never carry names either way; only stg_crm__employee_names has rows when it
    is true, and the publish reads it (docs/DECISIONLOG.md, "Employee scope"). -#}
{% macro show_employee_names() -%}
    {%- set value = var('show_employee_names') -%}
    {%- set text = value | string | trim | lower -%}
    {%- if text in ('true', '1', 'yes') -%}{{ return(true) }}
    {%- elif text in ('false', '0', 'no', 'none', '') -%}{{ return(false) }}
    {%- else -%}{{ _setting_error('show_employee_names', value, 'true or false') }}
    {%- endif -%}
{%- endmacro %}
