{{ config(materialized='incremental', unique_key='wave_id') }}

-- Additive weighted moments of every measure per wave and cell, a cell being one
-- combination of all breakdown columns. Any group of any breakdown is a sum of cells,
-- so the respondent-level data is scanned once however many breakdowns are reported.
-- Measures: each mission's respondent scores, and each priority (100 if chosen, else 0,
-- so its mean is the weighted % choosing it).
with

mission_scores as (

    select
        wave_id,
        respondent_id,
        mission_id,
        mission_score
    from {{ ref('int_respondent_mission_scores') }}
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

answer_counts as (

    select * from {{ ref('int_answer_cell_counts') }}
    where {{ wave_predicate('wave_id') }}

),

priority_questions as (

    select question_code
    from {{ ref('questions') }}
    where question_group = 'priority'

),

mission_moments_by_cell_id as (

    select
        mission_scores.wave_id,
        mission_scores.mission_id,
        respondent_cells.cell_id,
        {{ weighted_moments(
            'respondent_cells.scaled_weight',
            'mission_scores.mission_score',
            'respondent_cells.exact_weight',
            'respondent_cells.exact_squared_weight'
        ) }}

    from mission_scores
    inner join respondent_cells
        on
            mission_scores.wave_id = respondent_cells.wave_id
            and mission_scores.respondent_id = respondent_cells.respondent_id
    group by
        mission_scores.wave_id,
        mission_scores.mission_id,
        respondent_cells.cell_id

),

mission_moments as (

    select
        mission_moments_by_cell_id.wave_id,
        'mission' as measure_type,
        cast(mission_moments_by_cell_id.mission_id as varchar) as measure_code,
        {{ breakdown_columns('cells') }},
        mission_moments_by_cell_id.unweighted_base,
        mission_moments_by_cell_id.sum_w,
        mission_moments_by_cell_id.sum_w2,
        mission_moments_by_cell_id.sum_wy,
        mission_moments_by_cell_id.sum_w2y,
        mission_moments_by_cell_id.sum_w2y2

    from mission_moments_by_cell_id
    inner join cells
        on
            mission_moments_by_cell_id.wave_id = cells.wave_id
            and mission_moments_by_cell_id.cell_id = cells.cell_id

),

-- A priority's value is 100 for a respondent choosing it (code 1) and 0 otherwise, so
-- its moments follow exactly from the cell's answer counts, without going back to the
-- answers: sum w y = 100 x (sum w of those choosing it), sum w^2 y = 100 x (sum w^2 of
-- those choosing it) and sum w^2 y^2 = 100^2 x (the same).
priority_moments as (

    select
        answer_counts.wave_id,
        'priority' as measure_type,
        answer_counts.question_code as measure_code,
        {{ breakdown_columns('cells') }},
        cast(sum(answer_counts.unweighted_count) as bigint) as unweighted_base,
        sum(answer_counts.weighted_count) as sum_w,
        sum(answer_counts.squared_weight_sum) as sum_w2,
        100 * sum(case when answer_counts.response_code = 1 then answer_counts.weighted_count else 0 end)
            as sum_wy,
        100 * sum(case when answer_counts.response_code = 1 then answer_counts.squared_weight_sum else 0 end)
            as sum_w2y,
        10000 * sum(case when answer_counts.response_code = 1 then answer_counts.squared_weight_sum else 0 end)
            as sum_w2y2

    from answer_counts
    inner join priority_questions
        on answer_counts.question_code = priority_questions.question_code
    inner join cells
        on
            answer_counts.wave_id = cells.wave_id
            and answer_counts.cell_id = cells.cell_id
    group by
        answer_counts.wave_id,
        answer_counts.question_code,
        {{ breakdown_columns('cells') }}

),

cell_moments as (

    select * from mission_moments

    union all

    select * from priority_moments

)

select * from cell_moments
