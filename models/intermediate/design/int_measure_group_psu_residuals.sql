{{ config(materialized='incremental', unique_key='wave_id') }}

-- The linearised values per primary sampling unit of every measure's estimate for the UK
-- and every group of every breakdown (crossed ones too), and of the rest of the sample,
-- in the waves whose SEs come from delivered strata and PSUs: for group g with weighted
-- sums W_g and mean m_g, PSU j's residual sum e_j = sum_(i in g, j) w_i (y_i - m_g), and
-- for the rest of the sample (mean m_r) r_j = sum_(i not in g, j) w_i (y_i - m_r), with
-- the whole PSU's sums beside them (t_j = sum_(i in j) w_i (y_i - m_r) follows). R survey's linearised value of a
-- domain mean is e_j / W_g (svyby's svymean on svydesign(ids = ~psu, strata = ~stratum)).
-- With each PSU its stratum's PSUs in the wave (n_h). One row per group and PSU the
-- group has respondents in; the PSUs it has none in have
-- e_j = 0 and r_j = t_j, which int_measure_group_design_errors adds from the UK's rows.
with

cell_sums as (

    select
        wave_id,
        measure_type,
        measure_code,
        cell_id,
        stratum,
        psu,
        stratum_psus,
        sum_w,
        sum_wy
    from {{ ref('int_measure_cell_psu_sums') }}

),

cells as (

    select * from {{ ref('int_cells') }}

),

cell_sums_with_breakdowns as (

    {{ with_cell_breakdowns(
        'cell_sums',
        keys=['measure_type', 'measure_code', 'stratum', 'psu'],
        columns=['stratum_psus', 'sum_w', 'sum_wy']
    ) }}

),

-- one group by grouping sets (macros/breakdown_rollup.sql), which sqlfluff's duckdb
-- dialect cannot parse: hence the noqa
{%- set psu_sums -%}
    max(stratum_psus) as stratum_psus, sum(sum_w) as sum_w, sum(sum_wy) as sum_wy
{%- endset %}
{%- set psu_keys = ['measure_type', 'measure_code', 'stratum', 'psu'] %}
group_psu_sums as (

    {{ breakdown_rollup('cell_sums_with_breakdowns', psu_keys, psu_sums) }}  -- noqa: PRS

),

group_sums as (

    select
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code,
        sum(sum_w) as group_weight,
        sum(sum_wy) as group_weighted_sum

    from group_psu_sums
    group by
        wave_id,
        breakdown,
        group_label,
        measure_type,
        measure_code

),

group_means as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        grp.measure_type,
        grp.measure_code,
        grp.group_weight,
        grp.group_weighted_sum / nullif(grp.group_weight, 0) as group_mean,
        total.group_weight - grp.group_weight as rest_weight,
        case
            when grp.breakdown <> 'all'
                then
                    (total.group_weighted_sum - grp.group_weighted_sum)
                    / nullif(total.group_weight - grp.group_weight, 0)
        end as rest_mean

    from group_sums as grp
    inner join group_sums as total
        on
            grp.wave_id = total.wave_id
            and grp.measure_type = total.measure_type
            and grp.measure_code = total.measure_code
            and total.breakdown = 'all'

),

residuals as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        grp.measure_type,
        grp.measure_code,
        grp.stratum,
        grp.psu,
        grp.stratum_psus,
        group_means.group_weight,
        group_means.rest_weight,
        group_means.rest_mean,
        total.sum_w as psu_weight,
        total.sum_wy as psu_weighted_sum,
        grp.sum_wy - group_means.group_mean * grp.sum_w as residual,
        (total.sum_wy - grp.sum_wy) - group_means.rest_mean * (total.sum_w - grp.sum_w) as rest_residual

    from group_psu_sums as grp
    inner join group_means
        on
            grp.wave_id = group_means.wave_id
            and grp.breakdown = group_means.breakdown
            and grp.group_label = group_means.group_label
            and grp.measure_type = group_means.measure_type
            and grp.measure_code = group_means.measure_code
    inner join group_psu_sums as total
        on
            grp.wave_id = total.wave_id
            and grp.measure_type = total.measure_type
            and grp.measure_code = total.measure_code
            and grp.stratum = total.stratum
            and grp.psu = total.psu
            and total.breakdown = 'all'

)

select * from residuals
