{#- The pseudonymous key of an employee: the first 16 hex digits of SHA-256 over
    the pii_salt setting, a marker and the CRM's employee_id. Why not the
    employee_id itself: some CRMs' exports key people by their name (Bitrix24's
    "Ответственный" is the responsible person's full name), and the employee
    scope of the marts must not carry a name. 16 hex digits (64 bits) keep
    keys readable in a BI tool; their uniqueness is tested on
    stg_crm__employees.employee_key. The same salt hashes customers' e-mails
    (hash_pii); the marker keeps an employee_id that equals an e-mail from
    getting the same digest. -#}
{% macro employee_key(expression) -%}
    case when {{ expression }} is null then null
         else substr({{ adapter.dispatch('sha256', 'crm_impact')(dbt.concat(["'" ~ var('pii_salt') ~ "'", "'|employee|'", "cast(" ~ expression ~ " as " ~ dbt.type_string() ~ ")"])) }}, 1, 16) end
{%- endmacro %}
