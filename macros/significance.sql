{#- Tests of differences between estimates, for the marts' changes and fct_significance_tests
    (docs/methodology.md, "Significance and false discoveries"). -#}

{#- The standard error of the difference of two estimates with zero covariance,
    sqrt(SE_a^2 + SE_b^2) (what z_of_difference divides by); null without both. It serves
    two waves (independent samples) and two groups of one breakdown in one wave (docs/
    design.md, "Groups compared with each other"): under the project's design (R
    svydesign(ids = ~1, weights = ~w): one stage, no strata, with replacement) the
    covariance of two domain means is n/(n-1) * sum_i z_ai z_bi, with the linearised values
    z_di = w_i 1[i in d] (y_i - m_d) / sum_d w (each sums to zero over the sample, so no
    centring term remains). A respondent is in one domain or the other, never both, so
    every product z_ai z_bi is zero and the covariance is exactly 0.
    tests/python/test_group_comparisons.py checks it against R svyby(covmat = TRUE) and
    svycontrast. -#}
{% macro standard_error_of_difference(se_a, se_b) -%}
    sqrt({{ se_a }} * {{ se_a }} + {{ se_b }} * {{ se_b }})
{%- endmacro %}

{#- The 95% interval of a difference with its SE, difference +/- z_critical x SE, as the two
    columns <prefix>_ci_low and <prefix>_ci_high. -#}
{% macro difference_interval(difference, standard_error, prefix) -%}
    ({{ difference }}) - {{ var('z_critical') }} * {{ standard_error }} as {{ prefix }}_ci_low,
    ({{ difference }}) + {{ var('z_critical') }} * {{ standard_error }} as {{ prefix }}_ci_high
{%- endmacro %}

{#- The two-sided p-value of a standard normal statistic z, P(|Z| >= |z|) = erfc(|z| / sqrt 2),
    with erfc from its Chebyshev fit in Numerical Recipes (Press et al., 2nd ed., 6.2,
    `erfcc`): fractional error below 1.2e-7 for every z, so an absolute error below 1.2e-7
    and a relative one that stays small in the far tail (checked against R's pnorm in
    tests/python/test_significance.py). Only abs, sqrt, exp and arithmetic: the same SQL on
    DuckDB and Spark. Null when z is null. -#}
{% macro two_sided_normal_p(z) -%}
    {%- set x = '(abs(' ~ z ~ ') / sqrt(2.0))' -%}
    {%- set t = '(1.0 / (1.0 + 0.5 * ' ~ x ~ '))' -%}
    {%- set coefficients = [
        -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
        0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277
    ] -%}
    {%- set ns = namespace(poly=coefficients[-1] ~ '') -%}
    {%- for c in coefficients[:-1] | reverse -%}
        {%- set ns.poly = '(' ~ c ~ ' + ' ~ t ~ ' * ' ~ ns.poly ~ ')' -%}
    {%- endfor %}
    ({{ t }} * exp(-{{ x }} * {{ x }} + {{ ns.poly }}))
{%- endmacro %}
