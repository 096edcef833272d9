{{ config(materialized='incremental', unique_key='wave_id') }}

-- The small-area model's fit per wave x mission: its variance components, fixed effects
-- and the sample it was fitted on (the rows of int_local_eblup repeat them per authority),
-- the levels dropped or merged for want of respondents, and why a fit was refused.
with

eblup as (

    select * from {{ ref('int_local_eblup') }}

),

missions as (

    select
        mission_id,
        mission_name
    from {{ ref('missions') }}

),

fits as (

    select distinct
        wave_id,
        mission_id,
        fit_respondents,
        areas_sampled,
        sigma_u,
        sigma_e,
        fixed_effects,
        levels_dropped,
        levels_merged,
        not_estimable_reason,
        estimand
    from eblup

),

final as (

    select
        fits.wave_id,
        missions.mission_name,
        fits.sigma_u,
        fits.sigma_e,
        fits.fixed_effects,
        fits.levels_dropped,
        fits.levels_merged,
        fits.not_estimable_reason,
        fits.estimand,
        cast(fits.mission_id as integer) as mission_id,
        cast(fits.fit_respondents as bigint) as respondents,
        cast(fits.areas_sampled as integer) as areas_sampled,
        fits.not_estimable_reason is null as fitted,
        fits.sigma_u * fits.sigma_u / (fits.sigma_u * fits.sigma_u + fits.sigma_e * fits.sigma_e)
            as intraclass_correlation

    from fits
    inner join missions
        on fits.mission_id = missions.mission_id

)

select
    wave_id,
    mission_id,
    mission_name,
    respondents,
    areas_sampled,
    sigma_u,
    sigma_e,
    intraclass_correlation,
    fixed_effects,
    fitted,
    levels_dropped,
    levels_merged,
    not_estimable_reason,
    estimand
from final
