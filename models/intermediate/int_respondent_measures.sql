-- One row per respondent and measure, the value every group estimate is a weighted mean
-- of: a mission score (-200..200), or 100 / 0 for a priority chosen / not chosen (so its
-- mean is the weighted % choosing it).
with

mission_scores as (

    select * from {{ ref('int_respondent_mission_scores') }}

),

priority_answers as (

    select
        wave_id,
        respondent_id,
        question_code,
        response_code
    from {{ ref('int_responses__scored') }}
    where question_group = 'priority'

),

measures as (

    select
        wave_id,
        respondent_id,
        'mission' as measure_type,
        cast(mission_id as varchar) as measure_code,
        mission_score as measure_value
    from mission_scores

    union all

    select
        wave_id,
        respondent_id,
        'priority' as measure_type,
        question_code as measure_code,
        case when response_code = 1 then 100.0 else 0.0 end as measure_value
    from priority_answers

)

select * from measures
