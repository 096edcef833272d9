-- A mission has a trend break in a wave when the set of questions that scored it differs
-- from the previous wave's (a question dropped or added): the change between the two
-- waves is then partly a questionnaire change, not only a shift in opinion.
with

fielded as (

    select * from {{ ref('int_wave_mission_questions') }}

),

waves as (

    select
        wave_id,
        previous_wave_id
    from {{ ref('int_waves') }}

),

current_questions as (

    select
        fielded.wave_id,
        waves.previous_wave_id,
        fielded.mission_id,
        fielded.question_code

    from fielded
    inner join waves
        on fielded.wave_id = waves.wave_id

),

compared as (

    select
        current_questions.wave_id,
        current_questions.previous_wave_id,
        current_questions.mission_id,
        count(*) as current_questions,
        count(previous_questions.question_code) as shared_questions

    from current_questions
    left join fielded as previous_questions
        on
            current_questions.previous_wave_id = previous_questions.wave_id
            and current_questions.mission_id = previous_questions.mission_id
            and current_questions.question_code = previous_questions.question_code
    group by
        current_questions.wave_id,
        current_questions.previous_wave_id,
        current_questions.mission_id

),

previous_counts as (

    select
        wave_id,
        mission_id,
        count(*) as previous_questions

    from fielded
    group by wave_id, mission_id

),

trend_breaks as (

    select
        compared.wave_id,
        compared.mission_id,
        compared.current_questions,
        compared.shared_questions,
        coalesce(previous_counts.previous_questions, 0) as previous_questions,
        compared.previous_wave_id is not null
        and (
            compared.current_questions <> compared.shared_questions
            or coalesce(previous_counts.previous_questions, 0) <> compared.shared_questions
        ) as trend_break

    from compared
    left join previous_counts
        on
            compared.previous_wave_id = previous_counts.wave_id
            and compared.mission_id = previous_counts.mission_id

)

select * from trend_breaks
