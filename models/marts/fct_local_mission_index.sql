{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every local authority's index on each mission, per wave: the small-area model's
-- estimate (EBLUP, int_local_eblup) with its root MSE and 95% interval, beside the direct
-- survey estimate and its base. All 361 authorities, sampled or not.
with

eblup as (

    select * from {{ ref('int_local_eblup') }}

),

direct as (

    select * from {{ ref('int_local_direct_estimates') }}

),

local_authorities as (

    select
        la_code,
        la_name,
        nation,
        region
    from {{ ref('local_authorities') }}

),

missions as (

    select
        mission_id,
        mission_name
    from {{ ref('missions') }}

),

final as (

    select
        eblup.wave_id,
        eblup.la_code,
        local_authorities.la_name,
        local_authorities.region,
        local_authorities.nation,
        cast(eblup.mission_id as integer) as mission_id,
        missions.mission_name,
        cast(coalesce(direct.respondents, 0) as bigint) as respondents,
        direct.direct_estimate,
        direct.direct_se,
        eblup.model_estimate,
        eblup.model_rmse,
        {{ confidence_interval('eblup.model_estimate', 'eblup.model_rmse') }}

    from eblup
    inner join local_authorities
        on eblup.la_code = local_authorities.la_code
    inner join missions
        on eblup.mission_id = missions.mission_id
    left join direct
        on
            eblup.wave_id = direct.wave_id
            and eblup.mission_id = direct.mission_id
            and eblup.la_code = direct.la_code

)

select
    wave_id,
    la_code,
    la_name,
    region,
    nation,
    mission_id,
    mission_name,
    respondents,
    direct_estimate,
    direct_se,
    model_estimate,
    model_rmse,
    ci_low,
    ci_high
from final
