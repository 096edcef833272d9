{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every measure's sums per wave, cell, stratum and primary sampling unit, in the waves
-- whose SEs come from delivered strata and PSUs (stg_raw__respondent_design): the sum of
-- the (scaled) weights of the cell's respondents in the PSU with a value, and of weight x
-- value, with the stratum's PSUs in the wave (n_h). A group's sums per PSU are sums of
-- its cells', from which its linearised values per PSU follow
-- (int_measure_group_psu_residuals). Measures as in
-- int_measure_cell_moments (macros/design_measure_values.sql).
with

respondent_design as (

    select
        wave_id,
        respondent_key,
        stratum,
        psu
    from {{ ref('stg_raw__respondent_design') }}

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
        cell_id,
        scaled_weight
    from {{ ref('int_respondent_cells') }}

),

weighting_waves as (

    select
        wave_id,
        se_method
    from {{ ref('stg_raw__weighting_waves') }}

),

design_waves as (

    select wave_id from weighting_waves
    where se_method = 'taylor_strata_psu'

),

-- n_h: every PSU of the stratum in the wave, whether a cell has respondents in it or not
design_strata as (

    select
        wave_id,
        stratum,
        count(distinct psu) as stratum_psus
    from respondent_design
    group by
        wave_id,
        stratum

),

-- each respondent's value of each measure, in the waves with strata and PSUs only
measure_values as (

    {{ design_measure_values('design_waves') }}

),

psu_sums as (

    select
        measure_values.wave_id,
        measure_values.measure_type,
        measure_values.measure_code,
        respondent_cells.cell_id,
        respondent_design.stratum,
        respondent_design.psu,
        design_strata.stratum_psus,
        sum(respondent_cells.scaled_weight) as sum_w,
        sum(respondent_cells.scaled_weight * measure_values.measure_value) as sum_wy

    from measure_values
    inner join respondent_cells
        on
            measure_values.wave_id = respondent_cells.wave_id
            and measure_values.respondent_key = respondent_cells.respondent_key
    inner join respondent_design
        on
            measure_values.wave_id = respondent_design.wave_id
            and measure_values.respondent_key = respondent_design.respondent_key
    inner join design_strata
        on
            respondent_design.wave_id = design_strata.wave_id
            and respondent_design.stratum = design_strata.stratum
    group by
        measure_values.wave_id,
        measure_values.measure_type,
        measure_values.measure_code,
        respondent_cells.cell_id,
        respondent_design.stratum,
        respondent_design.psu,
        design_strata.stratum_psus

)

select * from psu_sums
