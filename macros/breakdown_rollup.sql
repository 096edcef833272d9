{#- Rolls cell-level additive measures up to the UK total, to every group of every
    breakdown in var('breakdowns') and to every group of every cross-breakdown of
    cross_breakdown_pairs() (breakdown 'region_x_imd_quintile', group_label
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
    {%- for pair in cross_breakdown_pairs() %}

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

{#- The cross-breakdowns, as [first, second] pairs. var('cross_breakdowns') is either `all`:
    every pair of var('breakdowns') (21 of 7), each pair in the order of
    var('cross_breakdown_order') (places before people: region_x_imd_quintile,
    urban_rural_x_imd_quintile, nation_x_age_band), the pairs listed first by their first
    breakdown, then by their second; or a list of explicit pairs ([] for none), as unit
    tests set it. lui.contract.CROSS_BREAKDOWNS derives the same pairs in Python. -#}
{% macro cross_breakdown_pairs() -%}
    {%- set setting = var('cross_breakdowns') -%}
    {%- if setting is string -%}
        {%- if setting != 'all' -%}
            {{ exceptions.raise_compiler_error(
                "var cross_breakdowns is '" ~ setting ~ "': set it to all or to a list of pairs of var breakdowns"
            ) }}
        {%- endif -%}
        {%- set order = var('cross_breakdown_order') -%}
        {%- if (order | sort) != (var('breakdowns') | sort) -%}
            {{ exceptions.raise_compiler_error(
                "var cross_breakdown_order " ~ order ~ " must list every breakdown of var breakdowns " ~ var('breakdowns') ~ " once"
            ) }}
        {%- endif -%}
        {%- set pairs = [] -%}
        {%- for first in order -%}
            {%- for second in order[loop.index:] -%}
                {%- do pairs.append([first, second]) -%}
            {%- endfor -%}
        {%- endfor -%}
        {{ return(pairs) }}
    {%- endif -%}
    {{ return(setting) }}
{%- endmacro %}
