{{ config(materialized='incremental', unique_key='wave_id') }}

-- Respondents with their survey weight and the id of their cell (their combination of
-- breakdown columns, numbered in int_cells). A table, incremental per wave, so both
-- cell aggregations share one assignment; the breakdown columns stay in int_cells. The
-- weight is also kept in its wave's weight unit (int_wave_weight_units: scale-free, at
-- most 64), and that scaled weight and its square as exact decimal terms
-- (macros/exact_sum.sql), so the cell aggregations sum columns instead of rounding the
-- weight on every row.
with

respondents as (

    select * from {{ ref('int_respondents__enriched') }}

),

cells as (

    select * from {{ ref('int_cells') }}

),

weight_units as (

    select
        wave_id,
        weight_unit
    from {{ ref('int_wave_weight_units') }}

),

scaled as (

    select
        respondents.*,
        -- on the exact sums' 1e-9 grid, so every sum of it (moments, contributions, bases)
        -- adds the same weights: delivered weights of a few decimals are on it already; a
        -- weight raked at landing (full double precision) is rounded once, here (issue 27)
        cast({{ exact_term('respondents.survey_weight / weight_units.weight_unit') }} as double) as scaled_weight

    from respondents
    inner join weight_units
        on respondents.wave_id = weight_units.wave_id

),

celled as (

    select
        scaled.wave_id,
        scaled.respondent_key,
        scaled.survey_weight,
        scaled.scaled_weight,
        {{ exact_term('scaled.scaled_weight') }} as exact_weight,
        {{ exact_term('scaled.scaled_weight * scaled.scaled_weight') }} as exact_squared_weight,
        cells.cell_id

    from scaled
    inner join cells
        on
            scaled.wave_id = cells.wave_id
            and {{ breakdown_columns_match('scaled', 'cells') }}

)

select * from celled
