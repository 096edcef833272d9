-- Measures that are a yes/no of one question, as a lookup of every answer code of the
-- question's scale and whether it counts as yes (value 100) or no (value 0): a priority
-- (chosen, code 1) and every net of the codebook (its answers in net_answers) on every
-- question of the net's scale. The base of such a measure is everyone who gave the
-- question any answer, as in the toplines. Built from the codebook seeds only.
with

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
        response_code
    from {{ ref('scale_points') }}

),

nets as (

    select
        net_code,
        scale_id
    from {{ ref('nets') }}

),

net_answers as (

    select
        net_code,
        response_code
    from {{ ref('net_answers') }}

),

priority_answers as (

    select
        'priority' as measure_type,
        questions.question_code as measure_code,
        questions.question_code,
        cast(null as {{ dbt.type_string() }}) as net_code,
        scale_points.response_code,
        scale_points.response_code = 1 as counts_as_yes

    from questions
    inner join scale_points
        on questions.scale_id = scale_points.scale_id
    where questions.question_group = 'priority'

),

net_question_answers as (

    select
        'net' as measure_type,
        questions.question_code || ':' || nets.net_code as measure_code,
        questions.question_code,
        nets.net_code,
        scale_points.response_code,
        net_answers.response_code is not null as counts_as_yes

    from nets
    inner join questions
        on nets.scale_id = questions.scale_id
    inner join scale_points
        on nets.scale_id = scale_points.scale_id
    left join net_answers
        on
            nets.net_code = net_answers.net_code
            and scale_points.response_code = net_answers.response_code

),

indicator_answers as (

    select * from priority_answers

    union all

    select * from net_question_answers

)

select * from indicator_answers
