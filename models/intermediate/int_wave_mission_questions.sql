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

responses as (

    select
        wave_id,
        question_code,
        response_code
    from {{ ref('stg_raw__responses') }}
    where {{ wave_predicate('wave_id') }}

),

answer_points as (

    select
        mission_id,
        question_code,
        response_code
    from {{ ref('int_codebook__answer_mission_points') }}

),

fielded as (

    select
        responses.wave_id,
        answer_points.mission_id,
        responses.question_code,
        count(*) as counted_answers

    from responses
    inner join answer_points
        on
            responses.question_code = answer_points.question_code
            and responses.response_code = answer_points.response_code
    group by
        responses.wave_id,
        answer_points.mission_id,
        responses.question_code

)

select * from fielded
