{#- Emails and phones stop at staging: they are normalised (trimmed, lower-case;
    phones reduced to digits), salted with the pii_salt setting and hashed with
    SHA-256, so a customer can still be matched across tables without the value
    itself leaving staging. -#}
{% macro hash_pii(expression, kind='email') -%}
    {%- if kind == 'phone' -%}
        {%- set normalised = "regexp_replace(" ~ expression ~ ", '[^0-9]', '', 'g')" if target.type == 'duckdb'
            else "regexp_replace(" ~ expression ~ ", '[^0-9]', '')" -%}
    {%- else -%}
        {%- set normalised = "lower(trim(" ~ expression ~ "))" -%}
    {%- endif -%}
    case when {{ expression }} is null then null
         else {{ adapter.dispatch('sha256', 'crm_impact')(dbt.concat(["'" ~ var('pii_salt') ~ "'", normalised])) }} end
{%- endmacro %}

{% macro default__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
