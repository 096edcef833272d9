{{ config(materialized='incremental', unique_key='wave_id') }}

-- Additive weighted moments of every measure per wave and cell, a cell being one
-- combination of all breakdown columns. Any group of any breakdown is a sum of cells,
-- so the respondent-level data is scanned once however many breakdowns are reported.
-- Measures: each mission's respondent scores, and each priority and net (100 for a yes,
-- else 0, so its mean is the weighted % saying yes).
with

mission_scores as (

    select
        wave_id,
        respondent_key,
        mission_id,
        mission_score
    from {{ ref('int_respondent_mission_scores') }}

),

respondent_cells as (

    select * from {{ ref('int_respondent_cells') }}

),

cells as (

    select * from {{ ref('int_cells') }}

),

answer_counts as (

    select * from {{ ref('int_answer_cell_counts') }}

),

indicator_answers as (

    select
        measure_type,
        measure_code,
        question_code,
        response_code,
        counts_as_yes
    from {{ ref('int_codebook__indicator_answers') }}

),

mission_moments_by_cell_id as (

    select
        mission_scores.wave_id,
        'mission' as measure_type,
        cast(mission_scores.mission_id as {{ dbt.type_string() }}) as measure_code,
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
            and mission_scores.respondent_key = respondent_cells.respondent_key
    group by
        mission_scores.wave_id,
        mission_scores.mission_id,
        respondent_cells.cell_id

),

mission_moments as (

    {{ with_cell_breakdowns(
        'mission_moments_by_cell_id',
        keys=['measure_type', 'measure_code'],
        columns=moment_names()
    ) }}

),

-- A priority or a net is a yes/no of one question (int_codebook__indicator_answers):
-- its value is 100 for a yes and 0 for any other answer, so its moments follow exactly
-- from the cell's answer counts, without going back to the answers: sum w y = 100 x
-- (sum w of the yeses), sum w^2 y = 100 x (sum w^2 of the yeses), sum w^2 y^2 =
-- 100^2 x (the same) and sum w y^2 = 100^2 x (sum w of the yeses). The base is every answer to the question.
indicator_moments as (

    select
        answer_counts.wave_id,
        indicator_answers.measure_type,
        indicator_answers.measure_code,
        {{ breakdown_columns('cells') }},
        cast(sum(answer_counts.unweighted_count) as bigint) as unweighted_base,
        sum(answer_counts.weighted_count) as sum_w,
        sum(answer_counts.squared_weight_sum) as sum_w2,
        100 * sum(case when indicator_answers.counts_as_yes then answer_counts.weighted_count else 0 end)
            as sum_wy,
        100 * sum(case when indicator_answers.counts_as_yes then answer_counts.squared_weight_sum else 0 end)
            as sum_w2y,
        10000 * sum(case when indicator_answers.counts_as_yes then answer_counts.squared_weight_sum else 0 end)
            as sum_w2y2,
        10000 * sum(case when indicator_answers.counts_as_yes then answer_counts.weighted_count else 0 end)
            as sum_wy2

    from answer_counts
    inner join indicator_answers
        on
            answer_counts.question_code = indicator_answers.question_code
            and answer_counts.response_code = indicator_answers.response_code
    inner join cells
        on
            answer_counts.wave_id = cells.wave_id
            and answer_counts.cell_id = cells.cell_id
    group by
        answer_counts.wave_id,
        indicator_answers.measure_type,
        indicator_answers.measure_code,
        {{ breakdown_columns('cells') }}

),

cell_moments as (

    select * from mission_moments

    union all

    select * from indicator_moments

)

select * from cell_moments
