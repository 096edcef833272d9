{{ config(materialized='incremental', unique_key='wave_id') }}

-- What each question carries of each mission score, summed per wave x breakdown x group.
-- A respondent's mission score is sum_q r_iq p_iq, with p_iq the mission points of their
-- answer to question q and r_iq = the question's weight / the weights of the mission's
-- questions they answered (0 for a question they did not answer). So a group's index,
-- sum_i w_i score_i / sum_i w_i, is exactly sum_q (sum_i w_i r_iq p_iq) / sum_i w_i: the
-- two sums below, per question, decompose it (fct_mission_question_contributions). The
-- weights are the wave's scaled weights (int_wave_weight_units), as in the index's sums.
with

scored_answers as (

    select
        wave_id,
        respondent_key,
        mission_id,
        question_code,
        question_weight,
        mission_points
    from {{ ref('int_respondent_mission_answers') }}

),

-- the weights of the mission's questions each respondent answered (the exact decimal
-- sum, as a double): the denominator of r_iq
answered_weights as (

    select
        wave_id,
        respondent_key,
        mission_id,
        answered_weight
    from {{ ref('int_respondent_mission_scores') }}

),

respondent_cells as (

    select
        wave_id,
        respondent_key,
        scaled_weight,
        cell_id
    from {{ ref('int_respondent_cells') }}

),

cells as (

    select * from {{ ref('int_cells') }}

),

mission_answers as (

    select
        scored_answers.*,
        answered_weights.answered_weight

    from scored_answers
    inner join answered_weights
        on
            scored_answers.wave_id = answered_weights.wave_id
            and scored_answers.respondent_key = answered_weights.respondent_key
            and scored_answers.mission_id = answered_weights.mission_id

),

cell_sums as (

    select
        mission_answers.wave_id,
        mission_answers.mission_id,
        mission_answers.question_code,
        respondent_cells.cell_id,
        count(*) as answered_respondents,
        {{ fine_exact_sum(
            'respondent_cells.scaled_weight * cast(mission_answers.question_weight as double)'
            ~ ' / mission_answers.answered_weight'
        ) }} as sum_wr,
        {{ fine_exact_sum(
            'respondent_cells.scaled_weight * cast(mission_answers.question_weight as double)'
            ~ ' * cast(mission_answers.mission_points as double)'
            ~ ' / mission_answers.answered_weight'
        ) }} as sum_wrp

    from mission_answers
    inner join respondent_cells
        on
            mission_answers.wave_id = respondent_cells.wave_id
            and mission_answers.respondent_key = respondent_cells.respondent_key
    group by
        mission_answers.wave_id,
        mission_answers.mission_id,
        mission_answers.question_code,
        respondent_cells.cell_id

),

celled as (

    {{ with_cell_breakdowns(
        'cell_sums',
        keys=['mission_id', 'question_code'],
        columns=['answered_respondents', 'sum_wr', 'sum_wrp']
    ) }}

),

-- one group by grouping sets (macros/breakdown_rollup.sql), which sqlfluff's duckdb
-- dialect cannot parse: hence the noqa
{%- set question_sums -%}
    cast(sum(answered_respondents) as bigint) as answered_respondents,
    sum(sum_wr) as sum_wr, sum(sum_wrp) as sum_wrp
{%- endset %}
group_sums as (

    {{ breakdown_rollup('celled', ['mission_id', 'question_code'], question_sums) }}  -- noqa: PRS

)

select * from group_sums
