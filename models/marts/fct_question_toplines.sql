{{ config(materialized='incremental', unique_key='wave_id') }}

-- Weighted % giving each answer to every question, per wave x breakdown x group. The
-- base of a question is everyone in the group who gave it any answer (don't know and
-- prefer not to say included); skipped and unasked questions are outside it. Every
-- answer of the question's scale has a row for every group with a base, 0 where nobody
-- in the group gave it. Counts are sums of scaled weights (int_wave_weight_units); the
-- weighted counts and bases are scaled back to the weights as delivered, and the
-- percentages are free of that scale.
with

answer_counts as (

    select * from {{ ref('int_answer_cell_counts') }}

),

cells as (

    select * from {{ ref('int_cells') }}

),

weight_units as (

    select
        wave_id,
        weight_unit,
        base_scale
    from {{ ref('int_wave_weight_units') }}

),

questions as (

    select
        question_code,
        question_text,
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

    {{ with_cell_breakdowns(
        'answer_counts',
        keys=['question_code', 'response_code'],
        columns=['unweighted_count', 'weighted_count']
    ) }}

),

-- one group by grouping sets (macros/breakdown_rollup.sql), which sqlfluff's duckdb
-- dialect cannot parse: hence the noqa
{%- set count_sums -%}
    cast(sum(unweighted_count) as bigint) as unweighted_count, sum(weighted_count) as weighted_count
{%- endset %}
group_counts as (

    {{ breakdown_rollup('cell_counts', ['question_code', 'response_code'], count_sums) }}  -- noqa: PRS

),

question_bases as (

    select
        wave_id,
        breakdown,
        group_label,
        question_code,
        cast(sum(unweighted_count) as bigint) as unweighted_base,
        sum(weighted_count) as weighted_base

    from group_counts
    group by wave_id, breakdown, group_label, question_code

),

-- every answer of the question's scale for every group with a base, given or not
answer_grid as (

    select
        question_bases.wave_id,
        question_bases.breakdown,
        question_bases.group_label,
        question_bases.question_code,
        questions.question_text,
        scale_points.response_code,
        scale_points.response_label,
        scale_points.answer_kind,
        question_bases.unweighted_base,
        question_bases.weighted_base

    from question_bases
    inner join questions
        on question_bases.question_code = questions.question_code
    inner join scale_points
        on questions.scale_id = scale_points.scale_id

),

completed as (

    select
        answer_grid.*,
        weight_units.weight_unit,
        weight_units.base_scale,
        coalesce(group_counts.unweighted_count, 0) as unweighted_count,
        coalesce(group_counts.weighted_count, 0) as weighted_count,
        {{ is_suppressed('answer_grid.unweighted_base') }} as suppressed

    from answer_grid
    inner join weight_units
        on answer_grid.wave_id = weight_units.wave_id
    left join group_counts
        on
            answer_grid.wave_id = group_counts.wave_id
            and answer_grid.breakdown = group_counts.breakdown
            and answer_grid.group_label = group_counts.group_label
            and answer_grid.question_code = group_counts.question_code
            and answer_grid.response_code = group_counts.response_code

),

final as (

    select
        wave_id,
        breakdown,
        group_label,
        question_code,
        question_text,
        response_code,
        response_label,
        answer_kind,
        case when not suppressed then unweighted_count end as unweighted_count,
        case
            when not suppressed then {{ published_base('cast(weighted_count as double) * weight_unit', 'base_scale') }}
        end as weighted_count,
        case
            when not suppressed
                -- the share first: (100 x) / x can round to 100.00000000000001, x / x is 1
                then 100.0 * (cast(weighted_count as double) / cast(weighted_base as double))
        end as weighted_pct,
        unweighted_base,
        {{ published_base('cast(weighted_base as double) * weight_unit', 'base_scale') }} as weighted_base,
        {{ is_low_base('unweighted_base') }} as low_base,
        suppressed

    from completed

)

select * from final
