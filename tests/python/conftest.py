"""Shared fixtures: a warehouse of small hand-made waves, and the demo (`lui demo`: four
generated waves built and published). Each is built once per test session and shared by
every pytest-xdist worker (`built_once`); tests must not modify them.

`make test` runs on two workers with `--dist loadgroup`: a test goes to whichever worker is
free, except that the tests of a file whose module fixture is costly stay together on one
worker (`COSTLY_MODULE_FIXTURES`), so that fixture is made once."""

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
# reference): the tests that use one run on one worker (pytest-xdist's xdist_group).
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
    }
)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if COSTLY_MODULE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group(item.path.name))


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
