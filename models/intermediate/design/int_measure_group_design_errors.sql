{{ config(materialized='incremental', unique_key='wave_id') }}

-- The design-based SEs of every measure's estimate for the UK and every group, of the
-- rest of the sample and of the group's difference from the rest, in the waves whose SEs
-- come from replicate weights (int_replicate_waves): the replicate variance
-- scale x sum_r (theta_r - mean_r theta_r)^2 (macros/replicate_statistics.sql), R survey's
-- svrVar with its default mse = FALSE; for JK1 over G groups the scale is (G - 1) / G.
-- The difference from the rest is one statistic per replicate (theta_r - rest_r), so its
-- SE carries the covariance the replicates share. Null when a replicate has no respondent
-- of the group (every respondent of a small group in the dropped replicate group): R
-- gives no SE there either. int_measure_group_estimates takes these where they exist.
-- In the waves with delivered strata and PSUs (se_method taylor_strata_psu) the SEs are
-- Taylor linearisation with strata and clusters, R survey's svyby(~y, ~group,
-- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE), svymean):
-- var = sum_h n_h / (n_h - 1) * (sum_j z_hj^2 - (sum_j z_hj)^2 / n_h), n_h the stratum's
-- PSUs in the wave, z_hj the PSU's linearised value (int_measure_group_psu_residuals:
-- e_j / W_g for the group, r_j / W_r for the rest, their difference for the group vs the
-- rest, which carries the covariance of the two domains within a PSU). Null where a
-- stratum has one PSU (R stops there: survey.lonely.psu = "fail").
with

replicate_estimates as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        replicate,
        replicate_estimate,
        replicate_rest_estimate
    from {{ ref('int_measure_group_replicate_estimates') }}

),

replicate_waves as (

    select
        wave_id,
        se_method,
        replicates,
        replicate_scale
    from {{ ref('int_replicate_waves') }}

),

design_errors as (

    select
        replicate_estimates.wave_id,
        replicate_estimates.breakdown,
        replicate_estimates.group_label,
        replicate_estimates.measure_type,
        replicate_estimates.measure_code,
        replicate_waves.se_method,
        case
            when count(replicate_estimates.replicate_estimate) = replicate_waves.replicates
                then {{ replicate_standard_error(
                    'replicate_estimates.replicate_estimate', 'replicate_waves.replicate_scale'
                ) }}
        end as standard_error,
        case
            when count(replicate_estimates.replicate_rest_estimate) = replicate_waves.replicates
                then {{ replicate_standard_error(
                    'replicate_estimates.replicate_rest_estimate', 'replicate_waves.replicate_scale'
                ) }}
        end as rest_standard_error,
        case
            when
                count(replicate_estimates.replicate_estimate - replicate_estimates.replicate_rest_estimate)
                = replicate_waves.replicates
                then {{ replicate_standard_error(
                    '(replicate_estimates.replicate_estimate - replicate_estimates.replicate_rest_estimate)',
                    'replicate_waves.replicate_scale'
                ) }}
        end as vs_rest_standard_error

    from replicate_estimates
    inner join replicate_waves
        on replicate_estimates.wave_id = replicate_waves.wave_id
    group by
        replicate_estimates.wave_id,
        replicate_estimates.breakdown,
        replicate_estimates.group_label,
        replicate_estimates.measure_type,
        replicate_estimates.measure_code,
        replicate_waves.se_method,
        replicate_waves.replicates,
        replicate_waves.replicate_scale

),

psu_residuals as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        stratum,
        psu,
        stratum_psus,
        group_weight,
        rest_weight,
        rest_mean,
        residual,
        rest_residual,
        psu_weight,
        psu_weighted_sum
    from {{ ref('int_measure_group_psu_residuals') }}

),

