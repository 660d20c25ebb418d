{#- A composite key is unique: dbt_utils.unique_combination_of_columns without
    the package (dbt deps cannot reach the hub here). -#}
{% test unique_combination_of_columns(model, columns) %}
select {{ columns | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
