-- The weighting report: per wave and target category, the population share the wave was
-- (or would be) weighted to beside the sample's unweighted and weighted shares.
with

margins as (

    select * from {{ ref('stg_raw__weighting_margins') }}

),

final as (

    select
        wave_id,
        target_variable,
        category,
        target_share,
        respondents,
        unweighted_share,
        design_weighted_share,
        weighted_share,
        weighted_share - target_share as weighted_gap

    from margins

)

select * from final
