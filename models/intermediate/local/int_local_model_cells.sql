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
        respondent_id,
        mission_id,
        mission_score
    from {{ ref('int_respondent_mission_scores') }}
    where {{ wave_scope() }}

),

respondents as (

    select
        wave_id,
        respondent_id,
        la_code,
        region,
        imd_quintile,
        urban_rural
    from {{ ref('int_respondents__enriched') }}
    where {{ wave_scope() }}

),

-- weights in the wave's weight unit (int_wave_weight_units), already exact decimal terms
respondent_weights as (

    select
        wave_id,
        respondent_id,
        scaled_weight,
        exact_weight,
        exact_squared_weight
    from {{ ref('int_respondent_cells') }}
    where {{ wave_scope() }}

),

cells as (

    select
        mission_scores.wave_id,
        mission_scores.mission_id,
        respondents.la_code,
        respondents.region,
        cast(respondents.imd_quintile as integer) as imd_quintile,
        respondents.urban_rural,
        count(*) as respondents,
        cast({{ exact_sum('mission_scores.mission_score') }} as double) as sum_score,
        cast({{ exact_sum('mission_scores.mission_score * mission_scores.mission_score') }} as double)
            as sum_score_sq,
        sum(respondent_weights.exact_weight) as sum_w,
        sum(respondent_weights.exact_squared_weight) as sum_w2,
        {{ exact_sum('respondent_weights.scaled_weight * mission_scores.mission_score') }} as sum_wy,
        {{ exact_sum(
            'respondent_weights.scaled_weight * respondent_weights.scaled_weight'
            ~ ' * mission_scores.mission_score'
        ) }} as sum_w2y,
        {{ exact_sum(
            'respondent_weights.scaled_weight * respondent_weights.scaled_weight'
            ~ ' * mission_scores.mission_score * mission_scores.mission_score'
        ) }} as sum_w2y2

    from mission_scores
    inner join respondents
        on
            mission_scores.wave_id = respondents.wave_id
            and mission_scores.respondent_id = respondents.respondent_id
    inner join respondent_weights
        on
            mission_scores.wave_id = respondent_weights.wave_id
            and mission_scores.respondent_id = respondent_weights.respondent_id
    group by
        mission_scores.wave_id,
        mission_scores.mission_id,
        respondents.la_code,
        respondents.region,
        respondents.imd_quintile,
        respondents.urban_rural

)

select * from cells
