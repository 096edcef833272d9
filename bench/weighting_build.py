"""What the 50 JK1 replicates add to the build: one wave, with and without its replicates.

    .venv/bin/python bench/weighting_build.py [--sizes 4162] [--repeats 1]
        [--results bench/weighting_build.json]

For each size, the demo's generator writes one wave delivered with design weights only
(the demo's example wave, lui.demo.run.weighting_example); landing rakes it and makes its
50 JK1 replicates (raw.replicate_weights). A copy of that warehouse has the replicates
taken out (raw.replicate_weights emptied, se_method taylor_weights: what a wave that keeps a
final weight costs). `dbt build` of every model and test runs on each, alternately, and
the share the replicates add is (with - without) / without, on the fastest run of each
(target: under 60%, issue 27). The design models' own time is read from dbt's
run_results.json. Cost is judged here, never in a timed unit test; docs/weighting.md
("Cost") reports the results.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from lui.demo import generate
from lui.demo import model as demo_model
from lui.demo.run import WEIGHTING_EXAMPLE_WAVE, weighting_example
from lui.landing import land
from lui.warehouse.dbt import dbt_build, dbt_target_path

DESIGN_MODELS = (
    "int_replicate_waves",
    "int_measure_cell_replicate_sums",
    "int_measure_group_replicate_estimates",
    "int_measure_group_design_errors",
    "int_group_pair_design_errors",
    "stg_raw__replicate_weights",
)


def land_raked(n: int, folder: Path) -> Path:
    """A warehouse holding one wave of n respondents, raked at landing with its replicates."""
    warehouse = folder / "with.duckdb"
    if n == demo_model.BASELINE_RESPONDENTS:
        weighting_example(folder, warehouse)
        return warehouse
    path = folder / "wave.parquet"
    generate.write_wave(
        path, WEIGHTING_EXAMPLE_WAVE, n, demo_model.DEMO_SEED, design_weights_only=True
    )
    land.land_file(path, WEIGHTING_EXAMPLE_WAVE, warehouse=warehouse)
    return warehouse


def without_replicates(warehouse: Path) -> Path:
    """A copy of the warehouse whose wave has no replicates (weights-only SEs)."""
    copy = warehouse.with_name("without.duckdb")
    shutil.copyfile(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("delete from raw.replicate_weights")
        con.execute(
            "update raw.weighting_waves set se_method = 'taylor_weights', replicates = null"
        )
    return copy


def design_seconds(warehouse: Path) -> float:
    """The design models' execution time in the last build (dbt's run_results.json)."""
    results = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text())
    return sum(
        r["execution_time"]
        for r in results["results"]
        if r["unique_id"].split(".")[-1] in DESIGN_MODELS
    )


def measure(n: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with_path = land_raked(n, folder)
        without_path = without_replicates(with_path)
        times: dict[str, list[float]] = {"with": [], "without": []}
        design: list[float] = []
        for _ in range(repeats):
            for label, path in (("without", without_path), ("with", with_path)):
                start = time.perf_counter()
                dbt_build(warehouse=path, extra=["--full-refresh"])
                times[label].append(time.perf_counter() - start)
                if label == "with":
                    design.append(design_seconds(path))
        with duckdb.connect(str(with_path), read_only=True) as con:
            rows = con.execute("select count(*) from raw.replicate_weights").fetchone()[0]
    best_with, best_without = min(times["with"]), min(times["without"])
    return {
        "respondents": n,
        "replicate_weight_rows": rows,
        "build_with_replicates_s": times["with"],
        "build_without_replicates_s": times["without"],
        "design_models_s": design,
        "added_share": (best_with - best_without) / best_without,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4162])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--results", type=Path, default=Path(__file__).with_name("weighting_build.json")
    )
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        result = measure(n, args.repeats)
        print(json.dumps(result), flush=True)
        results.append(result)
    args.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
