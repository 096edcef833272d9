{{ config(materialized='incremental', unique_key='wave_id') }}

-- Weighted % choosing each of the 15 priorities, per wave x breakdown x group, with the
-- report's "given more emphasis than the average" flag: the group's % is significantly
-- above the rest of the sample's.
with

estimates as (

    select * from {{ ref('int_measure_group_estimates') }}
    where measure_type = 'priority'

),

priorities as (

    select
        question_code,
        question_text,
        short_label,
        display_order
    from {{ ref('questions') }}
    where question_group = 'priority'

),

flagged as (

    select
        estimates.wave_id,
        estimates.breakdown,
        estimates.group_label,
        estimates.measure_code as priority_code,
        priorities.short_label as priority_label,
        priorities.question_text,
        priorities.display_order,
        estimates.unweighted_base,
        estimates.weighted_base,
        estimates.base_scale,
        estimates.effective_base,
        estimates.design_factor,
        estimates.design_effect,
        {{ is_low_base('estimates.unweighted_base') }} as low_base,
        {{ is_suppressed('estimates.unweighted_base') }} as suppressed,
        estimates.estimate,
        estimates.standard_error,
        estimates.rest_estimate,
        estimates.z_vs_rest

    from estimates
    inner join priorities
        on estimates.measure_code = priorities.question_code

),

final as (

    select
        wave_id,
        breakdown,
        group_label,
        priority_code,
        priority_label,
        question_text,
        case when not suppressed then estimate end as pct_chosen,
        unweighted_base,
        {{ published_base('weighted_base', 'base_scale') }} as weighted_base,
        {{ published_base('effective_base') }} as effective_base,
        case when not suppressed then design_factor end as design_factor,
        case when not suppressed then design_effect end as design_effect,
        case when not suppressed then standard_error end as standard_error,
        case when not suppressed then rest_estimate end as rest_pct_chosen,
        case
            when suppressed or z_vs_rest is null then null
            else z_vs_rest > {{ var('z_critical') }}
        end as more_emphasis,
        case
            when not suppressed
                then cast(rank() over (
                    partition by wave_id, breakdown, group_label
                    order by estimate desc, display_order asc
                ) as bigint)
        end as rank_in_group,
        low_base,
        suppressed

    from flagged

)

select * from final
