with

source as (

    select * from {{ source('raw', 'respondents') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(respondent_id as {{ dbt.type_string() }}) as respondent_id,
        cast(weight as double) as survey_weight,
        cast(interview_date as date) as interview_date,
        cast(la_code as {{ dbt.type_string() }}) as la_code,
        cast(imd_quintile as integer) as imd_quintile,
        cast(urban_rural as {{ dbt.type_string() }}) as urban_rural,
        cast(supergroup as {{ dbt.type_string() }}) as supergroup,
        cast(age_band as {{ dbt.type_string() }}) as age_band,
        cast(gender as {{ dbt.type_string() }}) as gender,
        cast(respondent_key as integer) as respondent_key

    from source

)

select * from renamed
