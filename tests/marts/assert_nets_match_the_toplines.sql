-- A net's % is the sum of the topline % of the answers that make it (seeds/codebook
-- net_answers.csv), on the same base, in every published group, to 1e-9; suppressed in
-- the same groups. Returns each net that does not match.
with

nets as (

    select
        wave_id,
        breakdown,
        group_label,
        question_code,
        net_code,
        pct,
        unweighted_base,
        suppressed
    from {{ ref('fct_question_nets') }}

),

net_answers as (

    select
        net_code,
        response_code
    from {{ ref('net_answers') }}

),

toplines as (

    select
        wave_id,
        breakdown,
        group_label,
        question_code,
        response_code,
        weighted_pct,
        unweighted_base,
        suppressed
    from {{ ref('fct_question_toplines') }}

),

summed as (

    select
        nets.wave_id,
        nets.breakdown,
        nets.group_label,
        nets.question_code,
        nets.net_code,
        nets.pct,
        nets.unweighted_base,
        nets.suppressed,
        sum(toplines.weighted_pct) as toplines_pct,
        min(toplines.unweighted_base) as toplines_base,
        bool_and(toplines.suppressed) as toplines_suppressed,
        count(toplines.response_code) as answers_found

    from nets
    inner join net_answers
        on nets.net_code = net_answers.net_code
    left join toplines
        on
            nets.wave_id = toplines.wave_id
            and nets.breakdown = toplines.breakdown
            and nets.group_label = toplines.group_label
            and nets.question_code = toplines.question_code
            and net_answers.response_code = toplines.response_code
    group by
        nets.wave_id,
        nets.breakdown,
        nets.group_label,
        nets.question_code,
        nets.net_code,
        nets.pct,
        nets.unweighted_base,
        nets.suppressed

)

select * from summed
where
    answers_found = 0
    or unweighted_base <> toplines_base
    or suppressed <> toplines_suppressed
    or abs(coalesce(pct, -1) - coalesce(toplines_pct, -1)) > 1e-9
