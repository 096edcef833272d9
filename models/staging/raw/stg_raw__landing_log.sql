with

source as (

    select * from {{ source('raw', 'landing_log') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(file_name as {{ dbt.type_string() }}) as file_name,
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(file_format as {{ dbt.type_string() }}) as file_format,
        cast(respondents as bigint) as respondents,
        cast(answers as bigint) as answers,
        cast(questions as integer) as questions,
        cast(landed_at as timestamp) as landed_at,
        cast(validation_outcome as {{ dbt.type_string() }}) as validation_outcome,
        cast(validation_report as {{ dbt.type_string() }}) as validation_report,
        cast(replaced_previous as boolean) as replaced_previous

    from source

)

select * from renamed
