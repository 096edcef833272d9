-- Per wave and question, the landed answers the build does not score because the wave's
-- questionnaire no longer (or not yet) carries the question: `lui build` reports them.
with

responses as (

    select
        wave_id,
        question_code
    from {{ ref('stg_raw__responses') }}

),

questions as (

    select
        question_code,
        first_wave,
        last_wave
    from {{ ref('questions') }}

),

left_out as (

    select
        responses.wave_id,
        responses.question_code,
        questions.first_wave,
        questions.last_wave,
        count(*) as answers_left_out

    from responses
    inner join questions
        on responses.question_code = questions.question_code
    where not ({{ asked_in_wave('responses.wave_id', 'questions.first_wave', 'questions.last_wave') }})
    group by
        responses.wave_id,
        responses.question_code,
        questions.first_wave,
        questions.last_wave

)

select * from left_out
