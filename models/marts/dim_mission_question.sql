-- The bridge between missions and the questions that score them: one row per mission and
-- question, with the question's weight in the mission and its direction (-1: scored in
-- reverse). A question can score two missions; perception and priority questions score
-- none.
with

mission_questions as (

    select * from {{ ref('mission_questions') }}

),

final as (

    select
        mission_id,
        question_code,
        question_weight,
        direction

    from mission_questions

)

select * from final
