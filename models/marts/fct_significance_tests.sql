-- Every significance test the index publishes, one row per wave x test kind x breakdown x
-- group x mission, with its two-sided p-value and a Benjamini-Hochberg adjustment across
-- all of the wave's tests: a group against the rest of the sample (vs_rest), a change since
-- the previous wave, a change since the group's baseline. Only tests the marts report are
-- in the family: published (not suppressed) estimates, like-for-like changes (no trend
-- break), groups rather than the UK for vs_rest. Rebuilt whole on every build, as the
-- baselines it reads are.
with

estimates as (

    select
        wave_id,
        breakdown,
        group_label,
        cast(measure_code as integer) as mission_id,
        estimate,
        standard_error,
        rest_estimate,
        rest_standard_error,
        z_vs_rest
    from {{ ref('int_measure_group_estimates') }}
    where measure_type = 'mission' and breakdown <> 'all'

),

-- the design's SE of a group's difference from the rest, in waves with replicate
-- weights or delivered strata and PSUs
-- weights (issue 27; int_measure_group_estimates' z_vs_rest divides by the same)
design_errors as (

    select
        wave_id,
        breakdown,
        group_label,
        cast(measure_code as integer) as mission_id,
        vs_rest_standard_error
    from {{ ref('int_measure_group_design_errors') }}
    where measure_type = 'mission' and breakdown <> 'all'

),

mission_index as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        unweighted_base,
        suppressed,
        trend_break,
        previous_wave_id,
        change_vs_previous,
        change_standard_error
    from {{ ref('fct_mission_index') }}

),

since_baseline as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        baseline_wave_id,
        change_vs_baseline,
        change_vs_baseline_standard_error,
        break_since_baseline
    from {{ ref('fct_mission_change_since_baseline') }}

),

vs_rest_tests as (

    select
        mission_index.wave_id,
        'vs_rest' as test_kind,
        mission_index.breakdown,
        mission_index.group_label,
        mission_index.mission_id,
        cast(null as {{ dbt.type_string() }}) as compared_wave_id,
        mission_index.unweighted_base,
        estimates.estimate - estimates.rest_estimate as estimate,
        case
            when design_errors.wave_id is null
                then {{ standard_error_of_difference(
                    'estimates.standard_error', 'estimates.rest_standard_error'
                ) }}
            else design_errors.vs_rest_standard_error
        end as standard_error,
        estimates.z_vs_rest as z

    from mission_index
    inner join estimates
        on
            mission_index.wave_id = estimates.wave_id
            and mission_index.breakdown = estimates.breakdown
            and mission_index.group_label = estimates.group_label
            and mission_index.mission_id = estimates.mission_id
    left join design_errors
        on
            estimates.wave_id = design_errors.wave_id
            and estimates.breakdown = design_errors.breakdown
            and estimates.group_label = design_errors.group_label
            and estimates.mission_id = design_errors.mission_id
    where not mission_index.suppressed

),

previous_tests as (

    select
        wave_id,
        'change_vs_previous' as test_kind,
        breakdown,
        group_label,
        mission_id,
        previous_wave_id as compared_wave_id,
        unweighted_base,
        change_vs_previous as estimate,
        change_standard_error as standard_error,
        change_vs_previous / nullif(change_standard_error, 0) as z

    from mission_index
    where change_vs_previous is not null and not trend_break

),

baseline_tests as (

    select
        since_baseline.wave_id,
        'change_vs_baseline' as test_kind,
        since_baseline.breakdown,
        since_baseline.group_label,
        since_baseline.mission_id,
        since_baseline.baseline_wave_id as compared_wave_id,
        mission_index.unweighted_base,
        since_baseline.change_vs_baseline as estimate,
        since_baseline.change_vs_baseline_standard_error as standard_error,
        since_baseline.change_vs_baseline
        / nullif(since_baseline.change_vs_baseline_standard_error, 0) as z

    from since_baseline
    inner join mission_index
        on
            since_baseline.wave_id = mission_index.wave_id
            and since_baseline.breakdown = mission_index.breakdown
            and since_baseline.group_label = mission_index.group_label
            and since_baseline.mission_id = mission_index.mission_id
    where
        since_baseline.change_vs_baseline is not null
        and not since_baseline.break_since_baseline

),

tests as (

    select * from vs_rest_tests
    union all
    select * from previous_tests
    union all
    select * from baseline_tests

),

with_p as (

    select
        *,
        {{ two_sided_normal_p('z') }} as p_value

    from tests
    where z is not null

),

ranked as (

    select
        *,
        cast(count(*) over (partition by wave_id) as bigint) as tests_in_wave,
        cast(row_number() over (
            partition by wave_id
            order by p_value, test_kind, breakdown, group_label, mission_id
        ) as bigint) as p_rank

    from with_p

),

adjusted as (

    -- Benjamini-Hochberg: p_(i) x m / i, made monotone from the largest p down, capped at 1
    -- (R's p.adjust(p, 'BH'))
    select
        *,
        least(
            1.0,
            min(p_value * tests_in_wave / p_rank) over (
                partition by wave_id
                order by p_rank desc
                rows between unbounded preceding and current row
            )
        ) as p_value_fdr

    from ranked

),

final as (

    select
        wave_id,
        test_kind,
        breakdown,
        group_label,
        mission_id,
        compared_wave_id,
        unweighted_base,
        estimate,
        standard_error,
        z,
        p_value,
        abs(z) > {{ var('z_critical') }} as significant_raw,
        tests_in_wave,
        p_rank,
        p_value_fdr,
        -- the false discovery rate is controlled at the raw tests' level, the two-sided p of
        -- var z_critical
        p_value_fdr < {{ two_sided_normal_p(var('z_critical')) }} as significant_fdr

    from adjusted

)

select * from final
