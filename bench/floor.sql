-- The floor: the Levelling Up Index for every breakdown of one wave, hand-written as one
-- DuckDB query straight from the raw tables and the codebook seeds ($wave is the wave id).
with

answer_points as (
    select
        mq.mission_id,
        q.question_code,
        p.response_code,
        mq.question_weight as w,
        p.points * mq.direction as points
    from codebook.mission_questions as mq
    inner join codebook.questions as q on mq.question_code = q.question_code
    inner join codebook.scale_points as p on q.scale_id = p.scale_id
    where p.points is not null
),

scores as (
    select
        r.respondent_id,
        a.mission_id,
        sum(a.w * a.points) / sum(a.w) as y
    from raw.responses as r
    inner join answer_points as a
        on r.question_code = a.question_code and r.response_code = a.response_code
    where r.wave_id = $wave
    group by r.respondent_id, a.mission_id
),

people as (
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
    where r.wave_id = $wave
),

moments as (
    select
        s.mission_id,
        p.nation, p.region, p.supergroup, p.imd_quintile, p.urban_rural, p.age_band, p.gender,
        grouping(p.nation, p.region, p.supergroup, p.imd_quintile, p.urban_rural, p.age_band, p.gender) as gid,
        count(*) as n,
        sum(p.w) as sw,
        sum(p.w * p.w) as sw2,
        sum(p.w * s.y) as swy,
        sum(p.w * p.w * s.y) as sw2y,
        sum(p.w * p.w * s.y * s.y) as sw2y2
    from scores as s
    inner join people as p on s.respondent_id = p.respondent_id
    group by grouping sets (
        (s.mission_id), (s.mission_id, p.nation), (s.mission_id, p.region),
        (s.mission_id, p.supergroup), (s.mission_id, p.imd_quintile),
        (s.mission_id, p.urban_rural), (s.mission_id, p.age_band), (s.mission_id, p.gender)
    )
)

select
    $wave as wave_id,
    case gid
        when 127 then 'all' when 63 then 'nation' when 95 then 'region'
        when 111 then 'supergroup' when 119 then 'imd_quintile' when 123 then 'urban_rural'
        when 125 then 'age_band' when 126 then 'gender'
    end as breakdown,
    coalesce(nation, region, supergroup, imd_quintile, urban_rural, age_band, gender, 'UK') as group_label,
    mission_id,
    swy / sw as index_score,
    n as unweighted_base,
    sw as weighted_base,
    sw * sw / sw2 as effective_base,
    -- domain SE on the wave's design: N/(N-1) with N the wave's respondents
    case when n > 1 then sqrt(
        (select count(*) from people) / ((select count(*) from people) - 1)
        * greatest(sw2y2 - 2 * (swy / sw) * sw2y + (swy / sw) * (swy / sw) * sw2, 0) / (sw * sw)
    ) end as standard_error
from moments
