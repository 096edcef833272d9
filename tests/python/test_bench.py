"""A smoke run of `make bench` on a small wave: every stage runs, the floor agrees with
every mart it computes, the land floor lands what `lui land` does, the fixed cost is
broken down, and the results file and tables are written. It times every stage, so it
runs with the timings in `make bench` (`pytest -m bench`), not in `make test`. Spark is
left out of the run (--no-spark: its builds take minutes); one small Spark build is
checked on its own below."""

from __future__ import annotations

import copy
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from lui.paths import PROJECT_ROOT

pytestmark = pytest.mark.bench

BENCH = PROJECT_ROOT / "bench"
FLOOR_MARTS = {
    "fct_mission_index",
    "fct_priorities",
    "fct_question_toplines",
    "fct_question_nets",
    "fct_mission_question_contributions",
}


def bench_module(name: str) -> ModuleType:
    """bench/<name>.py imported (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """The smoke run's results and its work folder."""
    folder = tmp_path_factory.mktemp("bench")
    results = folder / "results.json"
    command = [
        sys.executable,
        str(BENCH / "run.py"),
        "--sizes", "1500",
        "--history-waves", "2",
        "--history-respondents", "1200",
        "--work", str(folder / "work"),
        "--results", str(results),
        "--no-readme",
        "--no-spark",
        "--repeats", "1",
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return json.loads(results.read_text()), folder / "work"


def test_bench_smoke_run(smoke: tuple[dict, Path]) -> None:
    report, _ = smoke
    size = report["sizes"][0]
    stages = (
        "generate",
        "land",
        "land_floor",
        "build",
        "build_fixed_cost",
        "dbt_startup",
        "local_step",
        "local_fit",
        "publish",
        "sql_floor",
        "pandas",
    )
    for stage in stages:
        assert size[stage]["seconds"] > 0 and size[stage]["peak_rss_mb"] > 0, stage
    assert "spark" not in size
    assert size["land"]["respondents"] == 1500
    assert size["local_fit"]["rows"] == 361 * 12
    agree = size["pandas"]
    assert agree["rows_missing"] == 0 and agree["bases_equal"]
    assert agree["max_abs_diff_index"] <= 1e-9 and agree["max_abs_diff_se"] <= 1e-9
    assert report["checks"]["n1500_sql_floor_agrees_with_marts"]["met"]
    assert report["checks"]["n1500_pandas_agrees_with_marts"]["met"]
    assert report["checks"]["n1500_land_floor_lands_what_lui_land_does"]["met"]
    assert "n1500_dbt_fixed_cost_seconds" in report["checks"]
    assert len(report["history"]["build_seconds"]) == 2
    assert set(report["history"]["app_queries"]["query_seconds"]) >= {"waves", "scorecard(region)"}


def test_floor_agrees_with_every_mart_it_computes(smoke: tuple[dict, Path]) -> None:
    floor = smoke[0]["sizes"][0]["sql_floor"]
    assert floor["query_seconds"] > 0
    assert set(floor["marts"]) == FLOOR_MARTS
    for mart, agreement in floor["marts"].items():
        assert agreement["rows_compared"] > 0 and agreement["rows_missing"] == 0, mart
        # unsuppressed estimates were compared, not only nulls
        assert agreement["estimates_compared"] > 0, mart
        assert agreement["rows_differing"] == 0, mart
        assert agreement["max_abs_diff"] <= 1e-9, mart
        assert agreement["max_rel_diff_weighted"] <= 1e-9, mart


def test_land_floor_lands_the_same_rows(smoke: tuple[dict, Path]) -> None:
    size = smoke[0]["sizes"][0]
    land_floor = size["land_floor"]
    assert land_floor["checks_failed"] == []
    assert land_floor["tables_equal"] == {"respondents": True, "responses": True}
    assert land_floor["respondents"] == size["land"]["respondents"]
    assert land_floor["answers"] == size["land"]["answers"]
    assert 0 < land_floor["check_seconds"] < land_floor["floor_seconds"]


def test_land_floor_check_query_names_the_failures(
    smoke: tuple[dict, Path], tmp_path: Path
) -> None:
    """The land floor's one check query fails a file the gate would refuse."""
    import duckdb

    wave_file = next((smoke[1] / "n1500").glob("wave-*.parquet"))
    bad = tmp_path / "bad.parquet"
    with duckdb.connect() as con:
        con.execute(
            "copy (select * replace (case when row_number() over () = 3 then -1 else weight end "
            "as weight, case when row_number() over () = 5 then 77 else pay_income_feeling end "
            "as pay_income_feeling, case when row_number() over () = 7 then 'Nowhere' else "
            f"gender end as gender) from read_parquet('{wave_file}')) to '{bad}'"
        )
    result = bench_module("land_floor").land_floor(str(bad), "2022-02", str(tmp_path / "s.duckdb"))
    assert set(result["checks_failed"]) == {
        "weight_not_positive",
        "invalid__pay_income_feeling",
        "gender_outside_set",
    }


def test_fixed_cost_is_broken_down(smoke: tuple[dict, Path]) -> None:
    for key in ("build", "build_fixed_cost"):
        dbt = smoke[0]["sizes"][0][key]["dbt"]
        assert 0 < dbt["elapsed_seconds"] < dbt["wall_seconds"]
        assert dbt["startup_and_parse_seconds"] == pytest.approx(
            dbt["wall_seconds"] - dbt["elapsed_seconds"]
        )
        assert {"seed", "model", "test"} <= set(dbt["by_type"])
        shares = sum(kind["share_of_elapsed_seconds"] for kind in dbt["by_type"].values())
        assert shares == pytest.approx(dbt["elapsed_seconds"])


def test_targets_at_a_million_respondents(smoke: tuple[dict, Path]) -> None:
    """The scale targets are judged at 1,000,000 respondents (here the small size's
    figures relabelled): every restated target is computed from the stages."""
    run = bench_module("run")
    report = smoke[0]
    size = copy.deepcopy(report["sizes"][0])
    size["respondents"] = 1_000_000
    checks = run.evaluate([size], None)
    ratios = run.ratios(size)
    total = sum(size[k]["seconds"] for k in ("land", "build", "publish"))
    assert checks["million_land_build_publish_seconds"]["value"] == pytest.approx(total)
    assert checks["million_land_build_publish_seconds"]["target"] == "< 40"
    assert checks["million_peak_rss_mb"]["target"] == "< 3072"
    build_cost = size["build"]["seconds"] - size["build_fixed_cost"]["seconds"]
    assert checks["million_build_data_cost_within_1.5x_floor"]["value"] == pytest.approx(
        build_cost / size["sql_floor"]["query_seconds"]
    )
    assert checks["million_land_within_2x_land_floor"]["value"] == pytest.approx(
        size["land"]["seconds"] / size["land_floor"]["floor_seconds"]
    )
    assert checks["n1000000_dbt_fixed_cost_seconds"]["target"] == "< 5"
    assert not any("pandas" in name and "faster" in name for name in checks)
    assert ratios["pandas_vs_build"] > 0
    assert "spark_seconds_per_million_answers" not in ratios


def test_spark_is_reported_beside_duckdb(smoke: tuple[dict, Path]) -> None:
    """A Spark result (the smoke run skips the minutes-long Spark builds: --no-spark) is
    reported as its cost per million answers and its index checked, with no target; a
    failed Spark build is reported, not fatal."""
    run = bench_module("run")
    size = copy.deepcopy(smoke[0]["sizes"][0])
    agreement = {"rows_missing": 0, "rows_differing": 0, "max_abs_diff": 0.0}
    size["spark"] = {"seconds": 120.0, "peak_rss_mb": 3000.0, "index_vs_duckdb": agreement}
    ratios = run.ratios(size)
    answers = size["land"]["answers"]
    assert ratios["spark_seconds_per_million_answers"] == pytest.approx(120.0 / answers * 1e6)
    assert ratios["spark_vs_duckdb_build"] == pytest.approx(120.0 / size["build"]["seconds"])
    checks = run.evaluate([size], None)
    assert checks["n1500_spark_index_equals_duckdb"]["met"]
    assert not any("spark" in name for name in checks if name != "n1500_spark_index_equals_duckdb")
    size["spark"] = {"failed": "Java missing"}
    assert "spark_vs_duckdb_build" not in run.ratios(size)
    assert "n1500_spark_index_equals_duckdb" not in run.evaluate([size], None)
    report = {**smoke[0], "sizes": [size], "checks": checks}
    assert "| Spark: export, dbt build, publish | failed |" in run.markdown(report)
    markdown = run.markdown({**report, "checks": checks})
    assert "start-up and parse" in markdown and "land floor" in markdown


def test_the_house_comparison_builds_the_same_waves_before_and_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench/house.py on two small waves: both commits land and build them, and the
    results file holds every run and the ratio of the medians."""
    out = tmp_path / "house.json"
    command = [
        sys.executable, str(BENCH / "house.py"),
        "--respondents", "300", "--waves", "2", "--repeats", "1", "--out", str(out),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    result = json.loads(out.read_text())
    monkeypatch.syspath_prepend(str(BENCH))  # house.py imports run.py beside it
    house = bench_module("house")
    assert result["commits"] == {"before": house.BEFORE, "after": house.AFTER}
    assert result["waves"] == list(house.WAVES[:2]) and result["respondents_per_wave"] == 300
    for name in ("before", "after"):
        for kind in ("full_build", "wave_build"):
            [seconds] = result["seconds"][name][kind]
            assert seconds > 0 and result["median_seconds"][name][kind] == seconds
            # each node's time in that build, read from that commit's run_results.json
            [nodes] = result["node_seconds"][name][kind]
            assert nodes["model.levelling_up_index.fct_mission_index"] > 0
            assert all(
                node.startswith(("model.", "seed.", "test.", "operation.", "exposure."))
                for node in nodes
            )
    for kind in ("full_build", "wave_build"):
        changes = result["largest_node_changes"][kind]
        assert 0 < len(changes) <= 8
        for change in changes:
            for name in ("before", "after"):
                [nodes] = result["node_seconds"][name][kind]
                assert change[f"{name}_seconds"] == nodes.get(change["node"], 0.0)
        moves = [abs(change["after_seconds"] - change["before_seconds"]) for change in changes]
        assert moves == sorted(moves, reverse=True)
    ratio = result["after_over_before"]["full_build"]
    assert (
        ratio
        == result["median_seconds"]["after"]["full_build"]
        / result["median_seconds"]["before"]["full_build"]
    )
    worktrees = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "worktree", "list"], capture_output=True, text=True
    )
    assert "lui-house-" not in worktrees.stdout, "the checkouts are removed afterwards"
