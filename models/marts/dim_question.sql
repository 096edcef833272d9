-- Every question of the codebook with its scale and, for mission questions, its role in
-- each mission (one row per question and mission; perception and priority questions have
-- one row with no mission).
with

questions as (

    select * from {{ ref('questions') }}

),

scales as (

    select * from {{ ref('scales') }}

),

mission_questions as (

    select * from {{ ref('mission_questions') }}

),

final as (

    select
        questions.question_code,
        questions.short_label,
        questions.question_text,
        questions.question_group,
        questions.topic,
        questions.scale_id,
        scales.scale_label,
        questions.first_wave,
        questions.last_wave,
        questions.display_order,
        mission_questions.mission_id,
        mission_questions.question_weight,
        mission_questions.direction

    from questions
    inner join scales
        on questions.scale_id = scales.scale_id
    left join mission_questions
        on questions.question_code = mission_questions.question_code

)

select * from final
