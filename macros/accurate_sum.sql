{#- A compensated (Kahan-Babuska) sum where the engine has one, so the marts do not drift
    with the order parallel aggregation happens to add rows in. Dispatched per adapter. -#}
{% macro accurate_sum(expression) -%}
    {{ return(adapter.dispatch('accurate_sum', 'levelling_up_index')(expression)) }}
{%- endmacro %}

{% macro default__accurate_sum(expression) -%}
    sum({{ expression }})
{%- endmacro %}

{% macro duckdb__accurate_sum(expression) -%}
    fsum({{ expression }})
{%- endmacro %}
