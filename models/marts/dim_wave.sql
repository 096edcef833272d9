-- Landed waves: fieldwork window, sample, the previous wave and the file it came from.
with

waves as (

    select * from {{ ref('int_waves') }}

),

landings as (

    select * from {{ ref('stg_raw__landing_log') }}

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
        latest_landing.file_name as source_file,
        latest_landing.file_sha256 as source_sha256,
        latest_landing.answers,
        latest_landing.landed_at,
        latest_landing.validation_outcome

    from waves
    left join latest_landing
        on
            waves.wave_id = latest_landing.wave_id
            and latest_landing.landing_recency = 1

)

select * from final
