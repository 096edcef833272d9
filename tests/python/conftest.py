"""Shared fixtures, built once per test session (per pytest-xdist worker): a warehouse of
small hand-made waves, and the demo (`lui demo`: four generated waves built and published)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_fixtures import DemoRun, demo_at, run_demo

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

HANDMADE_WAVES = {"2022-02": 1, "2022-08": 2, "2023-02": 3}
HANDMADE_RESPONDENTS = 1600


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Three hand-made waves landed into the raw tables and built with `dbt build`.

    2023-02 drops the 5G question and adds home broadband (the codebook's questionnaire
    change), so mission 4 has a trend break there. Tests must not modify this warehouse.
    """
    from handmade import land, make_wave

    from lui.warehouse.dbt import dbt_build

    warehouse = tmp_path_factory.mktemp("handmade") / "levelling_up.duckdb"
    for wave_id, seed in HANDMADE_WAVES.items():
        land(warehouse, wave_id, make_wave(wave_id, HANDMADE_RESPONDENTS, seed))
    dbt_build(warehouse=warehouse)
    yield warehouse


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`lui demo` run once: 4 waves of 4,162 respondents, landed, built and published.

    2023-02 changes the internet mission's questions (the codebook's questionnaire change),
    so that wave is a trend break; gender 'Other' is small enough to be suppressed.
    Tests must not modify it (`demo_fixtures.copy_demo` gives a copy to change).
    """
    root = tmp_path_factory.mktemp("demo")
    first = run_demo(root)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    return demo_at(root, first)


@pytest.fixture(scope="session")
def demo_marts(demo_run: DemoRun) -> Path:
    """The demo's published copy (what the app reads)."""
    return demo_run.marts
