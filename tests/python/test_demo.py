"""`lui demo` end to end (the session's one run, tests/python/demo_fixtures.py), run again
on a copy; `dbt docs generate` on its result.

The first run generates the four demo waves, lands, builds and publishes them and prints
the latest UK scores from the published marts; the second run on the same warehouse must
succeed and change nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from demo_fixtures import DemoRun, copy_demo, run_demo

from lui.demo import model as demo_model
from lui.demo import run as demo
from lui.demo.run import (
    WEIGHTING_EXAMPLE_MARTS,
    WEIGHTING_EXAMPLE_WAREHOUSE,
    WEIGHTING_EXAMPLE_WAVE,
)
from lui.paths import PROJECT_ROOT
from lui.survey_estimators import jk1_scale, replicate_mean_se
from lui.warehouse.dbt import run_dbt

pytestmark = pytest.mark.slow

DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
# the documents whose ```sql examples must run as written on the demo marts
DOCUMENTS_WITH_SQL = ("README.md", "docs/querying.md", "docs/what_moved.md")
SOUTHERN_REGIONS = ("London", "South East", "South West", "East of England")


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_demo_reports_each_step(demo_run: DemoRun) -> None:
    out = demo_run.first.stdout
    for step in range(1, 7):
        assert f"[{step}/6]" in out
    assert "make app" in out
    assert sorted(p.name for p in demo_run.waves_dir.iterdir()) == sorted(
        [f"wave_{wave}.parquet" for wave in demo_model.DEMO_WAVES]
        + [f"wave_{WEIGHTING_EXAMPLE_WAVE}_design_weights.parquet"]
    )


def test_demo_rakes_the_example_delivered_with_design_weights_only(demo_run: DemoRun) -> None:
    """The raking path runs in `make demo`, in a warehouse of its own (the published demo
    keeps its four waves and their delivered weights)."""
    example = demo_run.warehouse.parent / WEIGHTING_EXAMPLE_WAREHOUSE
    [(method, se_method, replicates, converged)] = query(
        example, "select method, se_method, replicates, converged from raw.weighting_waves"
    )
    assert (method, se_method, replicates, converged) == ("raked", "jk1_raked", 50, True)
    [(gap,)] = query(
        example, "select max(abs(weighted_share - target_share)) from raw.weighting_margins"
    )
    assert gap < 1e-8
    assert "raked in" in demo_run.first.stdout and "Kish efficiency" in demo_run.first.stdout
    delivered = query(demo_run.warehouse, "select distinct method from raw.weighting_waves")
    assert delivered == [("delivered",)]


def test_demo_publishes_the_example_with_its_replicate_ses(demo_run: DemoRun) -> None:
    """`make demo` builds and publishes the raked example on its own: its published SEs by
    region are the JK1 replicate SEs (lui.survey_estimators.replicate_mean_se on the
    replicate weights landing kept), not the weights-only ones."""
    example = demo_run.warehouse.parent / WEIGHTING_EXAMPLE_WAREHOUSE
    marts = demo_run.warehouse.parent / WEIGHTING_EXAMPLE_MARTS
    assert "published to" in demo_run.first.stdout and "jk1_raked" in demo_run.first.stdout
    assert query(marts, "select se_method, replicates from marts.fct_wave_weighting") == [
        ("jk1_raked", 50)
    ]
    published = pd.DataFrame(
        query(
            marts,
            "select group_label, index_score, standard_error from marts.fct_mission_index "
            "where breakdown = 'region' and mission_id = 1 order by group_label",
        ),
        columns=["group_label", "index_score", "standard_error"],
    )
    scores = pd.DataFrame(
        query(
            example,
            "select c.respondent_key, e.region, c.survey_weight, s.mission_score "
            "from intermediate.int_respondent_mission_scores as s "
            "inner join intermediate.int_respondent_cells as c using (wave_id, respondent_key) "
            "inner join intermediate.int_respondents__enriched as e "
            "using (wave_id, respondent_key) where s.mission_id = 1 order by c.respondent_key",
        ),
        columns=["respondent_key", "region", "weight", "score"],
    )
    replicates = pd.DataFrame(
        query(example, "select respondent_key, replicate, weight from raw.replicate_weights"),
        columns=["respondent_key", "replicate", "weight"],
    ).pivot(index="respondent_key", columns="replicate", values="weight")
    ours = replicate_mean_se(
        scores["score"].to_numpy(),
        scores["region"].to_numpy(),
        scores["weight"].to_numpy(),
        replicates.loc[scores["respondent_key"]].to_numpy(),
        jk1_scale(50),
    )
    assert list(ours.groups) == list(published["group_label"])
    np.testing.assert_allclose(published["index_score"], ours.mean, rtol=1e-8)
    np.testing.assert_allclose(published["standard_error"], ours.se, rtol=1e-6)


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


def _sql_examples(document: str) -> list[str]:
    text = (PROJECT_ROOT / document).read_text()
    return re.findall(r"^```sql\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("document", DOCUMENTS_WITH_SQL)
def test_the_sql_examples_run_on_the_demo_marts(demo_run: DemoRun, document: str) -> None:
    examples = _sql_examples(document)
    assert len(examples) >= 2
    for sql in examples:
        assert query(demo_run.marts, sql), f"{document}: no rows from\n{sql}"


def test_the_duckdb_cli_of_the_readme_reads_the_published_marts(demo_run: DemoRun) -> None:
    [first, *_] = _sql_examples("README.md")
    for sql in (first, "select * from marts.dim_wave"):
        done = subprocess.run(
            [str(DUCKDB_CLI), "-readonly", str(demo_run.marts), "-csv", "-c", sql],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        header, *rows = done.stdout.strip().splitlines()
        assert rows and "," in header
    assert (
        "Pride in place"
        in subprocess.run(
            [str(DUCKDB_CLI), "-readonly", str(demo_run.marts), "-c", first],
            capture_output=True,
            text=True,
        ).stdout
    )


def test_affordability_drags_the_southern_regions_homes_index(demo_run: DemoRun) -> None:
    """The report's homes example: strong negative answers on housing affordability pull
    the score down in the four southern regions, less so in the North and Midlands."""
    rows = query(
        demo_run.marts,
        """
        select group_label, question_code, contribution_to_index
        from marts.fct_mission_question_contributions
        where mission_id = 10 and breakdown = 'region' and wave_id = '2022-02'
        """,
    )
    by_region: dict[str, dict[str, float]] = {}
    for region, question, contribution in rows:
        by_region.setdefault(region, {})[question] = contribution
    affordability = {r: c["housing_affordability_sat"] for r, c in by_region.items()}
    south = [affordability[r] for r in SOUTHERN_REGIONS]
    north_and_midlands = [affordability[r] for r in demo_model.NORTH_AND_MIDLANDS]
    assert max(south) < min(north_and_midlands)
    for region in SOUTHERN_REGIONS:
        contributions = by_region[region]
        assert min(contributions, key=contributions.get) == "housing_affordability_sat"


def test_dbt_docs_generate_works_on_the_built_warehouse(demo_run: DemoRun, tmp_path: Path) -> None:
    demo_run = copy_demo(demo_run, tmp_path)  # dbt opens the warehouse for writing
    done = run_dbt(["docs", "generate"], warehouse=demo_run.warehouse)
    assert done.returncode == 0, done.stdout[-3000:]
    target = demo_run.warehouse.parent / "dbt" / "target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.levelling_up_index.fct_mission_index" in catalog["nodes"]
    manifest = json.loads((target / "manifest.json").read_text())
    exposure = manifest["exposures"]["exposure.levelling_up_index.levelling_up_index_app"]
    assert exposure["type"] == "application"
    assert "model.levelling_up_index.fct_mission_index" in exposure["depends_on"]["nodes"]


def test_demo_runs_again_cleanly_on_an_existing_warehouse(
    demo_run: DemoRun, tmp_path: Path
) -> None:
    demo_run = copy_demo(demo_run, tmp_path)  # the session's demo stays as it is
    counts = "select wave_id, count(*) from raw.respondents group by all order by all"
    before = query(demo_run.warehouse, counts)
    index = "select * from marts.fct_mission_index order by all"
    published_before = query(demo_run.marts, index)

    again = run_demo(demo_run.root)

    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert query(demo_run.warehouse, counts) == before
    assert query(demo_run.marts, index) == published_before
    assert demo.summary(demo_run.marts) in again.stdout
