{#- Rolls cell-level additive measures up to the UK total and to every group of every
    breakdown in var('breakdowns'): one union branch per breakdown, portable SQL.
    `relation` must carry wave_id, the breakdown columns and `keys`; `aggregates` is
    the select-list of aggregate expressions. -#}
{% macro breakdown_rollup(relation, keys, aggregates) -%}
    {%- set key_list = keys | join(', ') -%}
    select
        wave_id,
        {{ key_list }},
        'all' as breakdown,
        'UK' as group_label,
        {{ aggregates }}
    from {{ relation }}
    group by wave_id, {{ key_list }}
    {%- for breakdown in var('breakdowns') %}

    union all

    select
        wave_id,
        {{ key_list }},
        '{{ breakdown }}' as breakdown,
        cast({{ breakdown }} as varchar) as group_label,
        {{ aggregates }}
    from {{ relation }}
    group by wave_id, {{ breakdown }}, {{ key_list }}
    {%- endfor %}
{%- endmacro %}
