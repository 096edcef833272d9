{#- A sum in fixed-point decimal (14 decimal places). Decimal addition is exact, so the
    result does not depend on the order parallel aggregation adds rows in: the same build
    run twice gives identical marts, and cell sums roll up to group sums exactly. Each
    term is rounded to 1e-14 first, far below any published precision. Cast to double only
    where a ratio is taken. -#}
{% macro exact_sum(expression) -%}
    {{ return(adapter.dispatch('exact_sum', 'levelling_up_index')(expression)) }}
{%- endmacro %}

{% macro default__exact_sum(expression) -%}
    sum(cast({{ expression }} as decimal(38, 14)))
{%- endmacro %}
