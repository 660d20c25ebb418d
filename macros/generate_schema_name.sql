{#- Use the custom schema name as it is (staging, intermediate, marts), not
    "<target schema>_<custom>": BI users and analysts see stable schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
