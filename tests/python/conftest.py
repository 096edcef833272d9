"""Shared fixtures: a warehouse of small hand-made waves built once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
