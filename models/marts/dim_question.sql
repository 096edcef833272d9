-- Every question of the codebook with its scale: one row per question. The missions a
-- question scores, with its weight and direction in each, are in dim_mission_question.
with

questions as (

    select * from {{ ref('questions') }}

),

scales as (

    select * from {{ ref('scales') }}

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
        questions.display_order

    from questions
    inner join scales
        on questions.scale_id = scales.scale_id

)

select * from final
