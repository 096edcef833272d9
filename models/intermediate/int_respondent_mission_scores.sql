{{
    config(
        materialized='incremental',
        unique_key='wave_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- A respondent's score on a mission: the weighted average of the points of the mission's
-- questions they answered (direction applied), weights renormalised over the questions
-- answered. No counted answer on a mission: no row, so outside that mission's base.
with

scored_answers as (

    select
        wave_id,
        respondent_id,
        question_code,
        points
    from {{ ref('int_responses__scored') }}
    where
        points is not null
        and {{ wave_predicate('wave_id') }}

),

mission_questions as (

    select
        mission_id,
        question_code,
        question_weight,
        direction
    from {{ ref('mission_questions') }}

),

mission_answers as (

    select
        scored_answers.wave_id,
        scored_answers.respondent_id,
        mission_questions.mission_id,
        mission_questions.question_weight,
        scored_answers.points * mission_questions.direction as mission_points

    from scored_answers
    inner join mission_questions
        on scored_answers.question_code = mission_questions.question_code

),

respondent_scores as (

    select
        wave_id,
        respondent_id,
        mission_id,
        count(*) as questions_answered,
        cast({{ exact_sum('question_weight') }} as double) as answered_weight,
        cast({{ exact_sum('question_weight * mission_points') }} as double)
        / cast({{ exact_sum('question_weight') }} as double) as mission_score

    from mission_answers
    group by wave_id, respondent_id, mission_id

)

select * from respondent_scores
