{{ config(materialized='incremental', unique_key='wave_id') }}

-- Every measure's estimate under each replicate, for the UK, every group of every
-- breakdown (crossed ones too) and the rest of the sample beside each group, in the waves
-- with replicate weights: the ratio sum(w_r y) / sum(w_r) of the cells' replicate sums
-- (int_measure_cell_replicate_sums), as the full-sample estimate is the ratio of the
-- cells' moments. The replicate SEs of the estimates, of the rest and of their difference
-- follow in int_measure_group_design_errors; those of two groups' difference in
-- int_group_pair_design_errors.
with

cell_sums as (

    select
        wave_id,
        measure_type,
        measure_code,
        cell_id,
        replicate,
        sum_rw,
        sum_rwy
    from {{ ref('int_measure_cell_replicate_sums') }}

),

cells as (

    select * from {{ ref('int_cells') }}

),

cell_sums_with_breakdowns as (

    {{ with_cell_breakdowns(
        'cell_sums',
        keys=['measure_type', 'measure_code', 'replicate'],
        columns=['sum_rw', 'sum_rwy']
    ) }}

),

-- one group by grouping sets (macros/breakdown_rollup.sql), which sqlfluff's duckdb
-- dialect cannot parse: hence the noqa
{%- set replicate_sums -%}
    sum(sum_rw) as sum_rw, sum(sum_rwy) as sum_rwy
{%- endset %}
{%- set replicate_keys = ['measure_type', 'measure_code', 'replicate'] %}
group_sums as (

    {{ breakdown_rollup('cell_sums_with_breakdowns', replicate_keys, replicate_sums) }}  -- noqa: PRS

),

group_and_rest as (

    select
        grp.wave_id,
        grp.breakdown,
        grp.group_label,
        grp.measure_type,
        grp.measure_code,
        grp.replicate,
        grp.sum_rwy / nullif(grp.sum_rw, 0) as replicate_estimate,
        case
            when grp.breakdown <> 'all'
                then (total.sum_rwy - grp.sum_rwy) / nullif(total.sum_rw - grp.sum_rw, 0)
        end as replicate_rest_estimate

    from group_sums as grp
    inner join group_sums as total
        on
            grp.wave_id = total.wave_id
            and grp.measure_type = total.measure_type
            and grp.measure_code = total.measure_code
            and grp.replicate = total.replicate
            and total.breakdown = 'all'

)

select * from group_and_rest
