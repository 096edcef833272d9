{#- The replicate-weight standard error of an estimate: a draft nothing calls yet, for the
    marts to use once raw.replicate_weights is wired in (docs/weighting.md, "What is not
    wired yet"). `estimate` is a column holding one replicate's estimate (e.g. a group's
    weighted mean sum(w_r y) / sum(w_r) under replicate r), aggregated over the replicates
    of one group:

        SE = sqrt( scale * sum_r (theta_r - mean_r theta_r)^2 )
           = sqrt( scale * R * var_pop(theta_r) )

    R survey's svrVar with rscales 1 and mse = FALSE (its default), the estimator of
    lui.survey_estimators.replicate_mean_se; for JK1 over G groups scale = (G - 1) / G
    (raw.weighting_waves.replicate_scale). With `full_estimate` (the full-sample estimate,
    constant within the group) the variance is centred on it instead (mse = TRUE).
    Portable SQL (var_pop and sqrt exist on DuckDB and Spark). -#}
{% macro replicate_standard_error(estimate, scale, full_estimate=none) -%}
    {%- if full_estimate is none -%}
        sqrt({{ scale }} * count({{ estimate }}) * var_pop({{ estimate }}))
    {%- else -%}
        sqrt({{ scale }} * sum(({{ estimate }} - {{ full_estimate }}) * ({{ estimate }} - {{ full_estimate }})))
    {%- endif -%}
{%- endmacro %}
