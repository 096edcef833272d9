{{
    config(
        materialized='incremental',
        unique_key='wave_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- The questions that actually scored each mission in each wave (at least one counted
-- answer): the mission's questionnaire as fielded, compared wave to wave for trend breaks.
with

scored_answers as (

    select
        wave_id,
        question_code
    from {{ ref('int_responses__scored') }}
    where
        points is not null
        and {{ wave_predicate('wave_id') }}

),

mission_questions as (

    select
        mission_id,
        question_code
    from {{ ref('mission_questions') }}

),

fielded as (

    select
        scored_answers.wave_id,
        mission_questions.mission_id,
        scored_answers.question_code,
        count(*) as counted_answers

    from scored_answers
    inner join mission_questions
        on scored_answers.question_code = mission_questions.question_code
    group by
        scored_answers.wave_id,
        mission_questions.mission_id,
        scored_answers.question_code

)

select * from fielded
