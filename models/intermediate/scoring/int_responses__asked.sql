-- The answers the codebook scores: those to a question the wave's questionnaire carries
-- (its first_wave..last_wave in the questions seed). A codebook edit takes effect on the
-- next build, also for waves landed before it; the answers left out are counted in
-- int_responses__left_out.
with

responses as (

    select
        wave_id,
        respondent_key,
        question_code,
        response_code
    from {{ ref('stg_raw__responses') }}

),

questions as (

    select
        question_code,
        first_wave,
        last_wave
    from {{ ref('questions') }}

),

asked as (

    select
        responses.wave_id,
        responses.respondent_key,
        responses.question_code,
        responses.response_code

    from responses
    inner join questions
        on responses.question_code = questions.question_code
    where {{ asked_in_wave('responses.wave_id', 'questions.first_wave', 'questions.last_wave') }}

)

select * from asked
