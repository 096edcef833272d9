{{ config(materialized='incremental', unique_key='wave_id') }}

-- The questions that actually scored each mission in each wave (at least one counted
-- answer): the mission's questionnaire as fielded, compared wave to wave for trend breaks.
with

answer_counts as (

    select
        wave_id,
        question_code,
        response_code,
        unweighted_count
    from {{ ref('int_answer_cell_counts') }}

),

answer_points as (

    select
        mission_id,
        question_code,
        response_code
    from {{ ref('int_codebook__answer_mission_points') }}

),

-- from the per-cell answer counts (a few million rows at a million respondents) rather
-- than the answers themselves (a hundred million)
fielded as (

    select
        answer_counts.wave_id,
        answer_points.mission_id,
        answer_counts.question_code,
        cast(sum(answer_counts.unweighted_count) as bigint) as counted_answers

    from answer_counts
    inner join answer_points
        on
            answer_counts.question_code = answer_points.question_code
            and answer_counts.response_code = answer_points.response_code
    group by
        answer_counts.wave_id,
        answer_points.mission_id,
        answer_counts.question_code

)

select * from fielded
