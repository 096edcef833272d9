-- The design columns of every landed respondent, typed: the stratum (one stratum, '', for
-- a wave that delivered PSUs without strata) and the PSU (the respondent's own key for a
-- wave that delivered strata without PSUs: R survey's ids = ~1). Which waves take their
-- SEs from them is dim_wave.se_method's taylor_strata_psu (int_measure_cell_psu_sums).
with

source as (

    select * from {{ source('raw', 'respondent_design') }}

),

renamed as (

    select
        cast(wave_id as {{ dbt.type_string() }}) as wave_id,
        cast(respondent_key as integer) as respondent_key,
        coalesce(cast(stratum as {{ dbt.type_string() }}), '') as stratum,
        coalesce(
            cast(psu as {{ dbt.type_string() }}),
            cast(respondent_key as {{ dbt.type_string() }})
        ) as psu

    from source

)

select * from renamed
