-- Landed waves in order, each with the wave before it (the comparison for change since
-- the previous wave) and its fieldwork window and sample.
with

respondents as (

    select * from {{ ref('stg_raw__respondents') }}

),

waves as (

    select
        wave_id,
        min(interview_date) as fieldwork_start,
        max(interview_date) as fieldwork_end,
        count(*) as respondents,
        cast({{ exact_sum('survey_weight') }} as double) as weighted_base,
        cast({{ exact_sum('survey_weight * survey_weight') }} as double) as sum_w2

    from respondents
    group by wave_id

),

sequenced as (

    select
        wave_id,
        fieldwork_start,
        fieldwork_end,
        respondents,
        weighted_base,
        row_number() over (order by wave_id) as wave_number,
        lag(wave_id) over (order by wave_id) as previous_wave_id,
        weighted_base * weighted_base / sum_w2 as effective_base

    from waves

)

select * from sequenced
