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

respondent_cells as (

    select * from {{ ref('int_respondent_cells') }}
    where {{ wave_predicate('wave_id') }}

),

cells as (

    select * from {{ ref('int_cells') }}
    where {{ wave_predicate('wave_id') }}

),

moments_by_cell_id as (

    select
        measures.wave_id,
        measures.measure_type,
        measures.measure_code,
        respondent_cells.cell_id,
        {{ weighted_moments('respondent_cells.survey_weight', 'measures.measure_value') }}

    from measures
    inner join respondent_cells
        on
            measures.wave_id = respondent_cells.wave_id
            and measures.respondent_id = respondent_cells.respondent_id
    group by
        measures.wave_id,
        measures.measure_type,
        measures.measure_code,
        respondent_cells.cell_id

),

cell_moments as (

    select
        moments_by_cell_id.wave_id,
        moments_by_cell_id.measure_type,
        moments_by_cell_id.measure_code,
        {{ breakdown_columns('cells') }},
        moments_by_cell_id.unweighted_base,
        moments_by_cell_id.sum_w,
        moments_by_cell_id.sum_w2,
        moments_by_cell_id.sum_wy,
        moments_by_cell_id.sum_w2y,
        moments_by_cell_id.sum_w2y2

    from moments_by_cell_id
    inner join cells
        on
            moments_by_cell_id.wave_id = cells.wave_id
            and moments_by_cell_id.cell_id = cells.cell_id

)

select * from cell_moments
