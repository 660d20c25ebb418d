{#- The model has no rows. For marts whose every row is a finding (amounts
    beyond the outlier limit): the test fails - at the severity its YAML sets -
    with the rows themselves as the failures, so dbt's log and Dagster's asset
    check count them. -#}
{% test has_no_rows(model) %}
select * from {{ model }}
{% endtest %}
