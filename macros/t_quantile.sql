{#- The 0.975 quantile of Student's t with `df` degrees of freedom, for 95%
    intervals, by the Cornish-Fisher expansion around z = 1.959964 (error below
    0.01 for df >= 3; DECISIONLOG "intervals"). Plain arithmetic, so portable. -#}
{% macro t_quantile_975(df) -%}
    (1.959964
     + (power(1.959964, 3) + 1.959964) / (4.0 * {{ df }})
     + (5 * power(1.959964, 5) + 16 * power(1.959964, 3) + 3 * 1.959964) / (96.0 * power({{ df }}, 2))
     + (3 * power(1.959964, 7) + 19 * power(1.959964, 5) + 17 * power(1.959964, 3) - 15 * 1.959964)
        / (384.0 * power({{ df }}, 3)))
{%- endmacro %}
