{#- The breakdown columns of var('breakdowns') as a column list, one per line at the
    select-list indent, optionally qualified with a table alias. -#}
{% macro breakdown_columns(relation_alias=none) -%}
    {%- set qualified = [] -%}
    {%- for breakdown in var('breakdowns') -%}
        {%- do qualified.append((relation_alias ~ '.' if relation_alias else '') ~ breakdown) -%}
    {%- endfor -%}
    {{ qualified | join(',\n        ') }}
{%- endmacro %}

{#- Join condition matching every breakdown column of two relation aliases. -#}
{% macro breakdown_columns_match(left_alias, right_alias) -%}
    {%- set conditions = [] -%}
    {%- for breakdown in var('breakdowns') -%}
        {%- do conditions.append(left_alias ~ '.' ~ breakdown ~ ' = ' ~ right_alias ~ '.' ~ breakdown) -%}
    {%- endfor -%}
    {{ conditions | join('\n            and ') }}
{%- endmacro %}
