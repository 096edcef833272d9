{#- Answers whose code the question's scale does not define (or whose question is not in
    the codebook): the data cannot be scored, so the build must stop. -#}
{% test answer_code_defined_by_scale(model, question_code_column='question_code', response_code_column='response_code') %}

with answers as (

    select distinct
        {{ question_code_column }} as question_code,
        {{ response_code_column }} as response_code
    from {{ model }}

),

questions as (

    select question_code, scale_id from {{ ref('questions') }}

),

scale_points as (

    select scale_id, response_code from {{ ref('scale_points') }}

)

select
    answers.question_code,
    answers.response_code
from answers
left join questions
    on answers.question_code = questions.question_code
left join scale_points
    on
        questions.scale_id = scale_points.scale_id
        and answers.response_code = scale_points.response_code
where scale_points.response_code is null

{% endtest %}
