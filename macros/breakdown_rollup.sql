{#- Rolls cell-level additive measures up to the UK total, to every group of every
    breakdown in var('breakdowns') and to every group of every cross-breakdown of
    cross_breakdown_pairs() (breakdown 'region_x_imd_quintile', group_label
    'North East | 1'), in one pass: one GROUP BY GROUPING SETS with a set per breakdown
    and per crossing (standard SQL, the same on DuckDB and Spark). Which set a row comes
    from is read from grouping() of each breakdown column (grouped_mask: bit i set when
    the i-th breakdown is grouped on), never from a null, so a group whose label is null
    stays apart from the total.
    `relation` must carry wave_id, the breakdown columns and `keys`; `aggregates` is
    the select-list of aggregate expressions, naming each result column. -#}
{% macro breakdown_rollup(relation, keys, aggregates) -%}
    {%- set key_list = keys | join(', ') -%}
    {%- set breakdowns = var('breakdowns') -%}
    {%- set bits = {} -%}
    {%- for breakdown in breakdowns -%}
        {%- do bits.update({breakdown: 2 ** loop.index0}) -%}
    {%- endfor -%}
    {%- set pairs = cross_breakdown_pairs() -%}
    {%- set grouped_mask -%}
        ({% for breakdown in breakdowns %}(1 - grouping({{ breakdown }})) * {{ bits[breakdown] }}{{ ' + ' if not loop.last }}{% endfor %})
    {%- endset -%}
    select
        wave_id,
        {{ key_list }},
        case {{ grouped_mask }}
            when 0 then 'all'
            {%- for breakdown in breakdowns %}
            when {{ bits[breakdown] }} then '{{ breakdown }}'
            {%- endfor %}
            {%- for pair in pairs %}
            when {{ bits[pair[0]] + bits[pair[1]] }} then '{{ cross_breakdown_name(pair) }}'
            {%- endfor %}
        end as breakdown,
        case {{ grouped_mask }}
            when 0 then 'UK'
            {%- for breakdown in breakdowns %}
            when {{ bits[breakdown] }} then cast({{ breakdown }} as {{ dbt.type_string() }})
            {%- endfor %}
            {%- for pair in pairs %}
            when {{ bits[pair[0]] + bits[pair[1]] }}
                then cast({{ pair[0] }} as {{ dbt.type_string() }}) || ' | ' || cast({{ pair[1] }} as {{ dbt.type_string() }})
            {%- endfor %}
        end as group_label,
        {{ aggregates }}
    from {{ relation }}
    group by grouping sets (
        (wave_id, {{ key_list }})
        {%- for breakdown in breakdowns %},
        (wave_id, {{ key_list }}, {{ breakdown }})
        {%- endfor %}
        {%- for pair in pairs %},
        (wave_id, {{ key_list }}, {{ pair[0] }}, {{ pair[1] }})
        {%- endfor %}
    )
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
