"""The whole pipeline on the four synthetic demo waves, then the latest UK scores.

Generates the demo wave files (deterministic: the same files every time), lands each one
through the validation gate, builds every wave with dbt, publishes the marts and prints
the latest wave's 12 mission scores for the UK with their 95% intervals and the change
since the previous wave, read from the published marts. Safe to run again: landing the
same file again changes nothing and the build replaces the marts.

The demo waves keep their delivered weights. Last, an example wave delivered with design
weights only (`WEIGHTING_EXAMPLE_WAVE`) is landed in a warehouse of its own beside the demo's
(`weighting_example.duckdb`), so landing rakes it to seeds/weighting/targets.csv and
makes its replicate weights (docs/weighting.md); its weighting report is printed, and it
is built and published on its own (`weighting_example_published.duckdb`), with every SE
from its JK1 replicates.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import duckdb

from lui.demo import generate
from lui.demo import model as demo_model
from lui.errors import LuiError
from lui.landing import land
from lui.paths import PROJECT_ROOT, marts_path, warehouse_path
from lui.present import release
from lui.warehouse import publish
from lui.warehouse.dbt import SCHEMA_CHANGED_HINT, dbt_build

DEFAULT_DIR = PROJECT_ROOT / "demo_waves"
WEIGHTING_EXAMPLE_WAVE = "2024-02"
WEIGHTING_EXAMPLE_WAREHOUSE = "weighting_example.duckdb"
WEIGHTING_EXAMPLE_MARTS = "weighting_example_published.duckdb"
SIGNIFICANT = "*"
TREND_BREAK = "^"

SUMMARY_QUERY = """
select
    f.mission_id,
    f.mission_name,
    f.index_score,
    f.ci_low,
    f.ci_high,
    f.previous_wave_id,
    f.change_vs_previous,
    f.change_significant,
    f.trend_break
from marts.fct_mission_index as f
where f.breakdown = 'all' and f.wave_id = ?
order by f.mission_id
"""


def demo_waves() -> dict[str, int]:
    """The demo waves and their respondent counts, from the generator's model."""
    return {wave: demo_model.BASELINE_RESPONDENTS for wave in demo_model.DEMO_WAVES}


class _Steps:
    """Numbered steps, each printed as it starts and timed on its own when the next starts
    (the time beside a step is that step's, not the time since the start)."""

    def __init__(self, total: int) -> None:
        self.total, self.number = total, 0
        self.started = self.step_started = time.monotonic()

    def next(self, text: str) -> None:
        self._close()
        self.number += 1
        self.step_started = time.monotonic()
        print(f"[{self.number}/{self.total}] {text}", flush=True)

    def _close(self) -> None:
        if self.number:
            print(f"      done in {time.monotonic() - self.step_started:.0f} s", flush=True)

    def finish(self) -> float:
        self._close()
        return time.monotonic() - self.started


