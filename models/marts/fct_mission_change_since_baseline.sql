-- Each group's mission index against its baseline, the first wave in which the group has a
-- row for the mission. Same grain as fct_mission_index. Rebuilt whole on every build (a row
-- per index row, a few thousand a wave): landing an earlier wave moves later baselines.
with

mission_index as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        mission_name,
        index_score,
        standard_error
    from {{ ref('fct_mission_index') }}

),

waves as (

    select
        wave_id,
        wave_number
    from {{ ref('int_waves') }}

),

trend_breaks as (

    select
        wave_id,
        mission_id,
        trend_break
    from {{ ref('int_mission_trend_breaks') }}

),

breaks_to_date as (

    -- trend breaks of the mission up to and including each wave: a break lies between two
    -- waves when this count differs
    select
        trend_breaks.wave_id,
        trend_breaks.mission_id,
        sum(case when trend_breaks.trend_break then 1 else 0 end) over (
            partition by trend_breaks.mission_id
            order by waves.wave_number
            rows between unbounded preceding and current row
        ) as breaks_to_date

    from trend_breaks
    inner join waves
        on trend_breaks.wave_id = waves.wave_id

),

numbered as (

    select
        mission_index.*,
        waves.wave_number

    from mission_index
    inner join waves
        on mission_index.wave_id = waves.wave_id

),

baselines as (

    select
        breakdown,
        group_label,
        mission_id,
        {{ arg_min('wave_id', 'wave_number') }} as baseline_wave_id

    from numbered
    group by breakdown, group_label, mission_id

),

with_baseline as (

    select
        numbered.wave_id,
        numbered.breakdown,
        numbered.group_label,
        numbered.mission_id,
        numbered.mission_name,
        numbered.index_score,
        numbered.standard_error,
        baselines.baseline_wave_id,
        baseline.index_score as baseline_index_score,
        baseline.standard_error as baseline_standard_error

    from numbered
    inner join baselines
        on
            numbered.breakdown = baselines.breakdown
            and numbered.group_label = baselines.group_label
            and numbered.mission_id = baselines.mission_id
    inner join numbered as baseline
        on
            baselines.baseline_wave_id = baseline.wave_id
            and baselines.breakdown = baseline.breakdown
            and baselines.group_label = baseline.group_label
            and baselines.mission_id = baseline.mission_id

),

final as (

    select
        with_baseline.wave_id,
        with_baseline.breakdown,
        with_baseline.group_label,
        with_baseline.mission_id,
        with_baseline.mission_name,
        with_baseline.baseline_wave_id,
        with_baseline.index_score,
        with_baseline.baseline_index_score,
        with_baseline.baseline_standard_error,
        case
            when with_baseline.wave_id <> with_baseline.baseline_wave_id
                then with_baseline.index_score - with_baseline.baseline_index_score
        end as change_vs_baseline,
        case
            when with_baseline.wave_id <> with_baseline.baseline_wave_id
                then {{ change_significant(
                    'with_baseline.index_score', 'with_baseline.standard_error',
                    'with_baseline.baseline_index_score', 'with_baseline.baseline_standard_error'
                ) }}
        end as change_vs_baseline_significant,
        coalesce(current_breaks.breaks_to_date, 0)
        > coalesce(baseline_breaks.breaks_to_date, 0) as break_since_baseline,
        case
            when with_baseline.wave_id <> with_baseline.baseline_wave_id
                then {{ standard_error_of_difference(
                    'with_baseline.standard_error', 'with_baseline.baseline_standard_error'
                ) }}
        end as change_vs_baseline_standard_error,
        case
            when with_baseline.wave_id <> with_baseline.baseline_wave_id
                then
                    with_baseline.index_score - with_baseline.baseline_index_score
                    - {{ var('z_critical') }} * {{ standard_error_of_difference(
                    'with_baseline.standard_error', 'with_baseline.baseline_standard_error'
                ) }}
        end as change_vs_baseline_ci_low,
        case
            when with_baseline.wave_id <> with_baseline.baseline_wave_id
                then
                    with_baseline.index_score - with_baseline.baseline_index_score
                    + {{ var('z_critical') }} * {{ standard_error_of_difference(
                    'with_baseline.standard_error', 'with_baseline.baseline_standard_error'
                ) }}
        end as change_vs_baseline_ci_high

    from with_baseline
    left join breaks_to_date as current_breaks
        on
            with_baseline.wave_id = current_breaks.wave_id
            and with_baseline.mission_id = current_breaks.mission_id
    left join breaks_to_date as baseline_breaks
        on
            with_baseline.baseline_wave_id = baseline_breaks.wave_id
            and with_baseline.mission_id = baseline_breaks.mission_id

)

select * from final
