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

)

select * from design_errors
