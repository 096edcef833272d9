"""`lui demo` end to end in a temporary directory, run twice; `dbt docs generate` on its result.

The first run generates the four demo waves, lands, builds and publishes them and prints
the latest UK scores from the published marts; the second run on the same warehouse must
succeed and change nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from lui.demo import model as demo_model
from lui.demo import run as demo
from lui.warehouse.dbt import run_dbt

pytestmark = pytest.mark.slow

LUI = Path(sys.executable).with_name("lui")


@dataclass(frozen=True)
class DemoRun:
    root: Path
    warehouse: Path
    marts: Path
    waves_dir: Path
    first: subprocess.CompletedProcess[str]


def run_demo(root: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        LUI_WAREHOUSE=str(root / "warehouse" / "levelling_up.duckdb"),
        LUI_MARTS=str(root / "warehouse" / "published.duckdb"),
    )
    return subprocess.run(
        [str(LUI), "demo", "--dir", str(root / "demo_waves")],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    root = tmp_path_factory.mktemp("demo")
    first = run_demo(root)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    return DemoRun(
        root,
        root / "warehouse" / "levelling_up.duckdb",
        root / "warehouse" / "published.duckdb",
        root / "demo_waves",
        first,
    )


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_demo_reports_each_step(demo_run: DemoRun) -> None:
    out = demo_run.first.stdout
    for step in range(1, 6):
        assert f"[{step}/5]" in out
    assert "make app" in out
    assert sorted(p.name for p in demo_run.waves_dir.iterdir()) == [
        f"wave_{wave}.parquet" for wave in demo_model.DEMO_WAVES
    ]


def test_demo_publishes_the_four_waves(demo_run: DemoRun) -> None:
    waves = [w for (w,) in query(demo_run.marts, "select wave_id from marts.dim_wave order by 1")]
    assert waves == list(demo_model.DEMO_WAVES)
    rows = query(
        demo_run.marts,
        "select count(*), count(index_score), count(ci_low), count(change_vs_previous) "
        "from marts.fct_mission_index where breakdown = 'all' and wave_id = '2023-08'",
    )
    assert rows == [(12, 12, 12, 12)]


def test_demo_prints_the_latest_uk_scores_from_the_published_marts(demo_run: DemoRun) -> None:
    out = demo_run.first.stdout
    table = demo.summary(demo_run.marts)
    assert table in out
    assert "UK, wave 2023-08" in table and "change vs 2023-02" in table
    rows = query(
        demo_run.marts,
        "select mission_id, mission_name, index_score, ci_low, ci_high, change_vs_previous "
        "from marts.fct_mission_index where breakdown = 'all' and wave_id = '2023-08' "
        "order by mission_id",
    )
    lines = table.splitlines()
    for mission_id, name, score, low, high, change in rows:
        [line] = [ln for ln in lines if ln.startswith(f"{mission_id:>3} {name}")]
        for value in (score, low, high):
            assert f"{value:.1f}" in line
        assert f"{change:+.1f}" in line


def test_dbt_docs_generate_works_on_the_built_warehouse(demo_run: DemoRun) -> None:
    done = run_dbt(["docs", "generate"], warehouse=demo_run.warehouse)
    assert done.returncode == 0, done.stdout[-3000:]
    target = demo_run.warehouse.parent / "dbt" / "target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.levelling_up_index.fct_mission_index" in catalog["nodes"]
    manifest = json.loads((target / "manifest.json").read_text())
    [exposure] = manifest["exposures"].values()
    assert exposure["type"] == "application"
    assert "model.levelling_up_index.fct_mission_index" in exposure["depends_on"]["nodes"]


def test_demo_runs_again_cleanly_on_an_existing_warehouse(demo_run: DemoRun) -> None:
    counts = "select wave_id, count(*) from raw.respondents group by all order by all"
    before = query(demo_run.warehouse, counts)
    index = "select * from marts.fct_mission_index order by all"
    published_before = query(demo_run.marts, index)

    again = run_demo(demo_run.root)

    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert query(demo_run.warehouse, counts) == before
    assert query(demo_run.marts, index) == published_before
    assert demo.summary(demo_run.marts) in again.stdout
