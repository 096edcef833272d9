-- Every successful landing of a wave file, newest first in the app's data-quality page.
with

landings as (

    select * from {{ ref('stg_raw__landing_log') }}

),

final as (

    select
        wave_id,
        file_name,
        file_sha256,
        file_format,
        respondents,
        answers,
        questions,
        landed_at,
        validation_outcome,
        validation_report,
        replaced_previous

    from landings

)

select * from final
