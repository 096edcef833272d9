with

source as (

    select * from {{ source('raw', 'weighting_margins') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(variable as {{ dbt.type_string() }}) as target_variable,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(target_share as double) as target_share,
        cast(respondents as bigint) as respondents,
        cast(unweighted_share as double) as unweighted_share,
        cast(design_weighted_share as double) as design_weighted_share,
        cast(weighted_share as double) as weighted_share

    from source

)

select * from renamed
