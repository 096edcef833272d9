{{ config(materialized='incremental', unique_key='wave_id') }}

-- The design-based SE of the difference of two groups' mission indices (every ordered
-- pair of groups of one breakdown, as fct_group_comparisons publishes them), in the waves
-- whose SEs come from replicate weights: the replicate variance of the difference of the
-- two groups' replicate estimates (macros/replicate_statistics.sql), so it carries their
-- covariance under the calibrated design (zero under the weights-only design, not under
-- raking: both groups share the calibration). Null when either group has no respondent
-- in a replicate. In the waves with delivered strata and PSUs the same SE is
-- sqrt(SE_1^2 + SE_2^2 - 2 cov), the two groups' Taylor SEs (int_measure_group_design_errors)
-- and their covariance through the PSUs they share and the strata they are both in:
-- cov = sum_h n_h / (n_h - 1) * (sum_j z1_hj z2_hj - z1_h z2_h / n_h), z1_h and z2_h the
-- stratum's sums of each group's linearised values (int_measure_group_psu_residuals), as
-- R's svyby(..., covmat = TRUE) and svycontrast give it.
with

replicate_estimates as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_code,
        replicate,
        replicate_estimate
    from {{ ref('int_measure_group_replicate_estimates') }}
    where
        measure_type = 'mission'
        and breakdown <> 'all'

),

replicate_waves as (

    select
        wave_id,
        replicates,
        replicate_scale
    from {{ ref('int_replicate_waves') }}

),

pair_differences as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.measure_code,
        grp.group_label,
        other.group_label as other_group_label,
        grp.replicate,
        grp.replicate_estimate - other.replicate_estimate as replicate_difference

    from replicate_estimates as grp
    inner join replicate_estimates as other
        on
            grp.wave_id = other.wave_id
            and grp.breakdown = other.breakdown
            and grp.measure_code = other.measure_code
            and grp.replicate = other.replicate
            and grp.group_label <> other.group_label

),

pair_errors as (

    select
        pair_differences.wave_id,
        pair_differences.breakdown,
        cast(pair_differences.measure_code as integer) as mission_id,
        pair_differences.group_label,
        pair_differences.other_group_label,
        case
            when count(pair_differences.replicate_difference) = replicate_waves.replicates
                then {{ replicate_standard_error(
                    'pair_differences.replicate_difference', 'replicate_waves.replicate_scale'
                ) }}
        end as difference_standard_error

    from pair_differences
    inner join replicate_waves
        on pair_differences.wave_id = replicate_waves.wave_id
    group by
        pair_differences.wave_id,
        pair_differences.breakdown,
        pair_differences.measure_code,
        pair_differences.group_label,
        pair_differences.other_group_label,
        replicate_waves.replicates,
        replicate_waves.replicate_scale

),

psu_residuals as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_code,
        stratum,
        psu,
        stratum_psus,
        residual / group_weight as linearised
    from {{ ref('int_measure_group_psu_residuals') }}
    where
        measure_type = 'mission'
        and breakdown <> 'all'

),

psu_group_errors as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_code,
        standard_error
    from {{ ref('int_measure_group_design_errors') }}
    where
        se_method = 'taylor_strata_psu'
        and measure_type = 'mission'
        and breakdown <> 'all'

),

group_strata as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_code,
        stratum,
        max(stratum_psus) as stratum_psus,
        sum(linearised) as stratum_sum

    from psu_residuals
    group by
        wave_id,
        breakdown,
        group_label,
        measure_code,
        stratum

),

shared_psus as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        other.group_label as other_group_label,
        grp.measure_code,
        grp.stratum,
        sum(grp.linearised * other.linearised) as sum_of_products

    from psu_residuals as grp
    inner join psu_residuals as other
        on
            grp.wave_id = other.wave_id
            and grp.breakdown = other.breakdown
            and grp.measure_code = other.measure_code
            and grp.stratum = other.stratum
            and grp.psu = other.psu
            and grp.group_label <> other.group_label
    group by
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        other.group_label,
        grp.measure_code,
        grp.stratum

),

pair_covariances as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        other.group_label as other_group_label,
        grp.measure_code,
        sum({{ stratified_covariance_term(
            'grp.stratum_sum', 'other.stratum_sum',
            'coalesce(shared_psus.sum_of_products, 0)', 'grp.stratum_psus'
        ) }}) as covariance

    from group_strata as grp
    inner join group_strata as other
        on
            grp.wave_id = other.wave_id
            and grp.breakdown = other.breakdown
            and grp.measure_code = other.measure_code
            and grp.stratum = other.stratum
            and grp.group_label <> other.group_label
    left join shared_psus
        on
            grp.wave_id = shared_psus.wave_id
            and grp.breakdown = shared_psus.breakdown
            and grp.group_label = shared_psus.group_label
            and other.group_label = shared_psus.other_group_label
            and grp.measure_code = shared_psus.measure_code
            and grp.stratum = shared_psus.stratum
    group by
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        other.group_label,
        grp.measure_code

),

psu_pair_errors as (

    select
        grp.wave_id,
        grp.breakdown,
        cast(grp.measure_code as integer) as mission_id,
        grp.group_label,
        other.group_label as other_group_label,
        {{ sqrt_of_variance(
            'grp.standard_error * grp.standard_error + other.standard_error * other.standard_error'
            ~ ' - 2 * coalesce(pair_covariances.covariance, 0)'
        ) }} as difference_standard_error

    from psu_group_errors as grp
    inner join psu_group_errors as other
        on
            grp.wave_id = other.wave_id
            and grp.breakdown = other.breakdown
            and grp.measure_code = other.measure_code
            and grp.group_label <> other.group_label
    left join pair_covariances
        on
            grp.wave_id = pair_covariances.wave_id
            and grp.breakdown = pair_covariances.breakdown
            and grp.group_label = pair_covariances.group_label
            and other.group_label = pair_covariances.other_group_label
            and grp.measure_code = pair_covariances.measure_code

),

all_pair_errors as (

    select * from pair_errors

    union all

    select * from psu_pair_errors

)

select * from all_pair_errors
