{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every measure's replicate sums per wave, cell and replicate, for the waves with
-- replicate weights (int_replicate_waves): the sum of the replicate weights of the cell's
-- respondents with a value and the sum of replicate weight x value. A group's replicate
-- estimate is the ratio of its cells' sums, as its full-sample estimate is the ratio of
-- its cells' moments (int_measure_cell_moments). Measures as there: each mission's
-- respondent scores, and each priority and net as 100 for a yes, else 0, over the
-- respondents who answered the question.
with

replicate_waves as (

    select wave_id from {{ ref('int_replicate_waves') }}

),

mission_scores as (

    select
        wave_id,
        respondent_key,
        mission_id,
        mission_score
    from {{ ref('int_respondent_mission_scores') }}

),

responses as (

    select
        wave_id,
        respondent_key,
        question_code,
        response_code
    from {{ ref('int_responses__asked') }}

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

respondent_cells as (

    select
        wave_id,
        respondent_key,
        cell_id
    from {{ ref('int_respondent_cells') }}

),

replicate_weights as (

    select
        wave_id,
        respondent_key,
        replicate,
        replicate_weight
    from {{ ref('stg_raw__replicate_weights') }}

),

-- each respondent's value of each measure, in the replicate waves only
measure_values as (

    {{ design_measure_values('replicate_waves') }}

),

celled_values as (

    select
        measure_values.wave_id,
        measure_values.respondent_key,
        measure_values.measure_type,
        measure_values.measure_code,
        measure_values.measure_value,
        respondent_cells.cell_id

    from measure_values
    inner join respondent_cells
        on
            measure_values.wave_id = respondent_cells.wave_id
            and measure_values.respondent_key = respondent_cells.respondent_key

),

replicate_sums as (

    select
        celled_values.wave_id,
        celled_values.measure_type,
        celled_values.measure_code,
        celled_values.cell_id,
        replicate_weights.replicate,
        sum(replicate_weights.replicate_weight) as sum_rw,
        sum(replicate_weights.replicate_weight * celled_values.measure_value) as sum_rwy

    from celled_values
    inner join replicate_weights
        on
            celled_values.wave_id = replicate_weights.wave_id
            and celled_values.respondent_key = replicate_weights.respondent_key
    group by
        celled_values.wave_id,
        celled_values.measure_type,
        celled_values.measure_code,
        celled_values.cell_id,
        replicate_weights.replicate

)

select * from replicate_sums
