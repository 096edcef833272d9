"""Shared fixtures: a warehouse of small hand-made waves, and the demo (`lui demo`: four
generated waves built and published). Each is built once per test session and shared by
every pytest-xdist worker (`built_once`); tests must not modify them.

`make test` runs on two workers with `--dist loadgroup --no-loadscope-reorder`: a test goes
to whichever worker is free, the longest first (`LONGEST_FIRST`), except that the tests of a
file whose module fixture is costly stay together on one worker (`COSTLY_MODULE_FIXTURES`),
so that fixture is made once."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from demo_fixtures import DemoRun, demo_at, run_demo
from handmade import HANDMADE_RESPONDENTS, HANDMADE_WAVES

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

# Module fixtures that take seconds (a server, a PDF, generated or agency files, the pandas
# reference, R, dbt's parse, a failing build): the tests of a file that use one run on one
# worker (pytest-xdist's xdist_group), so that fixture is made once.
COSTLY_MODULE_FIXTURES = frozenset(
    {
        "app_url",
        "browser",
        "pdf_report",
        "delivery",
        "local_marts",
        "expected",
        "waves",
        "published_raked",
        "published_stratified",
        "broken_seeds_build",
        "r_latest_wave",
        "compared",
        "manifest",
    }
)
# A file whose group is minutes long is cut into parts that may run side by side, each making
# the fixture once (the browser's pages and widths: a server and a browser each part).
GROUP_PARTS = {"test_browser.py": 2}

# The longest tests and groups start first (the durations of `make test`, most of them dbt
# builds), so that the run never ends on one of them with the other worker idle; the tests
# not named here follow, in their files' order. A name is a file or file::test. The first
# two make the two session builds side by side, one on each worker: the demo (`demo_run`)
# and the hand-made warehouse (`built_warehouse`). Only the order changes, never a test.
LONGEST_FIRST = (
    "test_demo.py::test_demo_runs_again_cleanly_on_an_existing_warehouse",
    "test_warehouse_core.py::test_wave_build_rebuilds_that_wave_and_matches_a_full_build",
    "test_browser.py",
    "test_agency.py",
    "test_warehouse_core.py::test_a_warehouse_built_before_a_column_change_says_to_full_refresh",
    "test_hostile.py::test_scaling_the_weights_leaves_every_index_se_and_flag_unchanged",
    "test_publish.py::test_readers_keep_answering_during_a_build_and_see_the_new_wave",
    "test_publish.py::test_a_failed_build_leaves_the_published_marts_as_they_were",
    "test_warehouse_core.py::test_moving_three_percent_up_one_step_raises_the_index_three_points",
    "test_fieldwork_files.py::test_boosts_a_women_only_and_a_pilot_wave_land_and_publish",
    "test_report.py",
    "test_local_model.py::test_a_wave_without_the_reference_region_or_wales_builds_and_publishes",
    "test_group_comparisons.py",
    "test_warehouse_core.py::test_contradictory_mapping_seed_fails_the_build_with_a_named_test",
    "test_warehouse_core.py::test_bad_codebook_fails_the_build_with_a_named_test",
    "test_demo.py::test_dbt_docs_generate_works_on_the_built_warehouse",
    "test_wave_scope.py",
    "test_local_model.py::test_var_local_estimand_publishes_the_finite_population_mean",
    "test_export.py",
)


def _start_rank(item: pytest.Item) -> int:
    test = f"{item.path.name}::{getattr(item, 'originalname', item.name)}"
    for rank, name in enumerate(LONGEST_FIRST):
        if name in (item.path.name, test):
            return rank
    return len(LONGEST_FIRST)


def _join_group(item: pytest.Item, group: str) -> None:
    """Put `item` in the pytest-xdist group `group`, as `--dist loadgroup` would.

    pytest-xdist 3.8 groups by a suffix `@group` that it writes into a field pytest 9.2 no
    longer reads (pytest-xdist issue 1386): its `xdist_group` marks are silently ignored and
    every test goes to any worker. The suffix is written where pytest 9.2 keeps the id;
    `pytest_collection_finish` fails the run if it did not take.
    """
    from _pytest.nodeid import NodeId

    item.add_marker(pytest.mark.xdist_group(group))
    if "@" not in item.nodeid:
        item._id = NodeId.parse(f"{item.nodeid}@{group}")  # noqa: SLF001


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    grouped: dict[str, list[pytest.Item]] = {}
    for item in items:
        costly = COSTLY_MODULE_FIXTURES & set(getattr(item, "fixturenames", ()))
        if costly:
            grouped.setdefault(f"{item.path.name}::{','.join(sorted(costly))}", []).append(item)
    for group, members in grouped.items():
        parts = GROUP_PARTS.get(members[0].path.name, 1)
        for index, item in enumerate(members):
            # (no ']' in a group's name: pytest-xdist would take it for a parameter's)
            part = f" ({index * parts // len(members) + 1} of {parts})" if parts > 1 else ""
            if config.getoption("loadgroup", False):  # a pytest-xdist worker of loadgroup
                _join_group(item, group + part)
    items.sort(key=_start_rank)  # stable: each file's tests keep their order


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.getoption("loadgroup", False):
        return
    lost = [
        i.nodeid
        for i in session.items
        if i.get_closest_marker("xdist_group") and "@" not in i.nodeid
    ]
    if lost:
        pytest.exit(f"pytest-xdist's groups did not take: {lost[:3]}", returncode=3)


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder `name` that `build(folder)` filled, built by whichever worker asks first.

    The others wait on a lock beside it in the session's temporary folder (the one every
    pytest-xdist worker's folder sits in), then use it as it is. A build that failed is not
    tried again: every worker reports its error.
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root, failed = base / name, base / f"{name}.failed"
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if failed.exists():
            pytest.fail(failed.read_text())
        if not (root / ".built").exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            try:
                build(root)
            except BaseException as error:
                failed.write_text(f"building the shared {name!r} failed: {error}")
                raise
            (root / ".built").touch()
    return root


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three hand-made waves landed into the raw tables and built with `dbt build`.

    2023-02 drops the 5G question and adds home broadband (the codebook's questionnaire
    change), so mission 4 has a trend break there. Tests must not modify this warehouse.
    """

    def build(root: Path) -> None:
        from handmade import land, make_wave

        from lui.warehouse.dbt import dbt_build

        warehouse = root / "levelling_up.duckdb"
        for wave_id, seed in HANDMADE_WAVES.items():
            land(warehouse, wave_id, make_wave(wave_id, HANDMADE_RESPONDENTS, seed))
        dbt_build(warehouse=warehouse)

    return built_once(tmp_path_factory, "handmade", build) / "levelling_up.duckdb"


DEMO_OUTPUT = "lui-demo-output.json"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`lui demo` run once: 4 waves of 4,162 respondents, landed, built and published.

    2023-02 changes the internet mission's questions (the codebook's questionnaire change),
    so that wave is a trend break; gender 'Other' is small enough to be suppressed.
    Tests must not modify it (`demo_fixtures.copy_demo` gives a copy to change).
    """

    def build(root: Path) -> None:
        first = run_demo(root)
        assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
        output = {"args": first.args, "stdout": first.stdout, "stderr": first.stderr}
        (root / DEMO_OUTPUT).write_text(json.dumps(output))

    root = built_once(tmp_path_factory, "demo", build)
    output = json.loads((root / DEMO_OUTPUT).read_text())
    first = subprocess.CompletedProcess(output["args"], 0, output["stdout"], output["stderr"])
    return demo_at(root, first)


@pytest.fixture(scope="session")
def demo_marts(demo_run: DemoRun) -> Path:
    """The demo's published copy (what the app reads)."""
    return demo_run.marts
