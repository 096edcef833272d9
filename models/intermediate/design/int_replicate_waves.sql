-- The waves whose standard errors come from replicate weights (dim_wave.se_method
-- jk1_raked: made at landing, each replicate raked again; or replicates_delivered), with
-- their number of replicates and variance multiplier. One row per such wave: the design
-- models below read only these waves, so the waves that keep a final weight only pay
-- nothing.
with

weighting_waves as (

    select
        wave_id,
        se_method,
        replicates,
        replicate_method,
        replicate_scale
    from {{ ref('stg_raw__weighting_waves') }}

),

replicate_waves as (

    select
        wave_id,
        se_method,
        replicates,
        replicate_method,
        replicate_scale

    from weighting_waves
    where
        se_method in ('jk1_raked', 'replicates_delivered')
        and replicates > 1

)

select * from replicate_waves
