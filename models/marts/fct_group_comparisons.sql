{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every group of a breakdown compared with every other group of the same breakdown, per
-- wave and mission: the difference of their indices, its SE (two disjoint domains of one
-- sample: their covariance is zero under the design; standard_error_of_difference in
-- macros/significance.sql), z and significance. Both orders of a pair are rows (London vs
-- Wales and Wales vs London), so a group's comparisons are one filter. Suppressed groups are compared with nothing.
with

estimates as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_code,
        estimate,
        standard_error,
        unweighted_base
    from {{ ref('int_measure_group_estimates') }}
    where
        measure_type = 'mission'
        and breakdown <> 'all'

),

-- the design's SE of each pair's difference, in waves with replicate weights or delivered
-- strata and PSUs (issue 27)
design_errors as (

    select
        wave_id,
        breakdown,
        mission_id,
        group_label,
        other_group_label,
        difference_standard_error
    from {{ ref('int_group_pair_design_errors') }}

),

missions as (

    select
        mission_id,
        mission_name
    from {{ ref('missions') }}

),

published as (

    select
        wave_id,
        breakdown,
        group_label,
        cast(measure_code as integer) as mission_id,
        estimate,
        standard_error,
        unweighted_base,
        {{ is_low_base('unweighted_base') }} as low_base

    from estimates
    where not ({{ is_suppressed('unweighted_base') }})

),

pairs as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.mission_id,
        grp.group_label,
        other.group_label as other_group_label,
        grp.estimate as index_score,
        other.estimate as other_index_score,
        grp.unweighted_base,
        other.unweighted_base as other_unweighted_base,
        grp.estimate - other.estimate as difference,
        case
            when design_errors.wave_id is null
                then {{ standard_error_of_difference('grp.standard_error', 'other.standard_error') }}
            else design_errors.difference_standard_error
        end as difference_standard_error,
        grp.low_base or other.low_base as low_base

    from published as grp
    inner join published as other
        on
            grp.wave_id = other.wave_id
            and grp.breakdown = other.breakdown
            and grp.mission_id = other.mission_id
            and grp.group_label <> other.group_label
    left join design_errors
        on
            grp.wave_id = design_errors.wave_id
            and grp.breakdown = design_errors.breakdown
            and grp.mission_id = design_errors.mission_id
            and grp.group_label = design_errors.group_label
            and other.group_label = design_errors.other_group_label

),

tested as (

    select
        *,
        difference / nullif(difference_standard_error, 0) as z

    from pairs

),

final as (

    select
        tested.wave_id,
        tested.breakdown,
        tested.mission_id,
        missions.mission_name,
        tested.group_label,
        tested.other_group_label,
        tested.index_score,
        tested.other_index_score,
        tested.unweighted_base,
        tested.other_unweighted_base,
        tested.difference,
        tested.difference_standard_error,
        {{ confidence_interval('tested.difference', 'tested.difference_standard_error') }},
        tested.z,
        abs(tested.z) > {{ var('z_critical') }} as significant,
        case
            when tested.z > {{ var('z_critical') }} then 'higher'
            when tested.z < -{{ var('z_critical') }} then 'lower'
        end as comparison,
        tested.low_base

    from tested
    inner join missions
        on tested.mission_id = missions.mission_id

)

select * from final
