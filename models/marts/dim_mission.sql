-- The 12 missions with their White Paper wording and the size of their question set.
with

missions as (

    select * from {{ ref('missions') }}

),

mission_questions as (

    select * from {{ ref('mission_questions') }}

),

question_counts as (

    select
        mission_id,
        count(*) as question_count,
        sum(question_weight) as total_question_weight

    from mission_questions
    group by mission_id

),

final as (

    select
        missions.mission_id,
        missions.mission_key,
        missions.mission_name,
        missions.white_paper_area,
        missions.mission_statement,
        coalesce(question_counts.question_count, 0) as question_count,
        coalesce(question_counts.total_question_weight, 0) as total_question_weight

    from missions
    left join question_counts
        on missions.mission_id = question_counts.mission_id

)

select * from final
