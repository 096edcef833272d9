-- Respondents with nation and region from their local authority (never from the file),
-- and every breakdown as a text group label.
with

respondents as (

    select * from {{ ref('stg_raw__respondents') }}

),

local_authorities as (

    select
        la_code,
        nation,
        region
    from {{ ref('local_authorities') }}

),

enriched as (

    select
        respondents.wave_id,
        respondents.respondent_id,
        respondents.respondent_key,
        respondents.survey_weight,
        respondents.interview_date,
        respondents.la_code,
        local_authorities.nation,
        local_authorities.region,
        respondents.supergroup,
        cast(respondents.imd_quintile as {{ dbt.type_string() }}) as imd_quintile,
        respondents.urban_rural,
        respondents.age_band,
        respondents.gender

    from respondents
    inner join local_authorities
        on respondents.la_code = local_authorities.la_code

)

select * from enriched
