-- Landed waves in order, each with the wave before it (the comparison for change since
-- the previous wave) and its fieldwork window and sample. Weights are summed in the
-- wave's weight unit (int_wave_weight_units) and the weighted base scaled back by it.
with

respondents as (

    select * from {{ ref('stg_raw__respondents') }}

),

weight_units as (

    select
        wave_id,
        weight_unit,
        base_scale
    from {{ ref('int_wave_weight_units') }}

),

scaled as (

    select
        respondents.wave_id,
        respondents.interview_date,
        weight_units.weight_unit,
        weight_units.base_scale,
        respondents.survey_weight / weight_units.weight_unit as scaled_weight

    from respondents
    inner join weight_units
        on respondents.wave_id = weight_units.wave_id

),

waves as (

    select
        wave_id,
        weight_unit,
        base_scale,
        min(interview_date) as fieldwork_start,
        max(interview_date) as fieldwork_end,
        count(*) as respondents,
        cast({{ exact_sum('scaled_weight') }} as double) as scaled_sum_w,
        cast({{ exact_sum('scaled_weight * scaled_weight') }} as double) as scaled_sum_w2

    from scaled
    group by wave_id, weight_unit, base_scale

),

sequenced as (

    select
        wave_id,
        fieldwork_start,
        fieldwork_end,
        respondents,
        base_scale,
        cast(row_number() over (order by wave_id) as bigint) as wave_number,
        scaled_sum_w * weight_unit as weighted_base,
        lag(wave_id) over (order by wave_id) as previous_wave_id,
        scaled_sum_w * scaled_sum_w / scaled_sum_w2 as effective_base

    from waves

)

select * from sequenced
