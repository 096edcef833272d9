"""Did the house (issue 11) make the build slower? The same waves built before and after.

Of the house's changes, one could change what a build costs: one way to scope a build to a
wave (`wave_scope()` in every per-wave import CTE, commit 3ac511b), which replaced four
mechanisms (`wave_predicate()`, a hand-written scope in `fct_mission_index`, the
`__build_wave__` token of `get_where_subquery`). Its parent, b78c344, has the same models
and features otherwise. The others moved files (724ca4e: marts identical), gave each fact
one home in Python (f1f53ba) or removed work (1019f8b: `int_responses__scored` and its
test deleted).

For each commit this checks the project out into a git worktree, lands the same generated
waves with that commit's own `lui` (its `src/` first on PYTHONPATH, this machine's
pinned packages) and builds them with that commit's dbt project: a full build and a build
of the last wave, `--repeats` times each, interleaved between the commits and taking
them in turns (before first in odd runs, after first in even ones, so neither always
runs on a warmer or a busier machine). `--builds wave_build` repeats the wave build only.
Both leave out the dbt unit tests (as every build does now). Writes bench/house.json (every
run's wall time and each node's execution time from dbt's run_results.json) and prints the
medians and the nodes whose median time changed most, so a difference can be traced to a
model or a test.

    .venv/bin/python bench/house.py --respondents 100000 --waves 2 --repeats 3

`--before` and `--after` compare two other commits the same way (issue 29's lean core:
`--before 2de5b22 --after <its commit>`; issue 26's 21 crossings and fct_group_comparisons,
bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import BENCH_DIR, stage

from lui.warehouse.dbt import WITHOUT_UNIT_TESTS, dbt_target_path

REPOSITORY = BENCH_DIR.parent
BEFORE, AFTER = "b78c344", "3ac511b"
WAVES = ("2024-02", "2024-08", "2025-02", "2025-08")
BUILDS = ("full_build", "wave_build")  # every wave; the last wave alone


# Both commits refused a healthy warehouse as truncated when a free block lay past the end
# of the file (fixed later, in dc22b9c): the check is off here, in both, as it is not what
# is measured.
PRELUDE = "import lui.landing.raw\nlui.landing.raw.check_complete = lambda *a, **k: None\n"


def run_python(checkout: Path, code: str) -> None:
    """Run `code` with the checkout's `lui` package (its src/ before the installed one)."""
    env = dict(os.environ, PYTHONPATH=str(checkout / "src"), GX_ANALYTICS_ENABLED="false")
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + code], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/house.py: {checkout.name} failed:\n{done.stdout}{done.stderr}")


def node_seconds(warehouse: Path) -> dict[str, float]:
    """Each node's execution time in the build just run, from its run_results.json (both
    commits put their dbt target folder where `dbt_target_path` says)."""
    run = json.loads((dbt_target_path(warehouse) / "run_results.json").read_text())
    return {node["unique_id"]: float(node["execution_time"]) for node in run["results"]}


def slowest_changes(nodes: dict[str, dict[str, list[dict[str, float]]]], kind: str) -> list:
    """The 8 nodes whose median execution time in `kind` changed most, either way, as
    (node, before, after); a node one commit did not run counts 0 s there."""
    medians = {
        name: {
            node: statistics.median(run.get(node, 0.0) for run in runs[kind])
            for node in set().union(*runs[kind])
        }
        for name, runs in nodes.items()
    }
    every_node = set(medians["before"]) | set(medians["after"])
    changes = [
        (node, medians["before"].get(node, 0.0), medians["after"].get(node, 0.0))
        for node in every_node
    ]
    return sorted(changes, key=lambda change: abs(change[2] - change[1]), reverse=True)[:8]