-- per measure and stratum, sums over every PSU with a value (the UK's rows): the PSU
-- totals and their products, from which the rest's PSUs outside a group follow
measure_strata as (

    select
        wave_id,
        measure_type,
        measure_code,
        stratum,
        max(stratum_psus) as stratum_psus,
        sum(psu_weighted_sum) as stratum_weighted_sum,
        sum(psu_weight) as stratum_weight,
        sum(psu_weighted_sum * psu_weighted_sum) as stratum_yy,
        sum(psu_weighted_sum * psu_weight) as stratum_yw,
        sum(psu_weight * psu_weight) as stratum_ww

    from psu_residuals
    where breakdown = 'all'
    group by
        wave_id,
        measure_type,
        measure_code,
        stratum

),

-- per group and stratum, sums over the PSUs the group has respondents in
occupied_strata as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        stratum,
        sum(residual) as sum_e,
        sum(residual * residual) as sum_e2,
        sum(rest_residual) as sum_r,
        sum(rest_residual * rest_residual) as sum_r2,
        sum(residual * rest_residual) as sum_er,
        sum(psu_weighted_sum - rest_mean * psu_weight) as sum_t,
        sum((psu_weighted_sum - rest_mean * psu_weight) * (psu_weighted_sum - rest_mean * psu_weight))
            as sum_t2

    from psu_residuals
    group by
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        stratum

),

psu_groups as (

    select distinct
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        group_weight,
        rest_weight,
        rest_mean
    from psu_residuals

),

-- every group x every stratum of its measure: outside the group's PSUs e = 0 and the
-- rest's r = t, so the rest's sums over all the stratum's PSUs are those of t over every
-- PSU (from the stratum's sums) less t over the group's PSUs plus r there
group_strata as (

    select
        psu_groups.wave_id,
        psu_groups.breakdown,
        psu_groups.group_label,
        psu_groups.measure_type,
        psu_groups.measure_code,
        psu_groups.group_weight,
        measure_strata.stratum_psus,
        nullif(psu_groups.rest_weight, 0) as rest_weight,
        coalesce(occupied_strata.sum_e, 0) as sum_e,
        coalesce(occupied_strata.sum_e2, 0) as sum_e2,
        coalesce(occupied_strata.sum_er, 0) as sum_er,
        measure_strata.stratum_weighted_sum - psu_groups.rest_mean * measure_strata.stratum_weight
        - coalesce(occupied_strata.sum_t, 0) + coalesce(occupied_strata.sum_r, 0) as sum_r,
        measure_strata.stratum_yy
        - 2 * psu_groups.rest_mean * measure_strata.stratum_yw
        + psu_groups.rest_mean * psu_groups.rest_mean * measure_strata.stratum_ww
        - coalesce(occupied_strata.sum_t2, 0) + coalesce(occupied_strata.sum_r2, 0) as sum_r2

    from psu_groups
    inner join measure_strata
        on
            psu_groups.wave_id = measure_strata.wave_id
            and psu_groups.measure_type = measure_strata.measure_type
            and psu_groups.measure_code = measure_strata.measure_code
    left join occupied_strata
        on
            psu_groups.wave_id = occupied_strata.wave_id
            and psu_groups.breakdown = occupied_strata.breakdown
            and psu_groups.group_label = occupied_strata.group_label
            and psu_groups.measure_type = occupied_strata.measure_type
            and psu_groups.measure_code = occupied_strata.measure_code
            and measure_strata.stratum = occupied_strata.stratum

),

stratum_variances as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        stratum_psus,
        {{ stratified_variance_term('sum_e / group_weight', 'sum_e2 / (group_weight * group_weight)', 'stratum_psus') }}
            as group_term,
        {{ stratified_variance_term('sum_r / rest_weight', 'sum_r2 / (rest_weight * rest_weight)', 'stratum_psus') }}
            as rest_term,
        {{ stratified_variance_term(
            '(sum_e / group_weight - sum_r / rest_weight)',
            'sum_e2 / (group_weight * group_weight) - 2 * sum_er / (group_weight * rest_weight)'
            ~ ' + sum_r2 / (rest_weight * rest_weight)',
            'stratum_psus'
        ) }} as difference_term

    from group_strata

),

psu_design_errors as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        'taylor_strata_psu' as se_method,
        case when min(stratum_psus) > 1 then {{ sqrt_of_variance('sum(group_term)') }} end as standard_error,
        case when min(stratum_psus) > 1 then {{ sqrt_of_variance('sum(rest_term)') }} end as rest_standard_error,
        case when min(stratum_psus) > 1 then {{ sqrt_of_variance('sum(difference_term)') }} end
            as vs_rest_standard_error

    from stratum_variances
    group by
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code

),

all_design_errors as (

    select * from design_errors

    union all

    select * from psu_design_errors

)

select * from all_design_errors
