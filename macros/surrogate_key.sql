{#- A stable key from several columns: md5 over the values joined by '|', with
    NULL spelled out so that (NULL, 'a') and ('', 'a') differ. Built on dbt's
    cross-database hash, concat and cast macros. -#}
{% macro surrogate_key(columns) -%}
    {%- set parts = [] -%}
    {%- for col in columns -%}
        {%- do parts.append("coalesce(cast(" ~ col ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
