{#- Additive moments of a weighted value: everything a weighted mean, its Taylor
    linearisation SE and the same for the rest of the sample can be derived from, and
    that can be summed from cells up to groups. `exact_weight` and `exact_squared_weight`
    are the weight and its square already rounded as exact-sum terms (int_respondent_cells
    keeps them), so they are summed as they are rather than rounded again on every row. -#}
{% macro weighted_moments(weight, value, exact_weight, exact_squared_weight) -%}
    count(*) as unweighted_base,
    sum({{ exact_weight }}) as sum_w,
    sum({{ exact_squared_weight }}) as sum_w2,
    {{ exact_sum(weight ~ ' * ' ~ value) }} as sum_wy,
    {{ exact_sum(weight ~ ' * ' ~ weight ~ ' * ' ~ value) }} as sum_w2y,
    {{ exact_sum(weight ~ ' * ' ~ weight ~ ' * ' ~ value ~ ' * ' ~ value) }} as sum_w2y2,
    {{ exact_sum(weight ~ ' * ' ~ value ~ ' * ' ~ value) }} as sum_wy2
{%- endmacro %}

{#- The names of the additive moment columns weighted_moments and sum_moments give, in
    their order. -#}
{% macro moment_names() -%}
    {{ return(['unweighted_base', 'sum_w', 'sum_w2', 'sum_wy', 'sum_w2y', 'sum_w2y2', 'sum_wy2']) }}
{%- endmacro %}

{#- Sums the additive moments of the given columns (decimal sums of decimals: exact). -#}
{% macro sum_moments(prefix='') -%}
    cast(sum({{ prefix }}unweighted_base) as bigint) as unweighted_base,
    sum({{ prefix }}sum_w) as sum_w,
    sum({{ prefix }}sum_w2) as sum_w2,
    sum({{ prefix }}sum_wy) as sum_wy,
    sum({{ prefix }}sum_w2y) as sum_w2y,
    sum({{ prefix }}sum_w2y2) as sum_w2y2,
    sum({{ prefix }}sum_wy2) as sum_wy2
{%- endmacro %}

{#- Standard error of a weighted mean `mean` of a domain (a group, or the whole wave) from
    its moments, as R's survey::svyby / svymean give on the full wave design:
    sqrt( N/(N-1) * sum_domain( w_i^2 (y_i - m)^2 ) / (sum_domain w)^2 ), with
    sum w^2 (y - m)^2 = sum w^2 y^2 - 2 m sum w^2 y + m^2 sum w^2, where N (`design_n`) is
    the wave's respondents (the design's sampling units), not the domain's `n`: outside the
    domain the linearised value is zero, so the sum runs over the domain only.
    Single-stage with-replacement design, weights only.
    Null below two respondents in the domain, where it carries no information. -#}
{% macro taylor_standard_error(n, design_n, sum_w, sum_w2, sum_w2y, sum_w2y2, mean) -%}
    {%- set residual -%}
        greatest(
            {{ sum_w2y2 }} - 2 * {{ mean }} * {{ sum_w2y }} + {{ mean }} * {{ mean }} * {{ sum_w2 }},
            0
        )
    {%- endset -%}
    {{ taylor_standard_error_of_residual(n, design_n, sum_w, residual) }}
{%- endmacro %}

{#- The same SE from the domain's residual sum w^2 (y - m)^2 itself. Expanded into moments
    (above), the residual is a difference of sums that are each known to about n x 1e-9
    (their terms are rounded to 1e-9, macros/exact_sum.sql): exact enough for groups of
    hundreds, whose residuals are large, but a small domain of nearly equal scores (a
    local authority of two or three respondents) keeps only the rounding noise, an SE of
    about 1e-4 where 0 is right. Such domains sum the centred terms w^2 (y - m)^2 instead
    (int_local_model_cells), which are never negative and carry no cancellation: the
    two-pass form R survey's svyrecvar computes from the linearised values. -#}
{% macro taylor_standard_error_of_residual(n, design_n, sum_w, residual) -%}
    case
        when {{ n }} > 1 and {{ sum_w }} > 0
            then sqrt(
                cast({{ design_n }} as double) / ({{ design_n }} - 1)
                * {{ residual }}
                / ({{ sum_w }} * {{ sum_w }})
            )
    end
{%- endmacro %}

{#- The standard error the same domain mean would have under simple random sampling of
    its n respondents: sqrt( s^2 / n ) with s^2 the weighted variance
    n/(n-1) * sum w (y - m)^2 / sum w, and sum w (y - m)^2 = sum w y^2 - m sum w y.
    What R's survey::svymean(..., deff = "replace") divides by (svyvar / n, the
    with-replacement simple random sample), per domain as svyby gives it. Null below two
    respondents or where the domain's values do not vary. -#}
{% macro simple_random_standard_error(n, sum_w, sum_wy, sum_wy2, mean) -%}
    case
        when {{ n }} > 1 and {{ sum_w }} > 0
            and {{ sum_wy2 }} - {{ mean }} * {{ sum_wy }} > 0
            then sqrt(
                ({{ sum_wy2 }} - {{ mean }} * {{ sum_wy }})
                / {{ sum_w }}
                / ({{ n }} - 1)
            )
    end
{%- endmacro %}

{#- One stratum's share of a stratified cluster variance: n_h / (n_h - 1) times the sum of
    squares of its PSUs' linearised values about their mean, from their sum (`psu_sum`)
    and the sum of their squares (`psu_sum_of_squares`) over the stratum's n_h PSUs
    (`stratum_psus`, those with no respondent of the domain counting as zeros):
    n_h / (n_h - 1) * (sum z^2 - (sum z)^2 / n_h), R survey's svyrecvar for one stage
    sampled with replacement. Null for a stratum of one PSU. -#}
{% macro stratified_variance_term(psu_sum, psu_sum_of_squares, stratum_psus) -%}
    {{ stratified_covariance_term(psu_sum, psu_sum, psu_sum_of_squares, stratum_psus) }}
{%- endmacro %}

{#- The same share of the covariance of two linearised values a and b:
    n_h / (n_h - 1) * (sum a b - (sum a) (sum b) / n_h); with a = b, the variance. -#}
{% macro stratified_covariance_term(psu_sum_a, psu_sum_b, psu_sum_of_products, stratum_psus) -%}
    cast({{ stratum_psus }} as double) / nullif({{ stratum_psus }} - 1, 0)
    * (({{ psu_sum_of_products }}) - ({{ psu_sum_a }}) * ({{ psu_sum_b }}) / {{ stratum_psus }})
{%- endmacro %}

{#- The square root of a variance summed from terms that may cancel to a hair below zero:
    0 there, and null where the variance is null (greatest() would skip a null on DuckDB
    and Spark, and give 0). -#}
{% macro sqrt_of_variance(variance) -%}
    sqrt(case when ({{ variance }}) < 0 then 0 else ({{ variance }}) end)
{%- endmacro %}

{#- z statistic of the difference of two independent estimates. -#}
{% macro z_of_difference(estimate_a, se_a, estimate_b, se_b) -%}
    ({{ estimate_a }} - {{ estimate_b }})
    / nullif(sqrt({{ se_a }} * {{ se_a }} + {{ se_b }} * {{ se_b }}), 0)
{%- endmacro %}
