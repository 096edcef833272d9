with

source as (

    select * from {{ source('raw', 'respondents') }}

),

renamed as (

    select
        cast(wave_id as varchar) as wave_id,
        cast(respondent_id as varchar) as respondent_id,
        cast(weight as double) as survey_weight,
        cast(interview_date as date) as interview_date,
        cast(la_code as varchar) as la_code,
        cast(imd_quintile as integer) as imd_quintile,
        cast(urban_rural as varchar) as urban_rural,
        cast(supergroup as varchar) as supergroup,
        cast(age_band as varchar) as age_band,
        cast(gender as varchar) as gender

    from source

)

select * from renamed
