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

{#- The body of a CTE that gives each row of `relation` (a CTE with wave_id and cell_id) its
    cell's breakdown columns from `cells` (a CTE selecting int_cells): wave_id, the `keys`,
    the breakdown columns, then the `columns`, ready for breakdown_rollup. Cell
    aggregations group by the small cell_id and attach the breakdown columns afterwards
    (int_cells). -#}
{% macro with_cell_breakdowns(relation, keys, columns, cells='cells') -%}
    select
        {{ relation }}.wave_id,
        {%- for key in keys %}
        {{ relation }}.{{ key }},
        {%- endfor %}
        {{ breakdown_columns(cells) }},
        {%- for column in columns %}
        {{ relation }}.{{ column }}{{ "," if not loop.last }}
        {%- endfor %}

    from {{ relation }}
    inner join {{ cells }}
        on
            {{ relation }}.wave_id = {{ cells }}.wave_id
            and {{ relation }}.cell_id = {{ cells }}.cell_id
{%- endmacro %}
