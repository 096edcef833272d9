{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every local authority's index on each mission, per wave: the small-area model's
-- estimate (EBLUP, int_local_eblup) with its root MSE and 95% interval, whether that
-- interval lies wholly above or below the region's published one (fct_mission_index),
-- beside the direct survey estimate and its base, suppressed under
-- var('suppression_threshold') respondents as every mart does. All 361 authorities,
-- sampled or not; the model's columns are null where it is not estimable.
with

eblup as (

    select * from {{ ref('int_local_eblup') }}

),

direct as (

    select * from {{ ref('int_local_direct_estimates') }}

),

regions as (

    select
        wave_id,
        mission_id,
        group_label as region,
        ci_low as region_ci_low,
        ci_high as region_ci_high
    from {{ ref('fct_mission_index') }}
    where breakdown = 'region'

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

joined as (

    select
        eblup.wave_id,
        eblup.la_code,
        local_authorities.la_name,
        local_authorities.region,
        local_authorities.nation,
        cast(eblup.mission_id as integer) as mission_id,
        missions.mission_name,
        cast(coalesce(direct.respondents, 0) as bigint) as respondents,
        direct.direct_estimate as direct_estimate_unsuppressed,
        direct.direct_se as direct_se_unsuppressed,
        eblup.model_estimable,
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

),

final as (

    select
        joined.*,
        {{ is_suppressed('joined.respondents') }} as direct_suppressed,
        case
            when not {{ is_suppressed('joined.respondents') }}
                then joined.direct_estimate_unsuppressed
        end as direct_estimate,
        case
            when not {{ is_suppressed('joined.respondents') }}
                then joined.direct_se_unsuppressed
        end as direct_se,
        case
            when joined.ci_low > regions.region_ci_high then 'above'
            when joined.ci_high < regions.region_ci_low then 'below'
        end as vs_region

    from joined
    left join regions
        on
            joined.wave_id = regions.wave_id
            and joined.mission_id = regions.mission_id
            and joined.region = regions.region

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
    direct_suppressed,
    direct_estimate,
    direct_se,
    model_estimable,
    model_estimate,
    model_rmse,
    ci_low,
    ci_high,
    vs_region
from final
