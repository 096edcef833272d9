with

source as (

    select * from {{ source('raw', 'replicate_weights') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(respondent_key as integer) as respondent_key,
        cast(replicate as integer) as replicate,
        cast(weight as double) as replicate_weight

    from source

)

select * from renamed
