{{ config(materialized='incremental', unique_key='wave_id') }}

-- Sufficient statistics of the local-authority model and of the direct estimates, per
-- wave x mission x local authority x deprivation quintile x urban/rural: respondents with
-- a score, the unweighted sum and sum of squares of their scores (all the REML fit of
-- int_local_eblup needs) and the weighted moments of the direct estimate. At most
-- 12 x 2,618 rows a wave, however many respondents.
with

mission_scores as (

    select
        wave_id,
        respondent_key,
        mission_id,
        mission_score
    from {{ ref('int_respondent_mission_scores') }}

),

respondents as (

    select
        wave_id,
        respondent_key,
        la_code,
        region,
        imd_quintile,
        urban_rural
    from {{ ref('int_respondents__enriched') }}

),

-- weights in the wave's weight unit (int_wave_weight_units), already exact decimal terms
respondent_weights as (

    select
        wave_id,
        respondent_key,
        scaled_weight,
        exact_weight
    from {{ ref('int_respondent_cells') }}

),

scored as (

    select
        mission_scores.wave_id,
        mission_scores.mission_id,
        respondents.la_code,
        respondents.region,
        cast(respondents.imd_quintile as integer) as imd_quintile,
        respondents.urban_rural,
        mission_scores.mission_score,
        respondent_weights.scaled_weight,
        respondent_weights.exact_weight,
        {{ exact_term('respondent_weights.scaled_weight * mission_scores.mission_score') }} as exact_wy

    from mission_scores
    inner join respondents
        on
            mission_scores.wave_id = respondents.wave_id
            and mission_scores.respondent_key = respondents.respondent_key
    inner join respondent_weights
        on
            mission_scores.wave_id = respondent_weights.wave_id
            and mission_scores.respondent_key = respondent_weights.respondent_key

),

-- each score's deviation from its authority's weighted mean (the direct estimate, from
-- the same exact sums int_local_direct_estimates takes it from): the centred terms of
-- the direct estimate's Taylor SE (macros/survey_statistics.sql)
centred as (

    select
        *,
        mission_score
        - cast(sum(exact_wy) over authority as double)
        / cast(sum(exact_weight) over authority as double) as deviation

    from scored
    window authority as (partition by wave_id, mission_id, la_code)

),

cells as (

    select
        wave_id,
        mission_id,
        la_code,
        region,
        imd_quintile,
        urban_rural,
        count(*) as respondents,
        cast({{ exact_sum('mission_score') }} as double) as sum_score,
        cast({{ exact_sum('mission_score * mission_score') }} as double) as sum_score_sq,
        sum(exact_weight) as sum_w,
        sum(exact_wy) as sum_wy,
        {{ exact_sum('scaled_weight * scaled_weight * deviation * deviation') }} as sum_w2_dev2

    from centred
    group by
        wave_id,
        mission_id,
        la_code,
        region,
        imd_quintile,
        urban_rural

)

select * from cells
