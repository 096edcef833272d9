{{ config(materialized='incremental', unique_key='wave_id') }}

-- Weighted % giving each answer to every question, per wave x breakdown x group. The
-- base of a question is everyone in the group who gave it any answer (don't know and
-- prefer not to say included); skipped and unasked questions are outside it. Counts are
-- sums of scaled weights (int_wave_weight_units); the weighted counts and bases are scaled
-- back to the weights as delivered, and the percentages are free of that scale.
with

answer_counts as (

    select * from {{ ref('int_answer_cell_counts') }}
    where {{ wave_predicate('wave_id') }}

),

cells as (

    select * from {{ ref('int_cells') }}
    where {{ wave_predicate('wave_id') }}

),

weight_units as (

    select
        wave_id,
        weight_unit
    from {{ ref('int_wave_weight_units') }}
    where {{ wave_predicate('wave_id') }}

),

questions as (

    select
        question_code,
        scale_id
    from {{ ref('questions') }}

),

scale_points as (

    select
        scale_id,
        response_code,
        response_label,
        answer_kind
    from {{ ref('scale_points') }}

),

cell_counts as (

    select
        answer_counts.wave_id,
        answer_counts.question_code,
        answer_counts.response_code,
        {{ breakdown_columns('cells') }},
        answer_counts.unweighted_count,
        answer_counts.weighted_count

    from answer_counts
    inner join cells
        on
            answer_counts.wave_id = cells.wave_id
            and answer_counts.cell_id = cells.cell_id

),

group_counts as (

    {{ breakdown_rollup(
        'cell_counts',
        ['question_code', 'response_code'],
        'cast(sum(unweighted_count) as bigint) as unweighted_count, '
        ~ 'sum(weighted_count) as weighted_count'
    ) }}

),

with_bases as (

    select
        *,
        cast(sum(unweighted_count) over (
            partition by wave_id, breakdown, group_label, question_code
        ) as bigint) as unweighted_base,
        sum(weighted_count) over (
            partition by wave_id, breakdown, group_label, question_code
        ) as weighted_base

    from group_counts

),

final as (

    select
        with_bases.wave_id,
        with_bases.breakdown,
        with_bases.group_label,
        with_bases.question_code,
        with_bases.response_code,
        scale_points.response_label,
        scale_points.answer_kind,
        case
            when with_bases.unweighted_base >= {{ var('suppression_threshold') }}
                then with_bases.unweighted_count
        end as unweighted_count,
        case
            when with_bases.unweighted_base >= {{ var('suppression_threshold') }}
                then cast(with_bases.weighted_count as double) * weight_units.weight_unit
        end as weighted_count,
        case
            when with_bases.unweighted_base >= {{ var('suppression_threshold') }}
                then
                    100.0 * cast(with_bases.weighted_count as double)
                    / cast(with_bases.weighted_base as double)
        end as weighted_pct,
        with_bases.unweighted_base,
        cast(with_bases.weighted_base as double) * weight_units.weight_unit as weighted_base,
        with_bases.unweighted_base < {{ var('low_base_threshold') }} as low_base,
        with_bases.unweighted_base < {{ var('suppression_threshold') }} as suppressed

    from with_bases
    inner join weight_units
        on with_bases.wave_id = weight_units.wave_id
    inner join questions
        on with_bases.question_code = questions.question_code
    inner join scale_points
        on
            questions.scale_id = scale_points.scale_id
            and with_bases.response_code = scale_points.response_code

)

select * from final
