{{ config(materialized='incremental', unique_key='wave_id', wave_scope='with_previous_wave') }}

-- Nets (seeds/codebook/nets.csv): the weighted % of a question's base giving one of the
-- net's answers, per wave x breakdown x group x question x net, with its SE, the
-- comparison with the rest of the sample and the change since the previous wave. A wave
-- build refreshes that wave and the one after it, whose change depends on it.
with

estimates as (

    select * from {{ ref('int_measure_group_estimates') }}
    where measure_type = 'net'

),

net_measures as (

    select distinct
        measure_code,
        question_code,
        net_code
    from {{ ref('int_codebook__indicator_answers') }}
    where measure_type = 'net'

),

questions as (

    select
        question_code,
        question_text
    from {{ ref('questions') }}

),

nets as (

    select
        net_code,
        net_label
    from {{ ref('nets') }}

),

waves as (

    select
        wave_id,
        previous_wave_id
    from {{ ref('int_waves') }}

),

published as (

    select
        estimates.wave_id,
        estimates.breakdown,
        estimates.group_label,
        net_measures.question_code,
        net_measures.net_code,
        estimates.unweighted_base,
        estimates.weighted_base,
        estimates.base_scale,
        estimates.effective_base,
        {{ is_low_base('estimates.unweighted_base') }} as low_base,
        {{ is_suppressed('estimates.unweighted_base') }} as suppressed,
        case
            when not ({{ is_suppressed('estimates.unweighted_base') }}) then estimates.estimate
        end as pct,
        case
            when not ({{ is_suppressed('estimates.unweighted_base') }}) then estimates.standard_error
        end as standard_error,
        case
            when not ({{ is_suppressed('estimates.unweighted_base') }}) then estimates.design_factor
        end as design_factor,
        case
            when not ({{ is_suppressed('estimates.unweighted_base') }}) then estimates.design_effect
        end as design_effect,
        {{ vs_rest_flag('estimates.z_vs_rest', is_suppressed('estimates.unweighted_base')) }} as vs_rest

    from estimates
    inner join net_measures
        on estimates.measure_code = net_measures.measure_code

),

with_previous as (

    {{ with_previous_wave(
        'published', 'waves',
        keys=['breakdown', 'group_label', 'question_code', 'net_code'],
        columns=['pct', 'standard_error']
    ) }}

),

final as (

    select
        with_previous.wave_id,
        with_previous.breakdown,
        with_previous.group_label,
        with_previous.question_code,
        questions.question_text,
        with_previous.net_code,
        nets.net_label,
        with_previous.pct,
        with_previous.unweighted_base,
        {{ published_base('with_previous.weighted_base', 'with_previous.base_scale') }} as weighted_base,
        {{ published_base('with_previous.effective_base') }} as effective_base,
        with_previous.design_factor,
        with_previous.design_effect,
        with_previous.standard_error,
        with_previous.vs_rest,
        with_previous.previous_wave_id,
        with_previous.pct - with_previous.previous_pct as change_vs_previous,
        {{ change_significant(
            'with_previous.pct', 'with_previous.standard_error',
            'with_previous.previous_pct', 'with_previous.previous_standard_error'
        ) }} as change_significant,
        with_previous.low_base,
        with_previous.suppressed

    from with_previous
    inner join questions
        on with_previous.question_code = questions.question_code
    inner join nets
        on with_previous.net_code = nets.net_code

)

-- a wave's build writes that wave and the next (macros/wave_scope.sql)
select * from final
where {{ rebuilt_waves() }}
