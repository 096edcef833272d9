-- Every group with a base on a question has one topline row for every answer of the
-- question's scale (0 where nobody gave it). Returns each group and question that has
-- more or fewer rows.
with

toplines as (

    select
        wave_id,
        breakdown,
        group_label,
        question_code,
        count(*) as answers

    from {{ ref('fct_question_toplines') }}
    group by wave_id, breakdown, group_label, question_code

),

scale_sizes as (

    select
        questions.question_code,
        count(*) as scale_answers

    from {{ ref('questions') }} as questions
    inner join {{ ref('scale_points') }} as scale_points
        on questions.scale_id = scale_points.scale_id
    group by questions.question_code

)

select
    toplines.wave_id,
    toplines.breakdown,
    toplines.group_label,
    toplines.question_code,
    toplines.answers,
    scale_sizes.scale_answers

from toplines
left join scale_sizes
    on toplines.question_code = scale_sizes.question_code
where scale_sizes.scale_answers is null or toplines.answers <> scale_sizes.scale_answers
