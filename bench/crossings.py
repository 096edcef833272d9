"""What the 21 crossed breakdowns and the pairwise mart add to a wave's build (issue 26).

    .venv/bin/python bench/crossings.py [--sizes 4162 1000000] [--repeats 3]
        [--work bench/work] [--results bench/crossings.json]

For each size, a copy of the warehouse `bench/run.py` left in `<work>/n<size>` (one wave,
2022-02) is rebuilt whole once, then the wave is built with var `cross_breakdowns: []`
(no crossing: the pairwise mart compares the single breakdowns' groups only) and `all`
(the 21 crossings, their pairs and tests), taking turns, `--repeats` times each. Each
build follows one of the other variant, so both parse their vars alike. The share the
crossings add is median(all) / median(none) - 1 of the builds' wall time (target: under
30% at 4,162 and at 1,000,000 respondents); dbt's elapsed time and the nodes that moved
most are kept beside it. Cost is judged here, never in a timed unit test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from pathlib import Path

from lui.warehouse.dbt import dbt_build, dbt_target_path

BENCH_DIR = Path(__file__).resolve().parent
WAVE = "2022-02"
VARIANTS = {"none": "[]", "all": "all"}
TARGET = 1.3


def _build(warehouse: Path, setting: str) -> tuple[float, float, dict[str, float]]:
    """Wall seconds, dbt's elapsed seconds and each node's seconds of one wave build."""
    extra = ["--vars", "{wave_from_environment: true, cross_breakdowns: " + setting + "}"]
    started = time.perf_counter()
    dbt_build(WAVE, warehouse=warehouse, extra=extra)
    wall = time.perf_counter() - started
    run = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text())
    nodes = {r["unique_id"]: r["execution_time"] for r in run["results"]}
    return wall, run["elapsed_time"], nodes


def bench_size(work: Path, respondents: int, repeats: int) -> dict:
    source = work / f"n{respondents}" / "levelling_up.duckdb"
    if not source.exists():
        raise SystemExit(f"{source} is missing: run bench/run.py --sizes {respondents} first")
    folder = work / f"crossings-n{respondents}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warehouse = folder / "levelling_up.duckdb"
    shutil.copy(source, warehouse)
    dbt_build(warehouse=warehouse, extra=["--full-refresh"])
    runs: dict[str, list] = {name: [] for name in VARIANTS}
    for round_ in range(repeats):
        for name, setting in VARIANTS.items():
            wall, elapsed, nodes = _build(warehouse, setting)
            runs[name].append({"wall": wall, "dbt": elapsed, "nodes": nodes})
            print(f"  {respondents:>9,}  round {round_ + 1}  {name:<4} {wall:7.2f} s", flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    median = {n: statistics.median(r["wall"] for r in runs[n]) for n in VARIANTS}
    median_dbt = {n: statistics.median(r["dbt"] for r in runs[n]) for n in VARIANTS}
    ids = set().union(*(r["nodes"] for n in VARIANTS for r in runs[n]))

    def node_median(name: str, node: str) -> float:
        return statistics.median(r["nodes"].get(node, 0.0) for r in runs[name])

    moved = sorted(
        ((node_median("all", i) - node_median("none", i), i) for i in ids), reverse=True
    )[:10]
    return {
        "respondents": respondents,
        "wall_seconds": {n: [r["wall"] for r in runs[n]] for n in VARIANTS},
        "dbt_seconds": {n: [r["dbt"] for r in runs[n]] for n in VARIANTS},
        "median_wall_seconds": median,
        "all_over_none": median["all"] / median["none"],
        "all_over_none_dbt": median_dbt["all"] / median_dbt["none"],
        "met": median["all"] / median["none"] < TARGET,
        "nodes_added_most": [{"node": i, "seconds": s} for s, i in moved],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[4162, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "work")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "crossings.json")
    args = parser.parse_args()
    results = [bench_size(args.work, n, args.repeats) for n in args.sizes]
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    for size in results:
        status = "ok  " if size["met"] else "MISS"
        print(
            f"{status} {size['respondents']:,}: all 21 crossings / none = "
            f"{size['all_over_none']:.2f} (target < {TARGET})"
        )
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
