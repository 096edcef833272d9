{{ config(materialized='incremental', unique_key='wave_id') }}

-- Respondents with their survey weight and the id of their cell (their combination of
-- breakdown columns, numbered in int_cells). A table, incremental per wave, so both
-- cell aggregations share one assignment; the breakdown columns stay in int_cells. The
-- weight and its square are also kept as exact decimal terms (macros/exact_sum.sql), so
-- the cell aggregations sum columns instead of rounding the weight on every row.
with

respondents as (

    select * from {{ ref('int_respondents__enriched') }}
    where {{ wave_predicate('wave_id') }}

),

cells as (

    select * from {{ ref('int_cells') }}
    where {{ wave_predicate('wave_id') }}

),

celled as (

    select
        respondents.wave_id,
        respondents.respondent_id,
        respondents.survey_weight,
        {{ exact_term('respondents.survey_weight') }} as exact_weight,
        {{ exact_term('respondents.survey_weight * respondents.survey_weight') }} as exact_squared_weight,
        cells.cell_id

    from respondents
    inner join cells
        on
            respondents.wave_id = cells.wave_id
            and {{ breakdown_columns_match('respondents', 'cells') }}

)

select * from celled
