-- The floor: everything a wave's build publishes per wave, hand-written in DuckDB straight
-- from the raw tables and the codebook seeds, in one connection: the Levelling Up Index
-- (fct_mission_index), the priorities (fct_priorities), the toplines
-- (fct_question_toplines), the nets (fct_question_nets) and the question contributions
-- (fct_mission_question_contributions), for the UK, every breakdown and every
-- cross-breakdown, with bases, SEs, the rest of the sample and the flags. The wave is the
-- variable `wave` (`set variable wave = '2022-02'` first). Plain double sums, no tests,
-- no per-model materialisation: the work itself. Results: the temp tables floor_index,
-- floor_priorities, floor_toplines, floor_nets and floor_contributions (bench/stages.py
-- checks each against its mart). Thresholds as in dbt_project.yml: suppressed below 50,
-- z 1.96, bases published to 2 decimals.

-- the codebook: the questions the wave's questionnaire carries, and every answer that
-- scores a mission with its points and the question's weight
create or replace temp table floor_questions as
select question_code, scale_id, question_group
from codebook.questions
where
    (first_wave is null or getvariable('wave') >= first_wave)
    and (last_wave is null or getvariable('wave') <= last_wave);

create or replace temp table floor_answer_points as
select
    mq.mission_id,
    q.question_code,
    p.response_code,
    mq.question_weight as qw,
    p.points * mq.direction as points
from codebook.mission_questions as mq
inner join floor_questions as q on mq.question_code = q.question_code
inner join codebook.scale_points as p on q.scale_id = p.scale_id
where p.points is not null;

-- respondents with their cell: one combination of the seven breakdown columns
create or replace temp table floor_people as
select
    r.respondent_id,
    r.weight as w,
    la.nation,
    la.region,
    r.supergroup,
    cast(r.imd_quintile as varchar) as imd_quintile,
    r.urban_rural,
    r.age_band,
    r.gender
from raw.respondents as r
inner join reference.local_authorities as la on r.la_code = la.la_code
where r.wave_id = getvariable('wave');

create or replace temp table floor_cells as
select
    row_number() over () as cell_id,
    *
from (
    select distinct nation, region, supergroup, imd_quintile, urban_rural, age_band, gender
    from floor_people
);

create or replace temp table floor_respondent_cells as
select
    p.respondent_id,
    p.w,
    -- the weight as an exact decimal: weighted counts and bases are published rounded to
    -- 2 places, and a double sum can fall either side of a halfway value the build's exact
    -- sum lands on
    cast(p.w as decimal(18, 9)) as wd,
    c.cell_id
from floor_people as p
inner join floor_cells as c
    on
        p.nation = c.nation and p.region = c.region and p.supergroup = c.supergroup
        and p.imd_quintile = c.imd_quintile and p.urban_rural = c.urban_rural
        and p.age_band = c.age_band and p.gender = c.gender;

