{{ config(materialized='incremental', unique_key='wave_id') }}

-- A respondent's score on a mission: the weighted average of the points of the mission's
-- questions they answered (direction applied), weights renormalised over the questions
-- answered. No counted answer on a mission: no row, so outside that mission's base.
-- Written per wave (12 rows a respondent): three models read it (the cell moments, the
-- local-area cells, and the per-question sums for its answered weight), and computing it
-- from every answer once costs less than three times. The answers that score each
-- mission, with their points, come from int_respondent_mission_answers.
with

mission_answers as (

    select
        wave_id,
        respondent_key,
        mission_id,
        question_weight,
        weighted_points
    from {{ ref('int_respondent_mission_answers') }}

),

weighted_sums as (

    select
        wave_id,
        respondent_key,
        mission_id,
        -- sums of the lookup's exact decimals: exact, whatever the order of addition
        cast(sum(question_weight) as double) as answered_weight,
        cast(sum(weighted_points) as double) as weighted_points,
        count(*) as questions_answered

    from mission_answers
    group by wave_id, respondent_key, mission_id

),

respondent_scores as (

    select
        wave_id,
        respondent_key,
        mission_id,
        questions_answered,
        answered_weight,
        weighted_points / answered_weight as mission_score

    from weighted_sums

)

select * from respondent_scores
