{{ config(materialized='incremental', unique_key='wave_id') }}

-- Unweighted and weighted counts (and the sum of squared weights) of every answer code of
-- every question per wave and cell (int_cells: one combination of all breakdown columns):
-- the toplines roll these up, and a priority's moments follow from its answers' counts.
-- Cells are kept as their integer id: the rows are written once, narrow, and consumers
-- attach the cell's breakdown columns from int_cells (a few thousand rows).
with

responses as (

    select
        wave_id,
        respondent_key,
        question_code,
        response_code
    from {{ ref('int_responses__asked') }}

),

respondent_cells as (

    select * from {{ ref('int_respondent_cells') }}

),

cell_counts as (

    select
        responses.wave_id,
        responses.question_code,
        responses.response_code,
        respondent_cells.cell_id,
        count(*) as unweighted_count,
        -- sums of exact decimal terms: exact, whatever the order of addition
        sum(respondent_cells.exact_weight) as weighted_count,
        sum(respondent_cells.exact_squared_weight) as squared_weight_sum

    from responses
    inner join respondent_cells
        on
            responses.wave_id = respondent_cells.wave_id
            and responses.respondent_key = respondent_cells.respondent_key
    group by
        responses.wave_id,
        responses.question_code,
        responses.response_code,
        respondent_cells.cell_id

)

select * from cell_counts
