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

responses as (

    select
        wave_id,
        respondent_id,
        question_code,
        response_code
    from {{ ref('stg_raw__responses') }}
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

counts_by_cell_id as (

    select
        responses.wave_id,
        responses.question_code,
        responses.response_code,
        respondent_cells.cell_id,
        count(*) as unweighted_count,
        {{ exact_sum('respondent_cells.survey_weight') }} as weighted_count

    from responses
    inner join respondent_cells
        on
            responses.wave_id = respondent_cells.wave_id
            and responses.respondent_id = respondent_cells.respondent_id
    group by
        responses.wave_id,
        responses.question_code,
        responses.response_code,
        respondent_cells.cell_id

),

cell_counts as (

    select
        counts_by_cell_id.wave_id,
        counts_by_cell_id.question_code,
        counts_by_cell_id.response_code,
        {{ breakdown_columns('cells') }},
        counts_by_cell_id.unweighted_count,
        counts_by_cell_id.weighted_count

    from counts_by_cell_id
    inner join cells
        on
            counts_by_cell_id.wave_id = cells.wave_id
            and counts_by_cell_id.cell_id = cells.cell_id

)

select * from cell_counts
