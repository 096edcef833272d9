{{ config(materialized='incremental', unique_key='wave_id', wave_scope='with_previous_wave') }}

-- The Levelling Up Index: one row per wave x breakdown x group x mission. A wave build
-- refreshes that wave and the one after it, whose change since the previous wave
-- depends on it, reading those waves and the wave before them (config wave_scope
-- 'with_previous_wave', macros/wave_scope.sql).
with

estimates as (

    select * from {{ ref('int_measure_group_estimates') }}
    where measure_type = 'mission'

),

missions as (

    select
        mission_id,
        mission_name
    from {{ ref('missions') }}

),

waves as (

    select
        wave_id,
        previous_wave_id
    from {{ ref('int_waves') }}

),

trend_breaks as (

    select
        wave_id,
        mission_id,
        trend_break
    from {{ ref('int_mission_trend_breaks') }}

),

flagged as (

    select
        wave_id,
        breakdown,
        group_label,
        cast(measure_code as integer) as mission_id,
        unweighted_base,
        weighted_base,
        base_scale,
        effective_base,
        design_factor,
        design_effect,
        {{ is_low_base('unweighted_base') }} as low_base,
        {{ is_suppressed('unweighted_base') }} as suppressed,
        estimate,
        standard_error,
        z_vs_rest

    from estimates

),

published as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        unweighted_base,
        weighted_base,
        base_scale,
        effective_base,
        case when not suppressed then design_factor end as design_factor,
        case when not suppressed then design_effect end as design_effect,
        low_base,
        suppressed,
        case when not suppressed then estimate end as index_score,
        case when not suppressed then standard_error end as standard_error,
        {{ vs_rest_flag('z_vs_rest', 'suppressed') }} as vs_rest

    from flagged

),

with_previous as (

    {{ with_previous_wave(
        'published', 'waves',
        keys=['breakdown', 'group_label', 'mission_id'],
        columns=['index_score', 'standard_error']
    ) }}

),

final as (

    select
        with_previous.wave_id,
        with_previous.breakdown,
        with_previous.group_label,
        with_previous.mission_id,
        missions.mission_name,
        with_previous.index_score,
        with_previous.unweighted_base,
        {{ published_base('with_previous.weighted_base', 'with_previous.base_scale') }} as weighted_base,
        {{ published_base('with_previous.effective_base') }} as effective_base,
        with_previous.design_factor,
        with_previous.design_effect,
        with_previous.standard_error,
        {{ confidence_interval('with_previous.index_score', 'with_previous.standard_error') }},
        with_previous.vs_rest,
        with_previous.previous_wave_id,
        with_previous.index_score - with_previous.previous_index_score as change_vs_previous,
        {{ change_significant(
            'with_previous.index_score', 'with_previous.standard_error',
            'with_previous.previous_index_score', 'with_previous.previous_standard_error'
        ) }} as change_significant,
        coalesce(trend_breaks.trend_break, false) as trend_break,
        with_previous.low_base,
        with_previous.suppressed,
        {{ standard_error_of_difference(
            'with_previous.standard_error', 'with_previous.previous_standard_error'
        ) }} as change_standard_error,
        {{ difference_interval(
            'with_previous.index_score - with_previous.previous_index_score',
            standard_error_of_difference(
                'with_previous.standard_error', 'with_previous.previous_standard_error'
            ),
            'change'
        ) }}

    from with_previous
    inner join missions
        on with_previous.mission_id = missions.mission_id
    left join trend_breaks
        on
            with_previous.wave_id = trend_breaks.wave_id
            and with_previous.mission_id = trend_breaks.mission_id

)

-- a wave's build writes that wave and the next (macros/wave_scope.sql)
select * from final
where {{ rebuilt_waves() }}
