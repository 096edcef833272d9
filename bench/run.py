"""`make bench`: what a wave costs at 4,162, 100,000 and 1,000,000 respondents.

For each size: generate a wave (the demo generator's questionnaire), land it (with the
Great Expectations gate), `dbt build` that wave, publish; and on the same data two
baselines: the index hand-written as one DuckDB query (the floor) and computed with
pandas (what an analyst's script would do), both checked against the marts to 1e-9.
Then history: 12 waves landed and built one by one, and the app's queries with 12 waves
published. Every stage runs in its own process (bench/stages.py) for its peak memory.

Writes bench/results.json and the results section of bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import dbt.version
import duckdb

BENCH_DIR = Path(__file__).resolve().parent
README = BENCH_DIR / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
AGREEMENT = 1e-9
# builds are timed as the median of this many runs by default (--repeats); the machine's
# timings vary by 10-15%
BUILD_REPEATS = 3
# a wave with no answers, after every landed one: building it costs what dbt costs
# whatever the data (start-up, seeds, every node's and test's overhead)
EMPTY_WAVE = "2099-12"
TARGETS = {
    "million_land_build_publish_seconds": 180.0,
    "million_peak_rss_mb": 4096.0,
    "build_vs_floor_ratio": 2.0,
    "pandas_vs_build_ratio": 10.0,
    "history_growth_ratio": 1.2,
    "app_query_seconds": 0.2,
    # the local-authority estimates of one wave (stage local_step), by size
    "local_step_seconds_4162": 10.0,
    "local_step_seconds_1000000": 60.0,
}


def stage(name: str, repeats: int = 1, **arguments: object) -> dict:
    """Run one stage in its own process (`repeats` times, each in a new process: the
    median time, the largest peak memory); print and return its result."""
    runs = []
    for _ in range(repeats):
        command = [sys.executable, str(BENCH_DIR / "stages.py"), name, json.dumps(arguments)]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            sys.stderr.write(completed.stdout + completed.stderr)
            raise SystemExit(f"bench: stage {name} failed")
        runs.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    result = {
        **runs[-1],
        "seconds": statistics.median(run["seconds"] for run in runs),
        "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "runs_seconds": [run["seconds"] for run in runs],
    }
    shown = f"  {name:<16} {result['seconds']:8.2f} s  {result['peak_rss_mb']:8.0f} MB"
    print(shown + (f"  (median of {repeats})" if repeats > 1 else ""), flush=True)
    return result


def bench_size(work: Path, respondents: int, wave: str, seed: int, repeats: int) -> dict:
    print(f"wave of {respondents:,} respondents", flush=True)
    folder = work / f"n{respondents}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warehouse, marts = str(folder / "levelling_up.duckdb"), str(folder / "published.duckdb")
    wave_file = str(folder / f"wave-{wave}.parquet")
    results = {"respondents": respondents}
    results["generate"] = stage(
        "generate", out=wave_file, wave=wave, respondents=respondents, seed=seed
    )
    results["land"] = stage("land", file=wave_file, wave=wave, warehouse=warehouse)
    # the first build of a warehouse creates every table; a wave's build is the second
    stage("build", wave=wave, warehouse=warehouse)
    results["build"] = stage("build", repeats, wave=wave, warehouse=warehouse)
    results["build_fixed_cost"] = stage("build", repeats, wave=EMPTY_WAVE, warehouse=warehouse)
    results["build_index_path"] = stage("build_index_path", repeats, wave=wave, warehouse=warehouse)
    results["dbt_startup"] = stage("dbt_startup", repeats, warehouse=warehouse)
    results["local_step"] = stage("local_step", repeats, wave=wave, warehouse=warehouse)
    results["local_fit"] = stage("local_fit", wave=wave, warehouse=warehouse)
    results["publish"] = stage("publish", warehouse=warehouse, marts=marts)
    results["sql_floor"] = stage("sql_floor", wave=wave, warehouse=warehouse)
    results["pandas"] = stage("pandas_baseline", wave=wave, warehouse=warehouse)
    results["app_queries"] = stage("app_queries", marts=marts)
    return results


def bench_history(work: Path, waves: int, respondents: int, repeats: int) -> dict:
    print(f"history: {waves} waves of {respondents:,} respondents, one by one", flush=True)
    folder = work / "history"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    warehouse, marts = str(folder / "levelling_up.duckdb"), str(folder / "published.duckdb")
    builds = []
    for number in range(waves):
        year, month = 2018 + number // 12, number % 12 + 1
        wave = f"{year}-{month:02d}"
        wave_file = str(folder / f"wave-{wave}.parquet")
        stage("generate", out=wave_file, wave=wave, respondents=respondents, seed=number + 1)
        stage("land", file=wave_file, wave=wave, warehouse=warehouse)
        if number == 0:
            # the first build creates every table; like the sizes above, the first wave's
            # figure is its second, incremental build, the kind every later wave gets
            stage("build", wave=wave, warehouse=warehouse)
        # the two builds compared are medians of three; the waves between are timed once
        runs = repeats if number in (0, waves - 1) else 1
        builds.append(stage("build", runs, wave=wave, warehouse=warehouse)["seconds"])
    stage("publish", warehouse=warehouse, marts=marts)
    app = stage("app_queries", marts=marts)
    return {"build_seconds": builds, "app_queries": app}


def check(value: float, relation: str, bound: float) -> dict:
    """A measured figure against its target (`relation` is "<=", "<" or ">=")."""
    met = {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[relation]
    return {"value": value, "target": f"{relation} {bound:g}", "met": met}


def evaluate(sizes: list[dict], history: dict | None) -> dict:
    """Each target with the measured figure and whether it is met."""
    checks: dict[str, dict] = {}
    for size in sizes:
        n = size["respondents"]
        build, floor, fixed, startup = (
            size["build"]["seconds"],
            size["sql_floor"]["query_seconds"],
            size["build_fixed_cost"]["seconds"],
            size["dbt_startup"]["seconds"],
        )
        # dbt's fixed cost: the same build with no data (start-up and every node's overhead)
        limit = TARGETS["build_vs_floor_ratio"] * floor + fixed
        checks[f"n{n}_build_within_2x_floor_plus_fixed_cost"] = check(build / limit, "<=", 1)
        # stricter: only the start-up of a one-model build counted as fixed
        strict = TARGETS["build_vs_floor_ratio"] * floor + startup
        checks[f"n{n}_build_within_2x_floor_plus_startup_only"] = check(build / strict, "<=", 1)
        index_path = size["build_index_path"]["seconds"]
        checks[f"n{n}_index_path_build_within_2x_floor_plus_startup_only"] = check(
            index_path / strict, "<=", 1
        )
        for baseline in ("sql_floor", "pandas"):
            agree = size[baseline]
            worst = max(agree["max_abs_diff_index"], agree["max_abs_diff_se"])
            agreement = check(worst, "<=", AGREEMENT)
            agreement["met"] = (
                agreement["met"]
                and agree["bases_equal"]
                and agree["rows_missing"] == 0
                and agree["max_rel_diff_weighted_base"] <= AGREEMENT
            )
            checks[f"n{n}_{baseline}_agrees_with_marts"] = agreement
        local_target = TARGETS.get(f"local_step_seconds_{n}")
        if local_target is not None:
            checks[f"n{n}_local_step_seconds"] = check(
                size["local_step"]["seconds"], "<", local_target
            )
    million = next((s for s in sizes if s["respondents"] >= 1_000_000), None)
    if million:
        total = sum(million[k]["seconds"] for k in ("land", "build", "publish"))
        peak = max(million[k]["peak_rss_mb"] for k in ("generate", "land", "build", "publish"))
        ratio = million["pandas"]["seconds"] / million["build"]["seconds"]
        checks["million_land_build_publish_seconds"] = check(
            total, "<", TARGETS["million_land_build_publish_seconds"]
        )
        checks["million_peak_rss_mb"] = check(peak, "<", TARGETS["million_peak_rss_mb"])
        checks["million_build_faster_than_pandas"] = check(
            ratio, ">=", TARGETS["pandas_vs_build_ratio"]
        )
    if history:
        builds = history["build_seconds"]
        checks["history_last_build_vs_first"] = check(
            builds[-1] / builds[0], "<=", TARGETS["history_growth_ratio"]
        )
        slowest = max(history["app_queries"]["query_seconds"].values())
        checks["app_slowest_query_seconds_12_waves"] = check(
            slowest, "<", TARGETS["app_query_seconds"]
        )
    return checks


def environment() -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.machine(),
        "cpus": len(__import__("os").sched_getaffinity(0)),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt": str(dbt.version.installed),
    }


def markdown(results: dict) -> str:
    lines = [
        BEGIN,
        "",
        f"Run {results['environment']['date']} on {results['environment']['cpus']} "
        f"cores (DuckDB {results['environment']['duckdb']}, dbt {results['environment']['dbt']}).",
        "",
    ]
    lines += ["| respondents | stage | seconds | peak MB |", "|---:|---|---:|---:|"]
    for size in results["sizes"]:
        stages = (
            "generate",
            "land",
            "build",
            "build_fixed_cost",
            "build_index_path",
            "dbt_startup",
            "publish",
        )
        for key in (*stages, "sql_floor", "pandas"):
            s = size[key]
            label = {
                "build": "dbt build (that wave)",
                "build_fixed_cost": "dbt build, a wave with no data (fixed cost)",
                "build_index_path": "dbt build, index path only",
                "sql_floor": "hand-written SQL floor",
                "pandas": "pandas baseline",
                "dbt_startup": "dbt start-up (one-model build)",
            }.get(key, key)
            cells = [f"{size['respondents']:,}", label, f"{s['seconds']:.2f}"]
            lines.append("| " + " | ".join([*cells, f"{s['peak_rss_mb']:.0f}"]) + " |")
    lines += ["", "| target | measured | target | met |", "|---|---:|---|---|"]
    for name, check in results["checks"].items():
        met = "yes" if check["met"] else "**no**"
        lines.append(f"| {name} | {check['value']:.3g} | {check['target']} | {met} |")
    if results.get("history"):
        builds = ", ".join(f"{b:.1f}" for b in results["history"]["build_seconds"])
        lines += [
            "",
            f"History: build seconds of waves 1 to {len(results['history']['build_seconds'])}: "
            f"{builds}",
        ]
        lines += ["", "| app query (12 waves published) | median seconds |", "|---|---:|"]
        for name, seconds in results["history"]["app_queries"]["query_seconds"].items():
            lines.append(f"| {name} | {seconds:.4f} |")
    lines += ["", END]
    return "\n".join(lines)


def write_readme(results: dict) -> None:
    text = README.read_text() if README.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    README.write_text(head + markdown(results) + tail)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[4162, 100_000, 1_000_000])
    parser.add_argument("--history-waves", type=int, default=12)
    parser.add_argument("--history-respondents", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=BENCH_DIR / "work")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    parser.add_argument(
        "--repeats", type=int, default=BUILD_REPEATS, help="runs of each timed build (median)"
    )
    args = parser.parse_args()

    sizes = [bench_size(args.work, n, "2022-02", 1, args.repeats) for n in args.sizes]
    history = (
        bench_history(args.work, args.history_waves, args.history_respondents, args.repeats)
        if args.history_waves > 0
        else None
    )
    results = {"environment": environment(), "sizes": sizes, "history": history}
    results["checks"] = evaluate(sizes, history)
    args.results.write_text(json.dumps(results, indent=2, default=float) + "\n")
    if not args.no_readme:
        write_readme(results)
    for name, check in results["checks"].items():
        status = "ok  " if check["met"] else "MISS"
        print(f"{status} {name}: {check['value']:.3g} (target {check['target']})")
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
