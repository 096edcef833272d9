{{ config(materialized='incremental', unique_key='wave_id', wave_scope='with_previous_wave') }}

-- What moved each index: per wave x breakdown x group x mission x question, the question's
-- weight share s_q and mean points m_q among those who answered it, its contribution to
-- the index C_q = s_q m_q (the contributions add up to the index exactly), and against
-- the previous wave C_q - C_q' = sbar_q dm_q + mbar_q ds_q (bar: mean of the two waves),
-- split into the change its answers made (sbar dm, contribution_to_change) and the change
-- in who answered it (mbar ds, composition_effect). A question absent in one of the two
-- waves has s = 0 there and takes m from the other wave, so a dropped or added question
-- moves the index through composition_effect only. docs/what_moved.md.
with

group_sums as (

    select * from {{ ref('int_mission_question_group_sums') }}

),

-- the group's sum of scaled weights on the mission, the index's denominator: every
-- respondent with a mission score carries r_iq summing to 1 over the mission's questions,
-- so it is the sum of the questions' sum_wr. Summed from the same exact decimals as each
-- question's sum_wr, no share can exceed 1 through rounding, at any scale of the weights.
mission_bases as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        sum(sum_wr) as sum_w

    from group_sums
    group by
        wave_id,
        breakdown,
        group_label,
        mission_id

),

mission_index as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        mission_name,
        previous_wave_id,
        change_vs_previous,
        low_base,
        suppressed
    from {{ ref('fct_mission_index') }}

),

questions as (

    select
        question_code,
        question_text
    from {{ ref('questions') }}

),

waves as (

    select
        wave_id,
        previous_wave_id
    from {{ ref('int_waves') }}

),

shares as (

    select
        group_sums.wave_id,
        group_sums.breakdown,
        group_sums.group_label,
        group_sums.mission_id,
        group_sums.question_code,
        group_sums.answered_respondents,
        cast(group_sums.sum_wr as double) / cast(mission_bases.sum_w as double) as weight_share,
        cast(group_sums.sum_wrp as double) / nullif(cast(group_sums.sum_wr as double), 0) as mean_points

    from group_sums
    inner join mission_bases
        on
            group_sums.wave_id = mission_bases.wave_id
            and group_sums.breakdown = mission_bases.breakdown
            and group_sums.group_label = mission_bases.group_label
            and group_sums.mission_id = mission_bases.mission_id

),

-- the questions compared in a wave: those answered in the group in this wave or in the
-- previous one (a dropped question still has a row, with no answers)
compared_questions as (

    select
        wave_id,
        breakdown,
        group_label,
        mission_id,
        question_code
    from shares

    union

    select
        waves.wave_id,
        shares.breakdown,
        shares.group_label,
        shares.mission_id,
        shares.question_code
    from shares
    inner join waves
        on shares.wave_id = waves.previous_wave_id

),

paired as (

    select
        compared_questions.wave_id,
        compared_questions.breakdown,
        compared_questions.group_label,
        compared_questions.mission_id,
        compared_questions.question_code,
        mission_index.mission_name,
        mission_index.previous_wave_id,
        mission_index.change_vs_previous,
        mission_index.low_base,
        mission_index.suppressed,
        cur.mean_points,
        coalesce(cur.answered_respondents, 0) as answered_respondents,
        coalesce(cur.weight_share, 0) as weight_share,
        coalesce(prev.weight_share, 0) as previous_weight_share,
        coalesce(cur.mean_points, prev.mean_points) as mean_points_now,
        coalesce(prev.mean_points, cur.mean_points) as mean_points_then

    from compared_questions
    inner join mission_index
        on
            compared_questions.wave_id = mission_index.wave_id
            and compared_questions.breakdown = mission_index.breakdown
            and compared_questions.group_label = mission_index.group_label
            and compared_questions.mission_id = mission_index.mission_id
    left join shares as cur
        on
            compared_questions.wave_id = cur.wave_id
            and compared_questions.breakdown = cur.breakdown
            and compared_questions.group_label = cur.group_label
            and compared_questions.mission_id = cur.mission_id
            and compared_questions.question_code = cur.question_code
    left join shares as prev
        on
            mission_index.previous_wave_id = prev.wave_id
            and compared_questions.breakdown = prev.breakdown
            and compared_questions.group_label = prev.group_label
            and compared_questions.mission_id = prev.mission_id
            and compared_questions.question_code = prev.question_code

),

final as (

    select
        paired.wave_id,
        paired.breakdown,
        paired.group_label,
        paired.mission_id,
        paired.mission_name,
        paired.question_code,
        questions.question_text,
        paired.answered_respondents,
        paired.previous_wave_id,
        paired.low_base,
        paired.suppressed,
        case when not paired.suppressed then paired.mean_points end as mean_points,
        case when not paired.suppressed then paired.weight_share end as weight_share,
        case
            when not paired.suppressed then paired.weight_share * coalesce(paired.mean_points, 0)
        end as contribution_to_index,
        -- both null unless the mission index publishes a change for the group; + 0.0
        -- turns a product of zero and a negative number (-0.0) into 0
        case
            when paired.change_vs_previous is not null
                then
                    (paired.weight_share + paired.previous_weight_share) / 2
                    * (paired.mean_points_now - paired.mean_points_then)
                    + 0.0
        end as contribution_to_change,
        case
            when paired.change_vs_previous is not null
                then
                    (paired.mean_points_now + paired.mean_points_then) / 2
                    * (paired.weight_share - paired.previous_weight_share)
                    + 0.0
        end as composition_effect

    from paired
    inner join questions
        on paired.question_code = questions.question_code

)

-- a wave's build writes that wave and the next (macros/wave_scope.sql)
select * from final
where {{ rebuilt_waves() }}
