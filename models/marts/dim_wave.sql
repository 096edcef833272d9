-- Landed waves: fieldwork window, sample, the previous wave and the file it came from,
-- how much the weights cost (Kish's design effect), and how its standard errors are made
-- (se_method, from the weighting at landing).
with

waves as (

    select * from {{ ref('int_waves') }}

),

landings as (

    select * from {{ ref('stg_raw__landing_log') }}

),

weighting as (

    select
        wave_id,
        se_method
    from {{ ref('stg_raw__weighting_waves') }}

),

latest_landing as (

    select
        *,
        row_number() over (partition by wave_id order by landed_at desc) as landing_recency

    from landings

),

final as (

    select
        waves.wave_id,
        waves.wave_number,
        waves.previous_wave_id,
        waves.fieldwork_start,
        waves.fieldwork_end,
        waves.respondents,
        {{ published_base('waves.weighted_base', 'waves.base_scale') }} as weighted_base,
        {{ published_base('waves.effective_base') }} as effective_base,
        -- Kish's design effect of the weights: respondents over the effective base
        waves.respondents / nullif(waves.effective_base, 0) as weighting_design_effect,
        latest_landing.file_name as source_file,
        latest_landing.file_sha256 as source_sha256,
        latest_landing.answers,
        latest_landing.landed_at,
        latest_landing.validation_outcome,
        -- a wave landed before weighting was recorded kept its delivered weights only
        coalesce(weighting.se_method, 'taylor_weights') as se_method

    from waves
    left join latest_landing
        on
            waves.wave_id = latest_landing.wave_id
            and latest_landing.landing_recency = 1
    left join weighting
        on waves.wave_id = weighting.wave_id

)

select * from final
