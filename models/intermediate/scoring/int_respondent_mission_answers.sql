-- Every answer that scores a mission, once for each mission its question scores, with the
-- answer's mission points and the question's weight (int_codebook__answer_mission_points):
-- the scoring rule applied to the answers, in one place. Answers worth no points (don't
-- know as coded, refusals) are not in the lookup and so not here. A view: the respondents'
-- mission scores (int_respondent_mission_scores) and the per-question sums that decompose
-- the index (int_mission_question_group_sums) read it, each for its own wave.
with

responses as (

    select
        wave_id,
        respondent_key,
        question_code,
        response_code
    from {{ ref('int_responses__asked') }}

),

answer_points as (

    select
        mission_id,
        question_code,
        response_code,
        question_weight,
        mission_points,
        weighted_points
    from {{ ref('int_codebook__answer_mission_points') }}

),

mission_answers as (

    select
        responses.wave_id,
        responses.respondent_key,
        answer_points.mission_id,
        answer_points.question_code,
        answer_points.question_weight,
        answer_points.mission_points,
        answer_points.weighted_points

    from responses
    inner join answer_points
        on
            responses.question_code = answer_points.question_code
            and responses.response_code = answer_points.response_code

)

select * from mission_answers
