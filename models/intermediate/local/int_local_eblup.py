"""EBLUP of every local authority's mission index (docs/local_estimates.md).

A dbt Python model, enabled on DuckDB only (dbt-spark's session method cannot run Python
models): it reads the small table of sufficient statistics `int_local_model_cells`, fits
the Battese-Harter-Fuller model per wave x mission by REML and writes one row per wave x
local authority (all of the frame's 361) x mission. The statistics are in
`lui.warehouse.local_model`; this file only moves the tables. Incremental per wave: on a
wave's build only that wave is refitted, because `dbt.ref` hands it the cells of that wave
alone (the wave scope of macros/wave_scope.sql applies to Python models' refs too).
"""


def model(dbt, session):
    from lui.warehouse import local_model

    dbt.config(materialized="incremental", unique_key="wave_id")
    cells = dbt.ref("int_local_model_cells")
    frame = dbt.ref("local_authority_frame").df()
    regions = dbt.ref("local_authorities").df()[["la_code", "region"]]
    # the estimand of var local_estimand: model_mean (default) or finite_population_mean
    estimand = dbt.config.get("estimand")
    estimand = str(estimand or local_model.MODEL_MEAN)
    return local_model.estimate_all(cells.df(), frame.merge(regions, on="la_code"), estimand)
