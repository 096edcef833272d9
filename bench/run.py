"""`make bench`: what a wave costs at 4,162, 100,000 and 1,000,000 respondents.

For each size: generate a wave (the demo generator's questionnaire), land it (with the
Great Expectations gate) and the same with the land floor (bench/land_floor.py: the same
checks as one DuckDB query, the unpivot and the insert), `dbt build` that wave, the same
build of a wave with no data (dbt's fixed cost, broken down from its run_results.json),
publish; the floor (bench/floor.sql: everything the build publishes per wave, hand-written
in DuckDB) and pandas (the index as an analyst's script would compute it), checked against
the marts to 1e-9; and the same wave built on the local Spark session (--no-spark skips
it). Then history: 12 waves landed and built one by one, and the app's queries with 12
waves published. Every stage runs in its own process (bench/stages.py) for its peak memory.

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

from lui import contract

BENCH_DIR = Path(__file__).resolve().parent
README = BENCH_DIR / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
AGREEMENT = 1e-9
# pandas leaves the weighted base unrounded; the marts publish it to var base_decimals
# places (in the weights' base_scale: 1 for the demo's weights, whose mean is 1)
PUBLISHED_BASE_TOLERANCE = 0.5 * 10.0 ** -contract.dbt_vars()["base_decimals"] + AGREEMENT
# builds are timed as the median of this many runs by default (--repeats); the machine's
# timings vary by 10-15%
BUILD_REPEATS = 3
# a wave with no answers, after every landed one: building it costs what dbt costs
# whatever the data (start-up, seeds, every node's and test's overhead)
EMPTY_WAVE = "2099-12"
# the size the scale targets are judged at (the largest run, when at least this big)
TARGET_SIZE = 1_000_000
TARGETS = {
    # land + build + publish of the 1,000,000-respondent wave, and its peak memory
    "million_land_build_publish_seconds": 40.0,
    "million_peak_rss_mb": 3072.0,
    # the build's data-dependent cost (build minus the empty-wave build) over the floor
    "build_data_cost_vs_floor_ratio": 1.5,
    # `lui land` over the land floor
    "land_vs_land_floor_ratio": 2.0,
    # dbt's fixed cost: the build of a wave with no data (every size)
    "fixed_cost_seconds": 5.0,
    "history_growth_ratio": 1.2,
    "app_query_seconds": 0.2,
    # the local-authority estimates of one wave (stage local_step), by size
    "local_step_seconds_4162": 10.0,
    "local_step_seconds_1000000": 60.0,
}


def stage(name: str, repeats: int = 1, required: bool = True, **arguments: object) -> dict:
    """Run one stage in its own process (`repeats` times, each in a new process: the
    median time, the largest peak memory); print and return its result. A stage that
    fails stops the run, unless not `required`: then its result says why ("failed")."""
    runs = []
    for _ in range(repeats):
        command = [sys.executable, str(BENCH_DIR / "stages.py"), name, json.dumps(arguments)]
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            sys.stderr.write(completed.stdout + completed.stderr)
            if not required:
                print(f"  {name:<16} failed (not a target; the run goes on)", flush=True)
                return {"failed": (completed.stdout + completed.stderr).strip()[-2000:]}
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


def bench_size(
    work: Path, respondents: int, wave: str, seed: int, repeats: int, spark: bool
) -> dict:
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
    results["land_floor"] = stage("land_floor", file=wave_file, wave=wave, warehouse=warehouse)
    # the first build of a warehouse creates every table; a wave's build is the second
    stage("build", wave=wave, warehouse=warehouse)
    results["build"] = stage("build", repeats, wave=wave, warehouse=warehouse)
    results["build_fixed_cost"] = stage("build", repeats, wave=EMPTY_WAVE, warehouse=warehouse)
    results["dbt_startup"] = stage("dbt_startup", repeats, warehouse=warehouse)
    results["local_step"] = stage("local_step", repeats, wave=wave, warehouse=warehouse)
    results["local_fit"] = stage("local_fit", wave=wave, warehouse=warehouse)
    results["publish"] = stage("publish", warehouse=warehouse, marts=marts)
    results["sql_floor"] = stage("sql_floor", wave=wave, warehouse=warehouse)
    results["pandas"] = stage("pandas_baseline", wave=wave, warehouse=warehouse)
    results["app_queries"] = stage("app_queries", marts=marts)
    if spark:
        # one build, the wave's first on Spark (it creates the tables as it goes): each
        # takes minutes, and a second, incremental one costs more (bench/README.md)
        results["spark"] = stage(
            "spark_build",
            required=False,
            wave=wave,
            warehouse=warehouse,
            marts=str(folder / "published-spark.duckdb"),
        )
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


def floor_agrees(floor: dict) -> bool:
    """Every output of the floor equals its mart: no row on one side only, estimates to
    AGREEMENT, weighted figures to AGREEMENT relatively, bases, counts and flags equal."""
    return all(
        mart["rows_missing"] == 0
        and mart["rows_differing"] == 0
        and mart["max_abs_diff"] <= AGREEMENT
        and mart["max_rel_diff_weighted"] <= AGREEMENT
        for mart in floor["marts"].values()
    )


def ratios(size: dict) -> dict:
    """The comparisons of one size: the build's data-dependent cost over the floor, `lui
    land` over the land floor, pandas over the build, and Spark against DuckDB."""
    build, fixed = size["build"]["seconds"], size["build_fixed_cost"]["seconds"]
    answers = size["land"]["answers"]
    out = {
        "build_data_cost_seconds": build - fixed,
        "build_data_cost_vs_floor": (build - fixed) / size["sql_floor"]["query_seconds"],
        "land_vs_land_floor": size["land"]["seconds"] / size["land_floor"]["floor_seconds"],
        "pandas_vs_build": size["pandas"]["seconds"] / build,
        "duckdb_build_seconds_per_million_answers": build / answers * 1e6,
    }
    spark = size.get("spark")
    if spark and "failed" not in spark:
        out["spark_vs_duckdb_build"] = spark["seconds"] / build
        out["spark_seconds_per_million_answers"] = spark["seconds"] / answers * 1e6
    return out


def evaluate(sizes: list[dict], history: dict | None) -> dict:
    """Each target with the measured figure and whether it is met."""
    checks: dict[str, dict] = {}
    for size in sizes:
        n = size["respondents"]
        checks[f"n{n}_dbt_fixed_cost_seconds"] = check(
            size["build_fixed_cost"]["seconds"], "<", TARGETS["fixed_cost_seconds"]
        )
        floor = size["sql_floor"]
        worst = max(mart["max_abs_diff"] for mart in floor["marts"].values())
        checks[f"n{n}_sql_floor_agrees_with_marts"] = {
            **check(worst, "<=", AGREEMENT),
            "met": floor_agrees(floor),
        }
        land_floor = size["land_floor"]
        checks[f"n{n}_land_floor_lands_what_lui_land_does"] = {
            "value": len(land_floor["checks_failed"]),
            "target": "no check fails, raw tables equal",
            "met": not land_floor["checks_failed"] and all(land_floor["tables_equal"].values()),
        }
        agree = size["pandas"]
        worst = max(agree["max_abs_diff_index"], agree["max_abs_diff_se"])
        checks[f"n{n}_pandas_agrees_with_marts"] = {
            **check(worst, "<=", AGREEMENT),
            "met": worst <= AGREEMENT
            and agree["bases_equal"]
            and agree["rows_missing"] == 0
            and agree["max_abs_diff_weighted_base"] <= PUBLISHED_BASE_TOLERANCE,
        }
        spark = size.get("spark")
        if spark and "failed" not in spark:
            index = spark["index_vs_duckdb"]
            checks[f"n{n}_spark_index_equals_duckdb"] = {
                **check(index["max_abs_diff"], "<=", AGREEMENT),
                "met": index["rows_missing"] == 0
                and index["rows_differing"] == 0
                and index["max_abs_diff"] <= AGREEMENT,
            }
        local_target = TARGETS.get(f"local_step_seconds_{n}")
        if local_target is not None:
            checks[f"n{n}_local_step_seconds"] = check(
                size["local_step"]["seconds"], "<", local_target
            )
    million = next((s for s in sizes if s["respondents"] >= TARGET_SIZE), None)
    if million:
        total = sum(million[k]["seconds"] for k in ("land", "build", "publish"))
        peak = max(million[k]["peak_rss_mb"] for k in ("generate", "land", "build", "publish"))
        measured = ratios(million)
        checks["million_land_build_publish_seconds"] = check(
            total, "<", TARGETS["million_land_build_publish_seconds"]
        )
        checks["million_peak_rss_mb"] = check(peak, "<", TARGETS["million_peak_rss_mb"])
        checks["million_build_data_cost_within_1.5x_floor"] = check(
            measured["build_data_cost_vs_floor"], "<=", TARGETS["build_data_cost_vs_floor_ratio"]
        )
        checks["million_land_within_2x_land_floor"] = check(
            measured["land_vs_land_floor"], "<=", TARGETS["land_vs_land_floor_ratio"]
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


STAGE_LABELS = {
    "generate": "generate",
    "land": "land (`lui land`)",
    "land_floor": "land floor (bench/land_floor.py)",
    "build": "dbt build (that wave)",
    "build_fixed_cost": "dbt build, a wave with no data (fixed cost)",
    "dbt_startup": "dbt start-up (one-model build)",
    "local_step": "local estimates step (dbt)",
    "publish": "publish",
    "sql_floor": "floor (bench/floor.sql)",
    "pandas": "pandas baseline (index only)",
    "spark": "Spark: export, dbt build, publish",
}
RATIO_LABELS = {
    "build_data_cost_seconds": "build minus fixed cost (s)",
    "build_data_cost_vs_floor": "build minus fixed cost / floor",
    "land_vs_land_floor": "land / land floor",
    "pandas_vs_build": "pandas / build",
    "duckdb_build_seconds_per_million_answers": "DuckDB build s per million answers",
    "spark_vs_duckdb_build": "Spark / DuckDB (land excluded)",
    "spark_seconds_per_million_answers": "Spark s per million answers",
}
# dbt's resource types in the fixed-cost table, in the order a build runs them
NODE_TYPES = ("seed", "model", "test", "unit_test")


def seconds_of(result: dict) -> str:
    """A stage's seconds as shown: the floors' own timings (the SQL only, not the
    process), or why it failed."""
    if "failed" in result:
        return "failed"
    own = result.get("query_seconds", result.get("floor_seconds", result["seconds"]))
    return f"{own:.2f}"


def fixed_cost_lines(sizes: list[dict]) -> list[str]:
    """Where dbt's fixed cost goes, for each size's build of a wave with no data."""
    header = ["respondents", "wall s", "start-up and parse s", "dbt run s"]
    header += [f"{kind}s (nodes, s)" for kind in NODE_TYPES]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---:" for _ in header) + "|",
    ]
    for size in sizes:
        dbt = size["build_fixed_cost"]["dbt"]
        cells = [
            f"{size['respondents']:,}",
            f"{size['build_fixed_cost']['seconds']:.2f}",
            f"{dbt['startup_and_parse_seconds']:.2f}",
            f"{dbt['elapsed_seconds']:.2f}",
        ]
        for kind in NODE_TYPES:
            part = dbt["by_type"].get(kind)
            cells.append(
                f"{part['nodes']}, {part['share_of_elapsed_seconds']:.2f}" if part else "0"
            )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


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
        for key, label in STAGE_LABELS.items():
            if key not in size:
                continue
            s = size[key]
            peak = "" if "failed" in s else f"{s['peak_rss_mb']:.0f}"
            cells = [f"{size['respondents']:,}", label, seconds_of(s), peak]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| respondents | comparison | value |", "|---:|---|---:|"]
    for size in results["sizes"]:
        for key, value in ratios(size).items():
            lines.append(f"| {size['respondents']:,} | {RATIO_LABELS[key]} | {value:.2f} |")
    lines += [
        "",
        "dbt's fixed cost, the build of a wave with no data (node seconds: each type's share "
        "of dbt's run, from run_results.json):",
        "",
        *fixed_cost_lines(results["sizes"]),
    ]
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
        "--no-spark", action="store_true", help="skip the Spark builds (a quick run)"
    )
    parser.add_argument(
        "--spark-sizes",
        type=int,
        nargs="*",
        default=None,
        help="build only these of --sizes on Spark (default: all; about 74 s per million "
        "answers on 2 cores, so 1,000,000 respondents take well over an hour)",
    )
    parser.add_argument(
        "--repeats", type=int, default=BUILD_REPEATS, help="runs of each timed build (median)"
    )
    args = parser.parse_args()

    spark_sizes = args.sizes if args.spark_sizes is None else args.spark_sizes
    # what each stage measured is kept as it comes (beside the results, `.partial`), so a
    # stage that fails late does not take the earlier measurements with it
    partial = args.results.with_name(args.results.name + ".partial")
    sizes = []
    for n in args.sizes:
        sizes.append(
            bench_size(
                args.work,
                n,
                "2022-02",
                1,
                args.repeats,
                spark=not args.no_spark and n in spark_sizes,
            )
        )
        partial.write_text(json.dumps({"sizes": sizes}, indent=2, default=float) + "\n")
    history = (
        bench_history(args.work, args.history_waves, args.history_respondents, args.repeats)
        if args.history_waves > 0
        else None
    )
    partial.unlink(missing_ok=True)
    results = {"environment": environment(), "sizes": sizes, "history": history}
    results["ratios"] = {str(size["respondents"]): ratios(size) for size in sizes}
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
