{#- An exact sum of a per-row term. Each term is rounded to 1e-9 and added in fixed-point
    decimal (decimal(18, 9): one 64-bit integer a row; the sum is decimal(38, 9)). Decimal
    addition is exact, so the result does not depend on the order parallel aggregation
    adds rows in: the same build run twice gives identical marts, and cell sums roll up to
    group sums exactly (sum() of a decimal column is exact, no cast needed). Cast to double
    only where a ratio is taken.

    A term must stay below 1e9 in absolute value. Every term summed this way is a product
    of scaled survey weights (at most var scaled_weight_max = 64: weights are summed in
    their wave's weight unit, int_wave_weight_units, whatever scale they were delivered
    in) and values (-200..200): at most 64^2 x 200^2 = 1.6e8. The 64-bit terms cost about half of what
    decimal(38, x) terms (128-bit) do at a million respondents. -#}
{% macro exact_sum(expression) -%}
    {{ return(adapter.dispatch('exact_sum', 'levelling_up_index')(expression)) }}
{%- endmacro %}

{% macro default__exact_sum(expression) -%}
    sum({{ exact_term(expression) }})
{%- endmacro %}

{#- One term of an exact sum: the value rounded to 1e-9 as decimal(18, 9). A per-respondent
    term used by several sums (a weight, its square) is rounded once, upstream, and its
    column summed with plain sum(). -#}
{% macro exact_term(expression) -%}
    {{ return(adapter.dispatch('exact_term', 'levelling_up_index')(expression)) }}
{%- endmacro %}

{#- DuckDB rounds a double to decimal as round(value x 1e9), half away from zero, on the
    double's binary value. -#}
{% macro default__exact_term(expression) -%}
    cast({{ expression }} as decimal(18, 9))
{%- endmacro %}

{#- Spark rounds a double to decimal from its shortest decimal text instead, which differs
    from DuckDB by 1e-9 on some halfway values (a weight of 6 decimals squared has 12), so
    both engines' terms (and marts) would differ in the last place: round(value x 1e9) in
    double as DuckDB does, then divide by 1e9 exactly in decimal. -#}
{% macro spark__exact_term(expression) -%}
    cast(cast(round(({{ expression }}) * 1000000000) as decimal(18, 0)) / 1000000000 as decimal(18, 9))
{%- endmacro %}

{#- The smallest power of two at or above a positive value: dividing a double by it is
    exact, so a wave's weights keep every bit when brought to their weight unit. -#}
{% macro power_of_two_at_least(expression) -%}
    power(2.0, ceil(log2({{ expression }})))
{%- endmacro %}

{#- An exact sum of terms rounded to 1e-12 (decimal(18, 12); a term must stay below 1e6).
    For the per-question parts of respondents' mission scores
    (int_mission_question_group_sums): a score adds up to 14 of them where the index sums
    one term a respondent, so they are rounded 1000 times finer to add up to the index
    to well within 1e-9. Portable SQL. -#}
{% macro fine_exact_sum(expression) -%}
    sum(cast({{ expression }} as decimal(18, 12)))
{%- endmacro %}
