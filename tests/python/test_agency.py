"""Agency deliveries: the agency-format .sav and its Parquet twin land, with only the mapping
seeds edited, and give the marts of the canonical file cell for cell; a questionnaire change
in the codebook gives its trend break on the next build."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from project_copy import copy_project

from lui.demo.agency import write_agency_wave
from lui.demo.generate import generate_frame, write_wave
from lui.landing.land import land_file
from lui.warehouse.build import left_out
from lui.warehouse.dbt import dbt_build

WAVE = "2023-02"
RESPONDENTS = 400
SEED = 3
MARTS = (
    "fct_mission_index",
    "fct_mission_change_since_baseline",
    "fct_question_toplines",
    "fct_priorities",
    "dim_question",
    "dim_wave",
)


# which file a wave came from, and when: the one thing that differs, by design
LANDING_COLUMNS = {"dim_wave": "exclude (source_file, source_sha256, landed_at)"}


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every row of every mart (but the landing's own columns), in one order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(
                f"select * {LANDING_COLUMNS.get(table, '')} from marts.{table} order by all"
            ).fetchall()
            for table in MARTS
        }


@pytest.fixture(scope="module")
def delivery(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The canonical wave file, its agency twins and a project whose mapping seeds know them."""
    directory = tmp_path_factory.mktemp("agency")
    canonical = write_wave(directory / "canonical.parquet", WAVE, RESPONDENTS, SEED)
    frame = generate_frame(WAVE, RESPONDENTS, SEED)
    sav, parquet, variables, codes = write_agency_wave(frame, WAVE, directory / "agency.sav")
    project = copy_project(directory)
    shutil.copy(variables, project / "seeds" / "codebook" / "source_variables.csv")
    shutil.copy(codes, project / "seeds" / "codebook" / "source_codes.csv")
    return {
        "directory": directory,
        "canonical": canonical,
        "sav": sav,
        "parquet": parquet,
        "project": project,
    }


@pytest.mark.slow
def test_agency_files_give_the_marts_of_the_canonical_file(delivery: dict[str, Path]) -> None:
    directory, project = delivery["directory"], delivery["project"]
    codebook_dir = project / "seeds" / "codebook"
    expected_warehouse = directory / "canonical" / "levelling_up.duckdb"
    land_file(delivery["canonical"], WAVE, expected_warehouse)
    dbt_build(warehouse=expected_warehouse)
    expected = marts(expected_warehouse)
    assert sum(len(rows) for rows in expected.values()) > 1000

    for kind in ("sav", "parquet"):
        warehouse = directory / kind / "levelling_up.duckdb"
        result = land_file(delivery[kind], WAVE, warehouse, codebook_dir=codebook_dir)
        assert result.status == "landed"
        dbt_build(warehouse=warehouse, project_dir=project)  # also tests the mapping seeds
        got = marts(warehouse)
        for table in MARTS:
            assert got[table] == expected[table], f"{kind}: marts.{table} differs"
        with duckdb.connect(str(warehouse), read_only=True) as con:
            checksum = con.execute("select mapping_sha256 from raw.landing_log").fetchone()[0]
        assert checksum is not None and len(checksum) == 64


def _set_last_wave(project: Path, question: str, last_wave: str) -> None:
    path = project / "seeds" / "codebook" / "questions.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    for row in rows:
        if row["question_code"] == question:
            row["last_wave"] = last_wave
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_last_wave_edit_and_a_build_give_the_trend_break(
    built_warehouse: Path, tmp_path: Path
) -> None:
    """The README's questionnaire change: set last_wave on a question already answered in a
    landed wave, run the build, and the wave after it scores without it, with a trend break."""
    question, mission, last_wave, after = "pay_income_vs_national", 1, "2022-08", "2023-02"
    warehouse = tmp_path / "levelling_up.duckdb"
    shutil.copy(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        answers = con.execute(
            "select count(*) from raw.responses where wave_id = ? and question_code = ?",
            [after, question],
        ).fetchone()[0]
        breaks_before = con.execute(
            "select count(*) from marts.fct_mission_index where wave_id = ? and mission_id = ? "
            "and breakdown = 'all' and trend_break",
            [after, mission],
        ).fetchone()[0]
    assert answers > 0
    project = copy_project(tmp_path)
    _set_last_wave(project, question, last_wave)

    dbt_build(warehouse=warehouse, project_dir=project)

    assert left_out(warehouse) == [
        f"wave {after}: {answers:,} answers to {question} left out (asked from the start "
        f"to {last_wave} in seeds/codebook/questions.csv)"
    ]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        scored = con.execute(
            "select count(*) from intermediate.int_responses__asked "
            "where wave_id = ? and question_code = ?",
            [after, question],
        ).fetchone()[0]
        toplines = con.execute(
            "select count(*) from marts.fct_question_toplines where wave_id = ? "
            "and question_code = ?",
            [after, question],
        ).fetchone()[0]
        trend_break = con.execute(
            "select bool_and(trend_break) from marts.fct_mission_index where wave_id = ? "
            "and mission_id = ? and breakdown = 'all'",
            [after, mission],
        ).fetchone()[0]
    assert (scored, toplines) == (0, 0)
    assert trend_break is True and breaks_before == 0
