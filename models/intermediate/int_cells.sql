{{
    config(
        materialized='incremental',
        unique_key='wave_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- The cells of each wave: every combination of breakdown columns that respondents fall
-- in, with its cell id. Cell aggregations group by the id and attach these columns.
with

respondent_cells as (

    select * from {{ ref('int_respondent_cells') }}
    where {{ wave_predicate('wave_id') }}

),

cells as (

    select distinct
        wave_id,
        cell_id,
        {{ breakdown_columns() }}
    from respondent_cells

)

select * from cells
