{{ config(materialized='incremental', unique_key='wave_id') }}

-- The wave's respondents: N, the design's sampling units, in the N/(N-1) factor of every
-- domain standard error (macros/survey_statistics.sql). One row a wave.
with

respondent_cells as (

    select
        wave_id,
        respondent_key
    from {{ ref('int_respondent_cells') }}

),

wave_respondents as (

    select
        wave_id,
        count(*) as respondents
    from respondent_cells
    group by wave_id

)

select * from wave_respondents
