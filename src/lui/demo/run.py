"""The whole pipeline on the four synthetic demo waves, then the latest UK scores.

Generates the demo wave files (deterministic: the same files every time), lands each one
through the validation gate, builds every wave with dbt, publishes the marts and prints
the latest wave's 12 mission scores for the UK with their 95% intervals and the change
since the previous wave, read from the published marts. Safe to run again: landing the
same file again changes nothing and the build replaces the marts.

The demo waves keep their delivered weights. Last, an example wave delivered with design
weights only (`WEIGHTING_EXAMPLE_WAVE`) is landed in a warehouse of its own beside the demo's
(`weighting_example.duckdb`), so landing rakes it to seeds/weighting/targets.csv and
makes its replicate weights (docs/weighting.md); its weighting report is printed.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import duckdb

from lui.demo import generate
from lui.demo import model as demo_model
from lui.landing import land
from lui.paths import PROJECT_ROOT, marts_path, warehouse_path
from lui.warehouse import build, publish

DEFAULT_DIR = PROJECT_ROOT / "demo_waves"
WEIGHTING_EXAMPLE_WAVE = "2024-02"
WEIGHTING_EXAMPLE_WAREHOUSE = "weighting_example.duckdb"
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


def _step(number: int, total: int, text: str) -> None:
    print(f"[{number}/{total}] {text}", flush=True)


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
    total = 6
    started = time.monotonic()

    _step(1, total, f"generating {len(waves)} demo waves into {directory}")
    files: dict[str, Path] = {}
    for wave_id, respondents in waves.items():
        path = directory / f"wave_{wave_id}.parquet"
        generate.write_wave(path, wave_id, respondents, demo_model.DEMO_SEED)
        files[wave_id] = path
        print(f"      {path.name}: {respondents:,} respondents", flush=True)

    _step(2, total, f"landing each wave in {target}")
    for wave_id, path in files.items():
        outcome = land.land_file(path, wave_id, warehouse=target)
        print(f"      {wave_id}: {outcome}", flush=True)

    _step(3, total, "dbt build, every wave (about a minute)")
    build.build(warehouse=target, publish_marts=False)

    _step(4, total, f"publishing the marts to {published}")
    result = publish.publish(target, published)
    print(f"      {publish.report(result)}", flush=True)

    example = target.parent / WEIGHTING_EXAMPLE_WAREHOUSE
    _step(5, total, f"raking a wave delivered with design weights only, in {example}")
    print(weighting_example(directory, example), flush=True)

    _step(6, total, f"latest wave from the published marts ({time.monotonic() - started:.0f} s)")
    print()
    print(summary(published, result.latest_wave))
    print()
    print("Open the app: make app   (or `lui app --port N`)")
    print(f"Query the marts: duckdb -readonly {published}")
    return result


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