def _number(value: float | None, width: int, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-".rjust(width)
    return f"{value:+{width}.1f}" if signed else f"{value:{width}.1f}"


def summary(marts: Path | None = None, wave: str | None = None) -> str:
    """The UK mission scores of `wave` (default: the latest) from the published marts."""
    path = marts or marts_path()
    with duckdb.connect(str(path), read_only=True) as con:
        if wave is None:
            wave = con.execute("select max(wave_id) from marts.dim_wave").fetchone()[0]
        rows = con.execute(SUMMARY_QUERY, [wave]).fetchall()
        base = con.execute(
            "select respondents from marts.dim_wave where wave_id = ?", [wave]
        ).fetchone()
    if not rows:
        return f"no UK mission scores published for wave {wave}"
    previous = next((r[5] for r in rows if r[5]), None)
    name_width = max(len(r[1]) for r in rows)
    change_head = f"change vs {previous}" if previous else "change"
    lines = [
        f"Levelling Up Index, UK, wave {wave} ({base[0]:,} respondents)",
        "",
        f"{'':>3} {'mission':<{name_width}}  {'index':>6}  {'95% interval':>16}  {change_head}",
    ]
    breaks = False
    for mission_id, name, score, low, high, _, change, significant, trend_break in rows:
        interval = f"[{low:.1f}, {high:.1f}]" if low is not None and high is not None else "-"
        marker = (SIGNIFICANT if significant else " ") + (TREND_BREAK if trend_break else " ")
        breaks = breaks or bool(trend_break)
        lines.append(
            f"{mission_id:>3} {name:<{name_width}}  {_number(score, 6)}  {interval:>16}  "
            f"{_number(change, 6, signed=True)} {marker}".rstrip()
        )
    lines += [
        "",
        f"index -200..+200; {SIGNIFICANT} change significant at 95%"
        + (f"; {TREND_BREAK} trend break: the mission's questions changed" if breaks else ""),
    ]
    return "\n".join(lines)


def weighting_example(directory: Path, warehouse: Path) -> str:
    """Land the example wave delivered with design weights only (landing rakes it) in
    `warehouse`; returns its weighting report in a few lines."""
    path = directory / f"wave_{WEIGHTING_EXAMPLE_WAVE}_design_weights.parquet"
    generate.write_wave(
        path,
        WEIGHTING_EXAMPLE_WAVE,
        demo_model.BASELINE_RESPONDENTS,
        demo_model.DEMO_SEED,
        design_weights_only=True,
    )
    outcome = land.land_file(path, WEIGHTING_EXAMPLE_WAVE, warehouse=warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        facts = con.execute(
            "select iterations, kish_efficiency, min_weight, max_weight, replicates "
            "from raw.weighting_waves where wave_id = ?",
            [WEIGHTING_EXAMPLE_WAVE],
        ).fetchone()
        worst = con.execute(
            "select variable, category, target_share, unweighted_share, weighted_share "
            "from raw.weighting_margins where wave_id = ? "
            "order by abs(unweighted_share - target_share) desc limit 1",
            [WEIGHTING_EXAMPLE_WAVE],
        ).fetchone()
    iterations, efficiency, smallest, largest, replicates = facts
    variable, category, target_share, unweighted, weighted = worst
    return (
        f"      {outcome}\n"
        f"      raked in {iterations} iterations: Kish efficiency {efficiency:.0%}, weights "
        f"{smallest:.2f}..{largest:.2f}, {replicates} JK1 replicate weights\n"
        f"      furthest margin {variable} = {category}: target {target_share:.1%}, "
        f"unweighted {unweighted:.1%}, weighted {weighted:.1%}"
    )


def build_demo_warehouse(warehouse: Path) -> subprocess.CompletedProcess[str]:
    """`dbt build` of a demo warehouse; one built by an earlier version of the project,
    whose tables' columns have changed since, is rebuilt whole (`--full-refresh`, as the
    error asks of a real warehouse): the demo's are made from its own files."""
    try:
        return dbt_build(warehouse=warehouse)
    except LuiError as error:
        if SCHEMA_CHANGED_HINT not in str(error):
            raise
    print(
        "      its tables' columns changed since this warehouse was built (a project "
        "upgrade): rebuilding every table (dbt build --full-refresh)",
        flush=True,
    )
    return dbt_build(warehouse=warehouse, extra=["--full-refresh"])


def publish_weighting_example(warehouse: Path, marts: Path) -> str:
    """Build the example wave's warehouse and publish its marts to `marts` (their SEs from
    its JK1 replicates); returns what was done, with the UK's first mission, in a line."""
    result = build_demo_warehouse(warehouse)
    publish.publish(warehouse, marts)
    with duckdb.connect(str(marts), read_only=True) as con:
        se_method, score, se = con.execute(
            "select w.se_method, i.index_score, i.standard_error "
            "from marts.fct_mission_index as i "
            "inner join marts.fct_wave_weighting as w on i.wave_id = w.wave_id "
            "where i.breakdown = 'all' and i.mission_id = 1"
        ).fetchone()
    return (
        f"      built ({summary_line(result.stdout)}) and published to {marts}: SEs by "
        f"{se_method}, e.g. the UK's mission 1 index {score:.1f} (SE {se:.2f})"
    )


def run_demo(
    directory: Path = DEFAULT_DIR,
    *,
    warehouse: Path | None = None,
    marts: Path | None = None,
) -> publish.PublishResult:
    """Generate, land, build and publish the demo waves; print progress and the summary."""
    target = (warehouse or warehouse_path()).resolve()
    published = (marts or marts_path()).resolve()
    waves = demo_waves()
    steps = _Steps(6)

    steps.next(f"generating {len(waves)} demo waves into {directory}")
    files: dict[str, Path] = {}
    for wave_id, respondents in waves.items():
        path = directory / f"wave_{wave_id}.parquet"
        generate.write_wave(path, wave_id, respondents, demo_model.DEMO_SEED)
        files[wave_id] = path
        print(f"      {path.name}: {respondents:,} respondents", flush=True)

    steps.next(f"landing each wave in {target}")
    for wave_id, path in files.items():
        outcome = land.land_file(path, wave_id, warehouse=target)
        print(f"      {wave_id}: {outcome}", flush=True)

    log = target.parent / "dbt-build.log"
    steps.next(f"dbt build, every wave (a minute or two; its log: {log})")
    try:
        result = build_demo_warehouse(target)
    except LuiError:
        print(f"      the build failed: dbt's own log is {target.parent / 'dbt' / 'logs'}")
        raise
    log.write_text(result.stdout)
    print(f"      {summary_line(result.stdout)}", flush=True)

    steps.next(f"publishing the marts to {published}")
    result = publish.publish(target, published)
    print(f"      {publish.report(result)}", flush=True)
    mark_synthetic(published.parent / "release.toml", files.values())

    example = target.parent / WEIGHTING_EXAMPLE_WAREHOUSE
    steps.next(f"raking a wave delivered with design weights only, in {example}")
    print(weighting_example(directory, example), flush=True)
    print(publish_weighting_example(example, target.parent / WEIGHTING_EXAMPLE_MARTS))

    steps.next("the latest wave, from the published marts")
    print()
    print(summary(published, result.latest_wave))
    print()
    seconds = steps.finish()
    print(next_steps(published, result.latest_wave, seconds))
    return result


def summary_line(dbt_output: str) -> str:
    """dbt's closing count ('PASS=343 WARN=0 ERROR=0 SKIP=0 ...'), or a plain 'built'."""
    for line in reversed(dbt_output.splitlines()):
        if "PASS=" in line:
            return "dbt: " + line[line.index("PASS=") :].strip()
    return "built"


def next_steps(published: Path, wave: str, seconds: float) -> str:
    """What to do next, as commands that work as printed (no venv to activate first)."""
    duckdb_cli = Path(sys.executable).with_name("duckdb")
    lui = Path(sys.executable).with_name("lui")
    return "\n".join(
        [
            f"Done in {seconds:.0f} s. Next:",
            "  make app          the app on http://localhost:8501 (Ctrl-C stops it)",
            f"  make report       wave {wave}'s report as a PDF (WAVE=YYYY-MM, FORMAT=xlsx)",
            f"  {_relative(duckdb_cli)} -readonly {_relative(published)}",
            "                    query the marts (README: Query the marts)",
            f"  {_relative(lui)} --help   every command",
        ]
    )


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def mark_synthetic(config: Path, files: Iterable[Path]) -> None:
    """Record the demo files as synthetic in the release configuration beside the marts, so
    every report of them says so (lui.present.release); a configuration of the user's own
    is left alone."""
    if config.exists() and not config.read_text().startswith(release.DEMO_HEADER):
        print(f"      {config} is yours: the demo's files are not marked synthetic in it")
        return
    release.write_synthetic(config, [hashlib.sha256(p.read_bytes()).hexdigest() for p in files])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help="folder for the demo wave files (default: demo_waves/ in the project)",
    )


def run(args: argparse.Namespace) -> int:
    run_demo(args.dir)
    return 0
