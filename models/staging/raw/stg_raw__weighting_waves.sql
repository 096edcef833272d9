with

source as (

    select * from {{ source('raw', 'weighting_waves') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(method as {{ dbt.type_string() }}) as weighting_method,
        cast(design_weight_source as {{ dbt.type_string() }}) as design_weight_source,
        cast(iterations as integer) as raking_iterations,
        cast(converged as boolean) as raking_converged,
        cast(tolerance as double) as raking_tolerance,
        cast(kish_efficiency as double) as kish_efficiency,
        cast(min_weight as double) as min_weight,
        cast(max_weight as double) as max_weight,
        cast(weight_cap as double) as weight_cap,
        cast(weights_capped as integer) as weights_capped,
        cast(se_method as {{ dbt.type_string() }}) as se_method,
        cast(replicates as integer) as replicates,
        cast(replicate_method as {{ dbt.type_string() }}) as replicate_method,
        cast(replicate_scale as double) as replicate_scale

    from source

)

select * from renamed
