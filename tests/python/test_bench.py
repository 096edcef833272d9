"""A smoke run of `make bench` on a small wave: every stage runs, the baselines agree
with the marts, and the results file and tables are written. It times every stage, so it
runs with the timings in `make bench` (`pytest -m bench`), not in `make test`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lui.paths import PROJECT_ROOT

pytestmark = pytest.mark.bench


def test_bench_smoke_run(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    command = [
        sys.executable,
        str(PROJECT_ROOT / "bench" / "run.py"),
        "--sizes", "1500",
        "--history-waves", "2",
        "--history-respondents", "1200",
        "--work", str(tmp_path / "work"),
        "--results", str(results),
        "--no-readme",
        "--repeats", "1",
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    report = json.loads(results.read_text())
    size = report["sizes"][0]
    stages = (
        "generate",
        "land",
        "build",
        "build_fixed_cost",
        "build_index_path",
        "dbt_startup",
        "local_step",
        "local_fit",
    )
    for stage in (*stages, "publish", "sql_floor", "pandas"):
        assert size[stage]["seconds"] > 0 and size[stage]["peak_rss_mb"] > 0, stage
    assert size["land"]["respondents"] == 1500
    assert size["local_fit"]["rows"] == 361 * 12
    for baseline in ("sql_floor", "pandas"):
        agree = size[baseline]
        assert agree["rows_missing"] == 0 and agree["bases_equal"]
        assert agree["max_abs_diff_index"] <= 1e-9 and agree["max_abs_diff_se"] <= 1e-9
    assert report["checks"]["n1500_sql_floor_agrees_with_marts"]["met"]
    assert report["checks"]["n1500_pandas_agrees_with_marts"]["met"]
    assert "n1500_build_within_2x_floor_plus_fixed_cost" in report["checks"]
    assert len(report["history"]["build_seconds"]) == 2
    assert set(report["history"]["app_queries"]["query_seconds"]) >= {"waves", "scorecard(region)"}
