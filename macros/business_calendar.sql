{#- The business calendar's settings and the small portable pieces its models
    need (docs/business_hours.md). The calendars themselves are seeds
    (seeds/business_calendar/); these two vars choose among them. -#}

{#- The calendar of records that no channel or department is assigned to. -#}
{% macro business_calendar_default() -%}
    {%- set value = var('business_calendar_default') | string -%}
    {%- if not modules.re.match('^[A-Za-z0-9_]+$', value) -%}
        {{ _setting_error('business_calendar_default', value, 'a calendar_id such as office') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The country whose public holidays close the calendars that observe them. -#}
{% macro business_holiday_country() -%}
    {%- set value = var('business_holiday_country') | string -%}
    {%- if not modules.re.match('^[A-Z]{2,3}$', value) -%}
        {{ _setting_error('business_holiday_country', value, 'an ISO 3166 country code such as UA') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- A local wall-clock time of crm_timezone back to naive UTC: the inverse of
    to_crm_local_time. Working hours are local (09:00 in Kyiv), events are
    UTC; converting each day's hours with that day's offset puts the change
    of daylight-saving time on the right night. A local time that does not
    exist (the hour skipped in spring) or exists twice (the hour repeated in
    autumn) is resolved by the engine; office hours never fall there. -#}
{% macro crm_local_to_utc(timestamp_local) -%}
    {%- set tz = crm_timezone() -%}
    {%- if tz | upper == 'UTC' -%}
        {{ timestamp_local }}
    {%- else -%}
        {{ return(adapter.dispatch('crm_local_to_utc', 'crm_impact')(timestamp_local, tz)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__crm_local_to_utc(timestamp_local, tz) -%}
    ({{ timestamp_local }} at time zone '{{ tz }}' at time zone 'UTC')
{%- endmacro %}

{% macro duckdb__crm_local_to_utc(timestamp_local, tz) -%}
    timezone('UTC', timezone('{{ tz }}', {{ timestamp_local }}))
{%- endmacro %}

{% macro spark__crm_local_to_utc(timestamp_local, tz) -%}
    to_utc_timestamp({{ timestamp_local }}, '{{ tz }}')
{%- endmacro %}

{#- ISO weekday of a date: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('iso_weekday', 'crm_impact')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expression) -%}
    cast(extract(isodow from {{ date_expression }}) as integer)
{%- endmacro %}

{% macro spark__iso_weekday(date_expression) -%}
    (weekday({{ date_expression }}) + 1)
{%- endmacro %}

{#- Minutes after midnight of a clock time written HH:MM ('24:00' = 1440). -#}
{% macro minutes_of_clock(clock_text) -%}
    (cast(substring(trim({{ clock_text }}), 1, 2) as integer) * 60 + cast(substring(trim({{ clock_text }}), 4, 2) as integer))
{%- endmacro %}

{#- At most this many working intervals per calendar and day (business_hours
    rows per calendar and weekday; tests/dbt/business_hours_do_not_overlap.sql
    enforces it): int_business_hours__days carries them as columns, so the
    working time up to a moment is arithmetic on one joined row. -#}
{% macro business_interval_slots() -%}
    {{ return(4) }}
{%- endmacro %}

{#- Working seconds of a calendar from its first day up to the moment
    `at_utc`, given `day` = its row of int_business_hours__days for the
    moment's local date: the running total before that day plus the part of
    each of the day's intervals that lies before the moment. NULL when the
    moment is NULL or outside the calendar. -#}
{% macro working_seconds_until(at_utc, day) -%}
    ({{ day }}.seconds_before_day
    {%- for slot in range(1, business_interval_slots() + 1) %}
        + coalesce(least(greatest({{ seconds_between(day ~ '.interval_' ~ slot ~ '_start_utc', at_utc) }}, 0.0),
                         {{ day }}.interval_{{ slot }}_seconds), 0.0)
    {%- endfor %})
{%- endmacro %}