def build(checkout: Path, warehouse: Path, wave: str | None) -> float:
    code = (
        "from pathlib import Path\n"
        "from lui.warehouse.dbt import dbt_build\n"
        f"dbt_build({wave!r}, warehouse=Path({str(warehouse)!r}),"
        f" project_dir=Path({str(checkout)!r}), extra={list(WITHOUT_UNIT_TESTS)!r})\n"
    )
    started = time.perf_counter()
    run_python(checkout, code)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=100_000, help="per wave")
    parser.add_argument("--waves", type=int, default=2, choices=range(1, len(WAVES) + 1))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--builds", nargs="+", choices=BUILDS, default=list(BUILDS), help="which builds to time"
    )
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "house.json")
    parser.add_argument("--before", default=BEFORE, help="the commit before (default: issue 11's)")
    parser.add_argument("--after", default=AFTER, help="the commit after (default: issue 11's)")
    args = parser.parse_args()
    waves = WAVES[: args.waves]
    work = Path(tempfile.mkdtemp(prefix="lui-house-"))
    commits = {"before": args.before, "after": args.after}
    checkouts: dict[str, Path] = {}
    try:
        for name, commit in commits.items():
            checkouts[name] = work / name
            subprocess.run(
                ["git", "-C", str(REPOSITORY), "worktree", "add", "--detach", "--quiet"]
                + [str(checkouts[name]), commit],
                check=True,
            )
        files = []
        for number, wave in enumerate(waves):
            files.append(work / f"wave-{wave}.parquet")
            print(f"{wave}: {args.respondents:,} respondents", flush=True)
            stage(
                "generate",
                out=str(files[-1]),
                wave=wave,
                respondents=args.respondents,
                seed=number + 1,
            )
        warehouses = {name: work / name / "warehouse" / "levelling_up.duckdb" for name in commits}
        for name, checkout in checkouts.items():
            print(f"{name} ({commits[name]}): landing and a first build", flush=True)
            for wave, file in zip(waves, files, strict=True):
                run_python(
                    checkout,
                    "from pathlib import Path\nfrom lui.landing.land import land_file\n"
                    f"land_file({str(file)!r}, {wave!r}, Path({str(warehouses[name])!r}))\n",
                )
            build(checkout, warehouses[name], None)
        timings: dict[str, dict[str, list[float]]] = {
            name: {kind: [] for kind in args.builds} for name in commits
        }
        nodes: dict[str, dict[str, list[dict[str, float]]]] = {
            name: {kind: [] for kind in args.builds} for name in commits
        }
        for repeat in range(args.repeats):
            order = list(commits) if repeat % 2 == 0 else list(reversed(commits))
            for name in order:
                for kind in args.builds:
                    scope = waves[-1] if kind == "wave_build" else None
                    seconds = build(checkouts[name], warehouses[name], scope)
                    timings[name][kind].append(seconds)
                    nodes[name][kind].append(node_seconds(warehouses[name]))
                    print(f"  run {repeat + 1} {name:<7} {kind} {seconds:6.1f} s", flush=True)
    finally:
        for checkout in checkouts.values():
            subprocess.run(
                ["git", "-C", str(REPOSITORY), "worktree", "remove", "--force", str(checkout)],
                check=False,
            )
        shutil.rmtree(work, ignore_errors=True)
    medians = {
        name: {kind: statistics.median(runs) for kind, runs in kinds.items()}
        for name, kinds in timings.items()
    }
    result = {
        "commits": commits,
        "respondents_per_wave": args.respondents,
        "waves": list(waves),
        "repeats": args.repeats,
        "seconds": timings,
        "median_seconds": medians,
        "after_over_before": {
            kind: medians["after"][kind] / medians["before"][kind] for kind in medians["after"]
        },
        "largest_node_changes": {
            kind: [
                {"node": node, "before_seconds": before, "after_seconds": after}
                for node, before, after in slowest_changes(nodes, kind)
            ]
            for kind in args.builds
        },
        "node_seconds": nodes,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'':8}" + "".join(f"{kind:>12}" for kind in args.builds), end="")
    print(f"  (median of {args.repeats}, seconds)")
    for name in commits:
        print(f"{name:<8}" + "".join(f"{medians[name][kind]:12.1f}" for kind in args.builds))
    ratio = result["after_over_before"]
    print(f"{'ratio':<8}" + "".join(f"{ratio[kind]:12.2f}" for kind in args.builds), end="")
    print(f"  -> {args.out}")
    for kind, changes in result["largest_node_changes"].items():
        print(f"largest changes of a node's median execution time, {kind} (before -> after, s):")
        for change in changes:
            before, after = change["before_seconds"], change["after_seconds"]
            print(f"  {before:7.2f} -> {after:7.2f}  {change['node']}")


if __name__ == "__main__":
    main()
