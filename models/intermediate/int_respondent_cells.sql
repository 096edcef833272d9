{{
    config(
        materialized='incremental',
        unique_key='wave_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}

-- Respondents with a cell id: the dense rank of their combination of breakdown columns
-- within the wave. Aggregating answers by a small integer cell id, then attaching the
-- cell's breakdown columns, is much cheaper than grouping by all of them. A table (one
-- row a respondent, incremental per wave), so both cell aggregations share one ranking.
with

respondents as (

    select * from {{ ref('int_respondents__enriched') }}
    where {{ wave_predicate('wave_id') }}

),

celled as (

    select
        wave_id,
        respondent_id,
        survey_weight,
        {{ breakdown_columns() }},
        dense_rank() over (
            partition by wave_id
            order by {{ breakdown_columns() | replace('\n        ', ' ') }}
        ) as cell_id

    from respondents

)

select * from celled
