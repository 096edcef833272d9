{{ config(materialized='incremental', unique_key='wave_id') }}

-- The design-based SE of the difference of two groups' mission indices (every ordered
-- pair of groups of one breakdown, as fct_group_comparisons publishes them), in the waves
-- whose SEs come from replicate weights: the replicate variance of the difference of the
-- two groups' replicate estimates (macros/replicate_statistics.sql), so it carries their
-- covariance under the calibrated design (zero under the weights-only design, not under
-- raking: both groups share the calibration). Null when either group has no respondent
-- in a replicate.
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

)

select * from pair_errors
