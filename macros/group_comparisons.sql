{#- The SE of the difference of two disjoint domain means of one wave's sample (two groups
    of one breakdown), sqrt(se_a^2 + se_b^2): docs/design.md, "Groups compared with each
    other". Under the project's design (R svydesign(ids = ~1, weights = ~w): one stage, no
    strata, with replacement) the covariance of two domain means is
    n/(n-1) * sum_i z_ai z_bi, with the linearised values z_di = w_i 1[i in d] (y_i - m_d)
    / sum_d w (each sums to zero over the sample, so no centring term remains). A
    respondent is in one domain or the other, never both, so every product z_ai z_bi is
    zero and the covariance is exactly 0: the variance of the difference is the sum of the
    two published variances. tests/python/test_group_comparisons.py checks it against R
    svyby(covmat = TRUE) and svycontrast. The same holds for two waves (independent
    samples). Null when either SE is. -#}
{% macro difference_standard_error(se_a, se_b) -%}
    sqrt({{ se_a }} * {{ se_a }} + {{ se_b }} * {{ se_b }})
{%- endmacro %}
