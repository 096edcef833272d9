-- How each wave was weighted and how its standard errors are to be made: one row per wave,
-- joinable to dim_wave on wave_id (the columns dim_wave will carry after the core merge).
with

weighting as (

    select * from {{ ref('stg_raw__weighting_waves') }}

),

final as (

    select
        wave_id,
        weighting_method,
        design_weight_source,
        raking_iterations,
        raking_converged,
        raking_tolerance,
        kish_efficiency,
        min_weight,
        max_weight,
        weight_cap,
        weights_capped,
        se_method,
        replicates,
        replicate_method,
        replicate_scale

    from weighting

)

select * from final
