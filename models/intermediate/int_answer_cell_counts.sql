{{
    config(
        materialized='incremental',
        unique_key='wave_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Unweighted and weighted counts of every answer code of every question per wave and
-- cell (one combination of all breakdown columns); the toplines roll these up.

with

answers as (

    select
        wave_id,
        respondent_id,
        question_code,
        response_code
    from {{ ref('int_responses__scored') }}
    where {{ wave_predicate('wave_id') }}

),

respondents as (

    select * from {{ ref('int_respondents__enriched') }}
    where {{ wave_predicate('wave_id') }}

),

cell_counts as (

    select
        answers.wave_id,
        answers.question_code,
        answers.response_code,
        {{ breakdown_columns('respondents') }},
        count(*) as unweighted_count,
        {{ exact_sum('respondents.survey_weight') }} as weighted_count

    from answers
    inner join respondents
        on
            answers.wave_id = respondents.wave_id
            and answers.respondent_id = respondents.respondent_id
    group by
        answers.wave_id,
        answers.question_code,
        answers.response_code,
        {{ breakdown_columns('respondents') }}

)

select * from cell_counts
