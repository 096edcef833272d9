{{ config(materialized='incremental', unique_key='wave_id') }}

-- The direct estimate of each sampled local authority's mission index: the survey-weighted
-- mean of its respondents' scores with its domain Taylor SE on the full wave design (N in
-- N/(N-1) the wave's respondents, as R survey::svyby gives; null under two respondents),
-- from the centred residual sum w^2 (y - m)^2 (int_local_model_cells), exact for an
-- authority of a few nearly equal scores.
with

model_cells as (

    select * from {{ ref('int_local_model_cells') }}

),

wave_sizes as (

    select
        wave_id,
        respondents as wave_respondents
    from {{ ref('int_wave_respondents') }}

),

authority_moments as (

    select
        wave_id,
        mission_id,
        la_code,
        cast(sum(respondents) as bigint) as respondents,
        cast(sum(sum_w) as double) as sum_w,
        cast(sum(sum_wy) as double) as sum_wy,
        cast(sum(sum_w2_dev2) as double) as sum_w2_dev2

    from model_cells
    group by wave_id, mission_id, la_code

),

with_means as (

    select
        authority_moments.wave_id,
        authority_moments.mission_id,
        authority_moments.la_code,
        authority_moments.respondents,
        wave_sizes.wave_respondents,
        authority_moments.sum_w,
        authority_moments.sum_w2_dev2,
        authority_moments.sum_wy / nullif(authority_moments.sum_w, 0) as direct_estimate

    from authority_moments
    inner join wave_sizes
        on authority_moments.wave_id = wave_sizes.wave_id

),

final as (

    select
        wave_id,
        mission_id,
        la_code,
        respondents,
        direct_estimate,
        {{ taylor_standard_error_of_residual(
            'respondents', 'wave_respondents', 'sum_w', 'sum_w2_dev2'
        ) }} as direct_se

    from with_means

)

select * from final
