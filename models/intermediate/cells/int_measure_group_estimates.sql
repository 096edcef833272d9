{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every measure for the UK and every group of every breakdown: weighted mean, bases,
-- Taylor SE, and the same for the rest of the sample (everyone in the wave not in the
-- group) with the z statistic of the difference. Every SE is the domain estimator on the
-- full wave design (n in n/(n-1) is the wave's respondents). Flags and suppression live
-- in the marts. The moments are sums of scaled weights (int_wave_weight_units): every
-- ratio of them is free of the weights' scale, and the weighted base is scaled back by the
-- wave's unit. Waves with a design of their own (int_measure_group_design_errors: replicate
-- weights, or strata and PSUs) take their SEs and the rest's from it instead, and z vs the rest divides by the
-- design's SE of the difference (the columns stay the same). Beside them the SE a simple
-- random sample of the same respondents would have, and the design effect.
with

cell_moments as (

    select * from {{ ref('int_measure_cell_moments') }}

),

weight_units as (

    select
        wave_id,
        weight_unit,
        base_scale
    from {{ ref('int_wave_weight_units') }}

),

design_errors as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        standard_error,
        rest_standard_error,
        vs_rest_standard_error
    from {{ ref('int_measure_group_design_errors') }}

),

wave_sizes as (

    select
        wave_id,
        respondents as wave_respondents
    from {{ ref('int_wave_respondents') }}

),

-- one group by grouping sets (macros/breakdown_rollup.sql), which sqlfluff's duckdb
-- dialect cannot parse: hence the noqa
group_moments as (

    {{ breakdown_rollup('cell_moments', ['measure_type', 'measure_code'], sum_moments()) }}  -- noqa: PRS

),

group_and_total as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        grp.measure_type,
        grp.measure_code,
        grp.unweighted_base,
        wave_sizes.wave_respondents,
        weight_units.weight_unit,
        weight_units.base_scale,
        cast(grp.sum_w as double) as sum_w,
        cast(grp.sum_w2 as double) as sum_w2,
        cast(grp.sum_wy as double) as sum_wy,
        cast(grp.sum_w2y as double) as sum_w2y,
        cast(grp.sum_w2y2 as double) as sum_w2y2,
        cast(grp.sum_wy2 as double) as sum_wy2,
        -- the rest of the sample, subtracted exactly in decimal before rounding to double
        cast(total.sum_w - grp.sum_w as double) as rest_sum_w,
        cast(total.sum_w2 - grp.sum_w2 as double) as rest_sum_w2,
        cast(total.sum_wy - grp.sum_wy as double) as rest_sum_wy,
        cast(total.sum_w2y - grp.sum_w2y as double) as rest_sum_w2y,
        cast(total.sum_w2y2 - grp.sum_w2y2 as double) as rest_sum_w2y2,
        total.unweighted_base - grp.unweighted_base as rest_unweighted_base

    from group_moments as grp
    inner join group_moments as total
        on
            grp.wave_id = total.wave_id
            and grp.measure_type = total.measure_type
            and grp.measure_code = total.measure_code
            and total.breakdown = 'all'
    inner join wave_sizes
        on grp.wave_id = wave_sizes.wave_id
    inner join weight_units
        on grp.wave_id = weight_units.wave_id

),

with_means as (

    select
        *,
        sum_wy / sum_w as estimate,
        case
            when breakdown <> 'all' and rest_unweighted_base > 0
                then rest_sum_wy / nullif(rest_sum_w, 0)
        end as rest_estimate

    from group_and_total

),

estimates as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        estimate,
        unweighted_base,
        sum_w * weight_unit as weighted_base,
        base_scale,
        sum_w * sum_w / sum_w2 as effective_base,
        {{ taylor_standard_error(
            'unweighted_base', 'wave_respondents', 'sum_w', 'sum_w2', 'sum_w2y', 'sum_w2y2', 'estimate'
        ) }} as standard_error,
        {{ simple_random_standard_error('unweighted_base', 'sum_w', 'sum_wy', 'sum_wy2', 'estimate') }}
            as simple_random_standard_error,
        rest_estimate,
        {{ taylor_standard_error(
            'rest_unweighted_base', 'wave_respondents', 'rest_sum_w', 'rest_sum_w2',
            'rest_sum_w2y', 'rest_sum_w2y2', 'rest_estimate'
        ) }} as rest_standard_error

    from with_means

),

-- the design's SEs where the wave has one (issue 27), else the weights-only Taylor SEs
with_design as (

    select
        estimates.wave_id,
        estimates.breakdown,
        estimates.group_label,
        estimates.measure_type,
        estimates.measure_code,
        estimates.estimate,
        estimates.unweighted_base,
        estimates.weighted_base,
        estimates.base_scale,
        estimates.effective_base,
        case
            when design_errors.wave_id is null then estimates.standard_error
            else design_errors.standard_error
        end as standard_error,
        estimates.simple_random_standard_error,
        estimates.rest_estimate,
        case
            when design_errors.wave_id is null then estimates.rest_standard_error
            else design_errors.rest_standard_error
        end as rest_standard_error,
        case
            when design_errors.wave_id is null
                then {{ z_of_difference(
                    'estimates.estimate', 'estimates.standard_error',
                    'estimates.rest_estimate', 'estimates.rest_standard_error'
                ) }}
            else
                (estimates.estimate - estimates.rest_estimate)
                / nullif(design_errors.vs_rest_standard_error, 0)
        end as z_vs_rest

    from estimates
    left join design_errors
        on
            estimates.wave_id = design_errors.wave_id
            and estimates.breakdown = design_errors.breakdown
            and estimates.group_label = design_errors.group_label
            and estimates.measure_type = design_errors.measure_type
            and estimates.measure_code = design_errors.measure_code

),

-- the design effect: the SE's variance over the simple random sample's (R's deff)
with_design_effect as (

    select
        *,
        standard_error / nullif(simple_random_standard_error, 0) as design_factor,
        (standard_error / nullif(simple_random_standard_error, 0))
        * (standard_error / nullif(simple_random_standard_error, 0)) as design_effect

    from with_design

)

select * from with_design_effect
