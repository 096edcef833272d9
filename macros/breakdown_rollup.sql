{#- Rolls cell-level additive measures up to the UK total, to every group of every
    breakdown in var('breakdowns') and to every group of every pair of breakdowns in
    var('cross_breakdowns') (breakdown 'region_x_imd_quintile', group_label
    'North East | 1'): one union branch per breakdown, portable SQL.
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
        cast({{ breakdown }} as {{ dbt.type_string() }}) as group_label,
        {{ aggregates }}
    from {{ relation }}
    group by wave_id, {{ breakdown }}, {{ key_list }}
    {%- endfor %}
    {%- for pair in var('cross_breakdowns') %}

    union all

    select
        wave_id,
        {{ key_list }},
        '{{ cross_breakdown_name(pair) }}' as breakdown,
        cast({{ pair[0] }} as {{ dbt.type_string() }}) || ' | ' || cast({{ pair[1] }} as {{ dbt.type_string() }}) as group_label,
        {{ aggregates }}
    from {{ relation }}
    group by wave_id, {{ pair[0] }}, {{ pair[1] }}, {{ key_list }}
    {%- endfor %}
{%- endmacro %}

{#- The name of a cross-breakdown: its two breakdowns joined by '_x_'. -#}
{% macro cross_breakdown_name(pair) -%}
    {{ pair[0] }}_x_{{ pair[1] }}
{%- endmacro %}
