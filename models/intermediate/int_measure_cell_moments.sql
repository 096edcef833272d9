{{
    config(
        materialized='incremental',
        unique_key='wave_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Additive weighted moments of every measure per wave and cell, a cell being one
-- combination of all breakdown columns. Any group of any breakdown is a sum of cells,
-- so the respondent-level data is scanned once however many breakdowns are reported.

with

measures as (

    select * from {{ ref('int_respondent_measures') }}
    where {{ wave_predicate('wave_id') }}

),

respondents as (

    select * from {{ ref('int_respondents__enriched') }}
    where {{ wave_predicate('wave_id') }}

),

measures_by_respondent as (

    select
        measures.wave_id,
        measures.measure_type,
        measures.measure_code,
        {{ breakdown_columns('respondents') }},
        respondents.survey_weight,
        measures.measure_value

    from measures
    inner join respondents
        on
            measures.wave_id = respondents.wave_id
            and measures.respondent_id = respondents.respondent_id

),

cell_moments as (

    select
        wave_id,
        measure_type,
        measure_code,
        {{ breakdown_columns() }},
        {{ weighted_moments('survey_weight', 'measure_value') }}

    from measures_by_respondent
    group by
        wave_id,
        measure_type,
        measure_code,
        {{ breakdown_columns() }}

)

select * from cell_moments
