{#- The value of `value` on the row where `ordering` is smallest (an aggregate): DuckDB's
    arg_min, Spark's min_by. -#}
{% macro arg_min(value, ordering) -%}
    {{ return(adapter.dispatch('arg_min', 'levelling_up_index')(value, ordering)) }}
{%- endmacro %}

{% macro default__arg_min(value, ordering) -%}
    min_by({{ value }}, {{ ordering }})
{%- endmacro %}

{% macro duckdb__arg_min(value, ordering) -%}
    arg_min({{ value }}, {{ ordering }})
{%- endmacro %}