-- the wave: its respondents (the SE's design N) and the unit weighted bases are published in
create or replace temp table floor_wave as
select
    count(*) as respondents,
    power(10.0, round(log10(avg(w)))) as base_scale
from floor_people;

-- pass 1 over the answers: every answer code of every asked question per cell
create or replace temp table floor_answer_counts as
select
    a.question_code,
    a.response_code,
    rc.cell_id,
    count(*) as n,
    sum(rc.w) as sw,
    sum(rc.wd) as sw_exact,
    sum(rc.w * rc.w) as sw2
from raw.responses as a
inner join floor_respondent_cells as rc on a.respondent_id = rc.respondent_id
where
    a.wave_id = getvariable('wave')
    and a.question_code in (select question_code from floor_questions)
group by all;

-- pass 2: a respondent's mission score, the weighted mean of their answers' points
create or replace temp table floor_scores as
select
    a.respondent_id,
    ap.mission_id,
    sum(ap.qw) as answered_weight,
    sum(ap.qw * ap.points) / sum(ap.qw) as y
from raw.responses as a
inner join floor_answer_points as ap
    on a.question_code = ap.question_code and a.response_code = ap.response_code
where a.wave_id = getvariable('wave')
group by all;

-- pass 3: what each question carries of the scores, per cell (the contributions)
create or replace temp table floor_question_cell_sums as
select
    ap.mission_id,
    ap.question_code,
    rc.cell_id,
    count(*) as answered,
    sum(rc.w * ap.qw / s.answered_weight) as swr,
    sum(rc.w * ap.qw * ap.points / s.answered_weight) as swrp
from raw.responses as a
inner join floor_answer_points as ap
    on a.question_code = ap.question_code and a.response_code = ap.response_code
inner join floor_scores as s on a.respondent_id = s.respondent_id and ap.mission_id = s.mission_id
inner join floor_respondent_cells as rc on a.respondent_id = rc.respondent_id
where a.wave_id = getvariable('wave')
group by all;

-- every measure's moments per cell: missions from the scores; a priority (chosen: code 1)
-- or a net (its answers: codebook.net_answers) is 100 for a yes and 0 otherwise, so its
-- moments follow from the answer counts
create or replace temp table floor_cell_moments as
select
    'mission' as measure_type,
    cast(s.mission_id as varchar) as measure_code,
    rc.cell_id,
    count(*) as n,
    sum(rc.w) as sw,
    sum(rc.wd) as sw_exact,
    sum(rc.w * rc.w) as sw2,
    sum(rc.w * s.y) as swy,
    sum(rc.w * rc.w * s.y) as sw2y,
    sum(rc.w * rc.w * s.y * s.y) as sw2y2
from floor_scores as s
inner join floor_respondent_cells as rc on s.respondent_id = rc.respondent_id
group by all

union all

select
    i.measure_type,
    i.measure_code,
    c.cell_id,
    cast(sum(c.n) as bigint) as n,
    sum(c.sw) as sw,
    sum(c.sw_exact) as sw_exact,
    sum(c.sw2) as sw2,
    100 * sum(c.sw) filter (where i.yes) as swy,
    100 * sum(c.sw2) filter (where i.yes) as sw2y,
    10000 * sum(c.sw2) filter (where i.yes) as sw2y2
from floor_answer_counts as c
inner join (
    select
        'priority' as measure_type,
        q.question_code as measure_code,
        q.question_code,
        p.response_code,
        p.response_code = 1 as yes
    from floor_questions as q
    inner join codebook.scale_points as p on q.scale_id = p.scale_id
    where q.question_group = 'priority'

    union all

    select
        'net',
        q.question_code || ':' || nt.net_code,
        q.question_code,
        p.response_code,
        na.response_code is not null
    from codebook.nets as nt
    inner join floor_questions as q on nt.scale_id = q.scale_id
    inner join codebook.scale_points as p on nt.scale_id = p.scale_id
    left join codebook.net_answers as na
        on nt.net_code = na.net_code and p.response_code = na.response_code
) as i
    on c.question_code = i.question_code and c.response_code = i.response_code
group by all;

-- the breakdowns as grouping sets of the cell columns: grouping() has a bit per column,
-- nation 64 .. gender 1, set where the column is rolled up
create or replace temp table floor_breakdowns as
select * from (values
    (127, 'all'),
    (63, 'nation'),
    (95, 'region'),
    (111, 'supergroup'),
    (119, 'imd_quintile'),
    (123, 'urban_rural'),
    (125, 'age_band'),
    (126, 'gender'),
    (31, 'nation_x_region'),
    (47, 'nation_x_supergroup'),
    (59, 'nation_x_urban_rural'),
    (55, 'nation_x_imd_quintile'),
    (61, 'nation_x_age_band'),
    (62, 'nation_x_gender'),
    (79, 'region_x_supergroup'),
    (91, 'region_x_urban_rural'),
    (87, 'region_x_imd_quintile'),
    (93, 'region_x_age_band'),
    (94, 'region_x_gender'),
    (107, 'supergroup_x_urban_rural'),
    (103, 'supergroup_x_imd_quintile'),
    (109, 'supergroup_x_age_band'),
    (110, 'supergroup_x_gender'),
    (115, 'urban_rural_x_imd_quintile'),
    (121, 'urban_rural_x_age_band'),
    (122, 'urban_rural_x_gender'),
    (117, 'imd_quintile_x_age_band'),
    (118, 'imd_quintile_x_gender'),
    (124, 'age_band_x_gender')
) as b (gid, breakdown);

create or replace temp macro floor_group_label(nation, region, supergroup, imd_quintile, urban_rural, age_band, gender) as
    -- a cross's label is its two groups joined by ' | ' in the pair's order
    coalesce(
        nullif(concat_ws(' | ', nation, region, supergroup, urban_rural, imd_quintile, age_band, gender), ''),
        'UK'
    );

-- every cell sum rolled up to every group in one pass: the answer counts (kind 'count':
-- question, answer code), the measures' moments ('moment': measure type, measure code) and
-- what each question carries of each mission score ('contribution': mission, question)
create or replace temp table floor_group_sums as
with cell_sums as (
    select
        'count' as kind,
        question_code as key_a,
        cast(response_code as varchar) as key_b,
        cell_id,
        n,
        sw_exact,
        sw as v1,
        sw2 as v2,
        cast(null as double) as v3,
        cast(null as double) as v4,
        cast(null as double) as v5
    from floor_answer_counts

    union all

    select 'moment', measure_type, measure_code, cell_id, n, sw_exact, sw, sw2, swy, sw2y, sw2y2
    from floor_cell_moments

    union all

    select
        'contribution', cast(mission_id as varchar), question_code, cell_id, answered, null, swr,
        swrp, null, null, null
    from floor_question_cell_sums
),

rolled as (
    select
        s.kind,
        s.key_a,
        s.key_b,
        grouping(c.nation, c.region, c.supergroup, c.imd_quintile, c.urban_rural, c.age_band, c.gender) as gid,
        floor_group_label(c.nation, c.region, c.supergroup, c.imd_quintile, c.urban_rural, c.age_band, c.gender) as group_label,
        cast(sum(s.n) as bigint) as n,
        sum(s.sw_exact) as sw_exact,
        sum(s.v1) as v1,
        sum(s.v2) as v2,
        sum(s.v3) as v3,
        sum(s.v4) as v4,
        sum(s.v5) as v5
    from cell_sums as s
    inner join floor_cells as c on s.cell_id = c.cell_id
    group by
        s.kind, s.key_a, s.key_b,
        grouping sets (
            (), (c.nation), (c.region), (c.supergroup), (c.imd_quintile), (c.urban_rural),
            (c.age_band), (c.gender), (c.nation, c.region), (c.nation, c.supergroup),
            (c.nation, c.urban_rural), (c.nation, c.imd_quintile), (c.nation, c.age_band),
            (c.nation, c.gender), (c.region, c.supergroup), (c.region, c.urban_rural),
            (c.region, c.imd_quintile), (c.region, c.age_band), (c.region, c.gender),
            (c.supergroup, c.urban_rural), (c.supergroup, c.imd_quintile),
            (c.supergroup, c.age_band), (c.supergroup, c.gender), (c.urban_rural, c.imd_quintile),
            (c.urban_rural, c.age_band), (c.urban_rural, c.gender), (c.imd_quintile, c.age_band),
            (c.imd_quintile, c.gender), (c.age_band, c.gender)
        )
)

select
    b.breakdown,
    r.group_label,
    r.kind,
    r.key_a,
    r.key_b,
    r.n,
    r.sw_exact,
    r.v1,
    r.v2,
    r.v3,
    r.v4,
    r.v5
from rolled as r
inner join floor_breakdowns as b on r.gid = b.gid;

create or replace temp table floor_group_moments as
select
    breakdown,
    group_label,
    key_a as measure_type,
    key_b as measure_code,
    n,
    cast(sw_exact as double) as sw_exact,
    v1 as sw,
    v2 as sw2,
    coalesce(v3, 0) as swy,
    coalesce(v4, 0) as sw2y,
    coalesce(v5, 0) as sw2y2
from floor_group_sums
where kind = 'moment';

create or replace temp macro floor_se(n, design_n, sw, sw2, sw2y, sw2y2, mean) as
    case
        when n > 1 and sw > 0
            then sqrt(
                design_n / (design_n - 1)
                * greatest(sw2y2 - 2 * mean * sw2y + mean * mean * sw2, 0) / (sw * sw)
            )
    end;

-- every measure for every group, with the rest of the sample and the z of the difference
create or replace temp table floor_estimates as
with means as (
    select
        g.*,
        g.swy / g.sw as estimate,
        t.n - g.n as rest_n,
        t.sw - g.sw as rest_sw,
        t.sw2 - g.sw2 as rest_sw2,
        t.sw2y - g.sw2y as rest_sw2y,
        t.sw2y2 - g.sw2y2 as rest_sw2y2,
        case
            when g.breakdown <> 'all' and t.n - g.n > 0
                then (t.swy - g.swy) / nullif(t.sw - g.sw, 0)
        end as rest_estimate,
        w.respondents,
        w.base_scale
    from floor_group_moments as g
    inner join floor_group_moments as t
        on g.measure_type = t.measure_type and g.measure_code = t.measure_code and t.breakdown = 'all'
    cross join floor_wave as w
),

errors as (
    select
        *,
        floor_se(n, respondents, sw, sw2, sw2y, sw2y2, estimate) as standard_error,
        floor_se(rest_n, respondents, rest_sw, rest_sw2, rest_sw2y, rest_sw2y2, rest_estimate)
            as rest_standard_error
    from means
),

tested as (
    select
        *,
        (estimate - rest_estimate) / nullif(sqrt(standard_error ** 2 + rest_standard_error ** 2), 0)
            as z_vs_rest
    from errors
)

select
    breakdown,
    group_label,
    measure_type,
    measure_code,
    cast(n as bigint) as unweighted_base,
    round(sw_exact / base_scale, 2) * base_scale as weighted_base,
    round(sw * sw / sw2, 2) as effective_base,
    n < 50 as suppressed,
    case when n >= 50 then estimate end as estimate,
    case when n >= 50 then standard_error end as standard_error,
    case when n >= 50 then rest_estimate end as rest_estimate,
    case when n >= 50 then z_vs_rest end as z_vs_rest,
    case when n >= 50 and z_vs_rest > 1.96 then 'above' when n >= 50 and z_vs_rest < -1.96 then 'below' end
        as vs_rest
from tested;

create or replace temp table floor_index as
select
    getvariable('wave') as wave_id,
    breakdown,
    group_label,
    cast(measure_code as integer) as mission_id,
    estimate as index_score,
    unweighted_base,
    weighted_base,
    effective_base,
    standard_error,
    vs_rest
from floor_estimates
where measure_type = 'mission';

create or replace temp table floor_priorities as
select
    getvariable('wave') as wave_id,
    e.breakdown,
    e.group_label,
    e.measure_code as priority_code,
    e.estimate as pct_chosen,
    e.unweighted_base,
    e.weighted_base,
    e.effective_base,
    e.standard_error,
    e.rest_estimate as rest_pct_chosen,
    e.z_vs_rest > 1.96 as more_emphasis,
    case
        when not e.suppressed
            then rank() over (
                partition by e.breakdown, e.group_label order by e.estimate desc, q.display_order
            )
    end as rank_in_group
from floor_estimates as e
inner join codebook.questions as q on e.measure_code = q.question_code
where e.measure_type = 'priority';

create or replace temp table floor_nets as
select
    getvariable('wave') as wave_id,
    breakdown,
    group_label,
    split_part(measure_code, ':', 1) as question_code,
    split_part(measure_code, ':', 2) as net_code,
    estimate as pct,
    standard_error,
    vs_rest,
    unweighted_base,
    weighted_base,
    effective_base
from floor_estimates
where measure_type = 'net';

-- the toplines: every answer of the question's scale for every group with a base
create or replace temp table floor_toplines as
with group_counts as (
    select
        breakdown,
        group_label,
        key_a as question_code,
        cast(key_b as integer) as response_code,
        n,
        cast(sw_exact as double) as sw,
        cast(sum(n) over (partition by breakdown, group_label, key_a) as bigint) as base_n,
        cast(sum(sw_exact) over (partition by breakdown, group_label, key_a) as double) as base_sw
    from floor_group_sums
    where kind = 'count'
),

bases as (
    select distinct breakdown, group_label, question_code, base_n, base_sw
    from group_counts
)

select
    getvariable('wave') as wave_id,
    bases.breakdown,
    bases.group_label,
    bases.question_code,
    p.response_code,
    case when bases.base_n >= 50 then coalesce(gc.n, 0) end as unweighted_count,
    case when bases.base_n >= 50 then round(coalesce(gc.sw, 0) / w.base_scale, 2) * w.base_scale end
        as weighted_count,
    case when bases.base_n >= 50 then 100.0 * coalesce(gc.sw, 0) / bases.base_sw end as weighted_pct,
    bases.base_n as unweighted_base,
    round(bases.base_sw / w.base_scale, 2) * w.base_scale as weighted_base
from bases
inner join floor_questions as q on bases.question_code = q.question_code
inner join codebook.scale_points as p on q.scale_id = p.scale_id
cross join floor_wave as w
left join group_counts as gc
    on
        bases.breakdown = gc.breakdown and bases.group_label = gc.group_label
        and bases.question_code = gc.question_code and p.response_code = gc.response_code;

-- the contributions: each question's weight share and mean points in each mission score
create or replace temp table floor_contributions as
with group_sums as (
    select
        breakdown,
        group_label,
        cast(key_a as integer) as mission_id,
        key_b as question_code,
        n as answered,
        v1 as swr,
        v2 as swrp,
        sum(v1) over (partition by breakdown, group_label, key_a) as mission_sw
    from floor_group_sums
    where kind = 'contribution'
)

select
    getvariable('wave') as wave_id,
    gs.breakdown,
    gs.group_label,
    gs.mission_id,
    gs.question_code,
    gs.answered as answered_respondents,
    case when not e.suppressed then gs.swrp / nullif(gs.swr, 0) end as mean_points,
    case when not e.suppressed then gs.swr / gs.mission_sw end as weight_share,
    case when not e.suppressed then gs.swr / gs.mission_sw * coalesce(gs.swrp / nullif(gs.swr, 0), 0) end
        as contribution_to_index
from group_sums as gs
inner join floor_estimates as e
    on
        e.measure_type = 'mission' and e.measure_code = cast(gs.mission_id as varchar)
        and gs.breakdown = e.breakdown and gs.group_label = e.group_label;
