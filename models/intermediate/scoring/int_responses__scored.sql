-- Every answer with its label, kind and points from the codebook. Points are null where
-- the answer does not count (refused, unscored options). Direction is applied per mission
-- downstream, because one question can count positively in one mission and negatively in
-- another.
with

responses as (

    select * from {{ ref('int_responses__asked') }}

),

questions as (

    select
        question_code,
        scale_id,
        question_group
    from {{ ref('questions') }}

),

scale_points as (

    select
        scale_id,
        response_code,
        response_label,
        answer_kind,
        points
    from {{ ref('scale_points') }}

),

scored as (

    select
        responses.wave_id,
        responses.respondent_id,
        responses.question_code,
        questions.question_group,
        responses.response_code,
        scale_points.response_label,
        scale_points.answer_kind,
        scale_points.points

    from responses
    inner join questions
        on responses.question_code = questions.question_code
    inner join scale_points
        on
            questions.scale_id = scale_points.scale_id
            and responses.response_code = scale_points.response_code

)

select * from scored
