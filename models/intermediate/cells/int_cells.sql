{{ config(materialized='incremental', unique_key='wave_id') }}

-- The cells of each wave: every combination of breakdown columns that respondents fall
-- in, numbered within the wave. Cell aggregations group answers by this small integer
-- id (much cheaper than grouping by all the breakdown columns) and attach the cell's
-- columns afterwards. Numbering the few thousand distinct combinations, then joining
-- respondents to them, is cheaper than ranking every respondent.
with

respondents as (

    select * from {{ ref('int_respondents__enriched') }}

),

combinations as (

    select distinct
        wave_id,
        {{ breakdown_columns() }}
    from respondents

),

cells as (

    select
        wave_id,
        row_number() over (
            partition by wave_id
            order by {{ breakdown_columns() | replace('\n        ', ' ') }}
        ) as cell_id,
        {{ breakdown_columns() }}

    from combinations

)

select * from cells
