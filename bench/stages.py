"""One benchmark stage per process, so each stage's peak memory is its own.

`python bench/stages.py STAGE JSON_ARGS` runs the stage and prints one JSON line:
{"seconds": wall time, "peak_rss_mb": peak resident memory of this process and of every
child it waited for (dbt runs in a child), ...stage-specific results}.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
FLOOR_SQL = (BENCH_DIR / "floor.sql").read_text()
INDEX_KEYS = ["wave_id", "breakdown", "group_label", "mission_id"]


def generate(out: str, wave: str, respondents: int, seed: int) -> dict:
    from lui.demo.generate import write_wave

    write_wave(Path(out), wave, respondents, seed)
    return {"file_mb": Path(out).stat().st_size / 2**20}


def land(file: str, wave: str, warehouse: str) -> dict:
    from lui.landing.land import land_file

    result = land_file(file, wave, Path(warehouse))
    return {"respondents": result.respondents, "answers": result.answers, "status": result.status}


def dbt_breakdown(warehouse: Path, wall_seconds: float, target: str = "duckdb") -> dict:
    """Where a dbt build's wall time went, from its run_results.json: dbt's own elapsed
    time (the run: hooks, seeds, models, tests), the rest of the wall time (process
    start-up, imports, parse, connecting), and per resource type (seed, model, test,
    unit_test) the nodes, their summed execution seconds (over dbt's threads) and that sum's
    share of the elapsed time."""
    from lui.warehouse.dbt import dbt_target_path

    run = json.loads((dbt_target_path(warehouse, target) / "run_results.json").read_text())
    elapsed = float(run["elapsed_time"])
    kinds: dict[str, dict] = {}
    for node in run["results"]:
        kind = kinds.setdefault(node["unique_id"].split(".")[0], {"nodes": 0, "node_seconds": 0.0})
        kind["nodes"] += 1
        kind["node_seconds"] += float(node["execution_time"])
    busy = sum(kind["node_seconds"] for kind in kinds.values()) or 1.0
    for kind in kinds.values():
        kind["share_of_elapsed_seconds"] = elapsed * kind["node_seconds"] / busy
    return {
        "wall_seconds": wall_seconds,
        "elapsed_seconds": elapsed,
        "startup_and_parse_seconds": wall_seconds - elapsed,
        "by_type": kinds,
    }


def build(wave: str, warehouse: str) -> dict:
    from lui.warehouse.dbt import dbt_build

    started = time.perf_counter()
    dbt_build(wave, warehouse=Path(warehouse))
    return {"dbt": dbt_breakdown(Path(warehouse), time.perf_counter() - started)}


def local_step(wave: str, warehouse: str) -> dict:
    """The local-authority estimates of that wave (docs/local_estimates.md): `dbt build`
    of the sufficient statistics, the fit and EBLUP, the direct estimates and the two
    marts, with their tests (the scores upstream are views, computed inside it)."""
    from lui.warehouse.dbt import dbt_build

    dbt_build(wave, warehouse=Path(warehouse), extra=["--select", "int_local_model_cells+"])
    return {}


def local_fit(wave: str, warehouse: str) -> dict:
    """The fit and EBLUP alone (Python, on the wave's sufficient statistics)."""
    from lui.warehouse import local_model

    with duckdb.connect(warehouse, read_only=True) as con:
        cells, frame = local_model.warehouse_inputs(con, wave)
    started = time.perf_counter()
    out = local_model.estimate_all(cells, frame)
    return {"fit_seconds": time.perf_counter() - started, "rows": len(out), "cells": len(cells)}


def dbt_startup(warehouse: str) -> dict:
    """dbt's fixed cost: parse, connect and run the smallest model (dim_mission)."""
    from lui.warehouse.dbt import dbt_build

    dbt_build(warehouse=Path(warehouse), extra=["--select", "dim_mission"])
    return {}


def publish(warehouse: str, marts: str) -> dict:
    from lui.warehouse.publish import publish as publish_marts

    publish_marts(Path(warehouse), Path(marts))
    return {}


def _mart(warehouse: str, wave: str) -> pd.DataFrame:
    """The wave's index rows of the single breakdowns (the baselines compute no crosses)."""
    from lui import contract

    with duckdb.connect(warehouse, read_only=True) as con:
        index = con.execute("select * from marts.fct_mission_index where wave_id = ?", [wave]).df()
    return index[~index.breakdown.isin(contract.CROSS_BREAKDOWN_NAMES)]


def _agreement(computed: pd.DataFrame, warehouse: str, wave: str) -> dict:
    """Largest differences between a baseline and the mart (non-suppressed cells)."""
    mart = _mart(warehouse, wave)
    computed = computed.assign(mission_id=computed.mission_id.astype(int))
    merged = mart.merge(computed, on=INDEX_KEYS, suffixes=("", "_baseline"), validate="one_to_one")
    shown = merged[~merged.suppressed]
    return {
        "rows_compared": int(len(merged)),
        "rows_missing": int(len(mart) - len(merged)),
        "max_abs_diff_index": float((shown.index_score - shown.index_score_baseline).abs().max()),
        "max_abs_diff_se": float(
            (shown.standard_error - shown.standard_error_baseline).abs().max()
        ),
        # the mart publishes its weighted base rounded (var base_decimals), pandas does not
        "max_abs_diff_weighted_base": float(
            (merged.weighted_base - merged.weighted_base_baseline).abs().max()
        ),
        "bases_equal": bool((merged.unweighted_base == merged.unweighted_base_baseline).all()),
    }


# Each output of the floor (bench/floor.sql) and the mart it must equal: its keys (besides
# wave_id), the estimates compared to AGREEMENT absolutely, the weighted figures compared
# relatively, and the columns that must be identical (bases, counts, flags, ranks).
FLOOR_OUTPUTS: dict[str, dict[str, Any]] = {
    "fct_mission_index": {
        "floor": "floor_index",
        "keys": ["breakdown", "group_label", "mission_id"],
        "values": ["index_score", "standard_error"],
        "weighted": ["weighted_base", "effective_base"],
        "exact": ["unweighted_base", "vs_rest"],
    },
    "fct_priorities": {
        "floor": "floor_priorities",
        "keys": ["breakdown", "group_label", "priority_code"],
        "values": ["pct_chosen", "standard_error", "rest_pct_chosen"],
        "weighted": ["weighted_base", "effective_base"],
        "exact": ["unweighted_base", "more_emphasis", "rank_in_group"],
    },
    "fct_question_toplines": {
        "floor": "floor_toplines",
        "keys": ["breakdown", "group_label", "question_code", "response_code"],
        "values": ["weighted_pct"],
        "weighted": ["weighted_count", "weighted_base"],
        "exact": ["unweighted_count", "unweighted_base"],
    },
    "fct_question_nets": {
        "floor": "floor_nets",
        "keys": ["breakdown", "group_label", "question_code", "net_code"],
        "values": ["pct", "standard_error"],
        "weighted": ["weighted_base", "effective_base"],
        "exact": ["unweighted_base", "vs_rest"],
    },
    "fct_mission_question_contributions": {
        "floor": "floor_contributions",
        "keys": ["breakdown", "group_label", "mission_id", "question_code"],
        "values": ["mean_points", "weight_share", "contribution_to_index"],
        "weighted": [],
        "exact": ["answered_respondents"],
    },
}


def _largest(expressions: list[str]) -> str:
    """The largest of some per-row differences over every row (0 without any)."""
    if not expressions:
        return "0.0"
    return f"coalesce(max(greatest({', '.join(expressions)})), 0.0)"


def compare_with_mart(
    con: duckdb.DuckDBPyConnection, table: str, mart: str, wave: str, spec: dict[str, Any]
) -> dict:
    """One output of the floor against its mart for the wave: rows on either side only,
    the largest absolute difference of the estimates and relative one of the weighted
    figures (both null on the same rows), and the rows whose exact columns differ;
    estimates_compared counts the rows with an estimate (not suppressed)."""
    on = " and ".join(f"f.{k} = m.{k}" for k in spec["keys"])
    floats = spec["values"] + spec["weighted"]
    absolute = [f"coalesce(abs(f.{c} - m.{c}), 0)" for c in spec["values"]]
    relative = [
        f"coalesce(abs(f.{c} - m.{c}) / greatest(abs(m.{c}), 1), 0)" for c in spec["weighted"]
    ]
    differs = [f"(f.{c} is null) <> (m.{c} is null)" for c in floats]
    differs += [f"f.{c} is distinct from m.{c}" for c in spec["exact"]]
    query = f"""
        with m as (select * from marts.{mart} where wave_id = $wave)
        select
            count(*) as rows_compared,
            count(f.{spec["values"][0]}) as estimates_compared,
            count_if(f.wave_id is null or m.wave_id is null) as rows_missing,
            {_largest(absolute)} as max_abs_diff,
            {_largest(relative)} as max_rel_diff_weighted,
            count_if({" or ".join(differs)}) as rows_differing
        from {table} as f full outer join m on {on}
    """
    cursor = con.execute(query, {"wave": wave})
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def sql_floor(wave: str, warehouse: str) -> dict:
    """The floor (bench/floor.sql) in one connection, timed; then each of its outputs
    checked against its mart."""
    with duckdb.connect(warehouse, read_only=True) as con:
        con.execute("set variable wave = ?", [wave])
        started = time.perf_counter()
        con.execute(FLOOR_SQL)
        seconds = time.perf_counter() - started
        marts = {
            mart: compare_with_mart(con, spec["floor"], mart, wave, spec)
            for mart, spec in FLOOR_OUTPUTS.items()
        }
    return {"query_seconds": seconds, "marts": marts}


# What a landing wrote, to compare two landings of the same file: rows and an
# order-free fingerprint of every row of each raw table
RAW_FINGERPRINTS = {
    "respondents": "select count(*), sum(hash(columns(*))) from {db}.raw.respondents",
    "responses": "select count(*), sum(hash(respondent_id, question_code, response_code)) "
    "from {db}.raw.responses",
}


def land_floor(file: str, wave: str, warehouse: str) -> dict:
    """The land floor (bench/land_floor.py) into a scratch warehouse beside `warehouse`,
    then its raw tables compared with what `lui land` wrote to `warehouse`."""
    from land_floor import land_floor as run_land_floor

    scratch = Path(warehouse).with_name("land_floor.duckdb")
    result = run_land_floor(file, wave, str(scratch))
    with duckdb.connect(str(scratch), read_only=True) as con:
        con.execute(f"attach '{warehouse}' as landed (read_only)")
        equal = {}
        for table, query in RAW_FINGERPRINTS.items():
            ours = con.execute(query.format(db="land_floor")).fetchone()
            theirs = con.execute(query.format(db="landed") + " where wave_id = ?", [wave])
            theirs = theirs.fetchone()
            equal[table] = bool(ours == theirs)
    scratch.unlink(missing_ok=True)
    return {**result, "tables_equal": equal}


def _tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every process descended from it, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, grown = {root}, True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grown = bool(children)
    pages = 0
    for pid in tree:
        try:
            pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError):
            continue
    return pages * resource.getpagesize() / 2**20


class TreeMemory:
    """Samples the resident memory of this process and all its descendants (dbt, Spark's
    JVM: pyspark does not wait for the JVM, so getrusage never sees it) every
    `interval` seconds; `peak_mb` is the largest sum seen."""

    def __init__(self, interval: float = 0.5) -> None:
        self.interval, self.peak_mb = interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, _tree_rss_mb(os.getpid()))

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def spark_build(wave: str, warehouse: str, marts: str) -> dict:
    """`lui build --target spark --wave W` in full: export the raw tables to Parquet, dbt
    build on the local Spark session (under the bench's work folder: lui.paths.spark_dir),
    publish to `marts`; then its index compared with the DuckDB build's."""
    from lui.warehouse.build import build as build_wave
    from lui.warehouse.dbt import SPARK

    started = time.perf_counter()
    with TreeMemory() as memory:
        build_wave(wave, warehouse=Path(warehouse), marts=Path(marts), stream=False, engine=SPARK)
    seconds = time.perf_counter() - started
    dbt = dbt_breakdown(Path(warehouse), seconds, SPARK)
    with duckdb.connect(marts, read_only=True) as con:
        con.execute(f"attach '{warehouse}' as duck (read_only)")
        spec = FLOOR_OUTPUTS["fct_mission_index"]
        index = compare_with_mart(
            con,
            f"(select * from duck.marts.fct_mission_index where wave_id = '{wave}')",
            "fct_mission_index",
            wave,
            spec,
        )
        answers = con.execute(
            "select count(*) from duck.raw.responses where wave_id = ?", [wave]
        ).fetchone()[0]
    return {
        "dbt": dbt,
        "index_vs_duckdb": index,
        "answers": answers,
        "process_tree_peak_rss_mb": memory.peak_mb,
    }


