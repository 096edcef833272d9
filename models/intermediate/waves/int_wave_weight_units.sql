{{ config(materialized='table') }}

-- The unit every wave's survey weights are computed in. Weights are stored as delivered
-- (raw.respondents, any positive scale: a mean of 1, or grossed to the population); every
-- sum is taken over scaled weights, survey_weight / weight_unit, where weight_unit is the
-- power of two that brings the wave's largest weight into (32, 64]. Every index, SE and
-- flag is a ratio of such sums, so it does not depend on the scale the weights came in;
-- weighted bases are multiplied back by weight_unit. Dividing by a power of two is exact,
-- and the scaled terms stay inside the exact sums' fixed-point range (macros/exact_sum.sql).
-- A table (one row a wave): the models above read it instead of the respondents through a
-- chain of views.
with

respondents as (

    select
        wave_id,
        survey_weight
    from {{ ref('stg_raw__respondents') }}

),

extremes as (

    select
        wave_id,
        min(survey_weight) as min_weight,
        max(survey_weight) as max_weight,
        avg(survey_weight) as mean_weight

    from respondents
    group by wave_id

),

units as (

    select
        wave_id,
        min_weight,
        max_weight,
        mean_weight,
        {{ power_of_two_at_least('max_weight / ' ~ var('scaled_weight_max')) }} as weight_unit,
        -- the power of ten nearest the mean weight: the unit weighted bases are published
        -- in (macros/publication_rules.sql, published_base)
        power(10.0, round(log10(mean_weight))) as base_scale

    from extremes

)

select * from units
