with

source as (

    select * from {{ source('raw', 'keyed_responses') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(respondent_key as integer) as respondent_key,
        cast(question_code as {{ dbt.type_string() }}) as question_code,
        cast(response_code as integer) as response_code

    from source

)

select * from renamed