def pandas_baseline(wave: str, warehouse: str) -> dict:
    from lui.demo import pandas_index

    def read(sql: str) -> pd.DataFrame:
        # text as categoricals: 80 million answers as Python strings do not fit in memory
        table = con.execute(sql, [wave]).arrow()
        if not hasattr(table, "to_pandas"):  # a record batch reader
            table = table.read_all()
        return table.to_pandas(strings_to_categorical=True)

    started = time.perf_counter()
    with duckdb.connect(warehouse, read_only=True) as con:
        respondents = read("select * from raw.respondents where wave_id = ?")
        responses = read("select * from raw.responses where wave_id = ?")
    computed = pandas_index.mission_index(respondents, responses)
    seconds = time.perf_counter() - started
    return {"compute_seconds": seconds, **_agreement(computed, warehouse, wave)}


def app_queries(marts: str, repeats: int = 5) -> dict:
    """Median time of each query the app's pages run, uncached, on the published copy."""
    import os

    from lui.present import queries  # every query the app's pages run

    os.environ["LUI_MARTS"] = marts
    copy = queries.published()
    waves = queries.waves.__wrapped__(copy)
    latest = str(waves.wave_id.max())
    regions = queries.groups.__wrapped__(copy, "region")
    calls: dict[str, Callable[[], object]] = {
        "waves": lambda: queries.waves.__wrapped__(copy),
        "missions": lambda: queries.missions.__wrapped__(copy),
        "breakdowns": lambda: queries.breakdowns.__wrapped__(copy),
        "groups(region)": lambda: queries.groups.__wrapped__(copy, "region"),
        "mission_trends(region, 4 groups)": lambda: queries.mission_trends.__wrapped__(
            copy, "region", tuple(regions[:4])
        ),
        "scorecard(region)": lambda: queries.scorecard.__wrapped__(copy, "region", regions[0]),
        "breakdown_index(supergroup)": lambda: queries.breakdown_index.__wrapped__(
            copy, "supergroup", latest
        ),
        "priorities(region)": lambda: queries.priorities.__wrapped__(copy, "region", latest),
        "landings": lambda: queries.landings.__wrapped__(copy),
    }
    timings = {}
    for name, call in calls.items():
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            call()
            runs.append(time.perf_counter() - started)
        timings[name] = statistics.median(runs)
    return {"query_seconds": timings, "waves_published": int(len(waves))}


STAGES: dict[str, Callable[..., dict]] = {
    f.__name__: f
    for f in (
        generate,
        land,
        build,
        dbt_startup,
        local_step,
        local_fit,
        publish,
        sql_floor,
        land_floor,
        spark_build,
        pandas_baseline,
        app_queries,
    )
}


def main() -> None:
    stage, arguments = sys.argv[1], json.loads(sys.argv[2])
    started = time.perf_counter()
    result = STAGES[stage](**arguments)
    seconds = time.perf_counter() - started
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    # a stage that sampled its process tree (Spark's JVM) reports the larger figure
    peak_mb = max(peak_kb / 1024, result.get("process_tree_peak_rss_mb", 0.0))
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb, **result}, default=float))


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
