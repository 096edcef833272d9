"""Publication: the marts copied to a read-only file swapped in atomically after a build.

Readers keep answering while a build holds the warehouse, see a new wave once it is
published without restarting, and a failed build leaves the published marts as they were.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from handmade import land, make_wave

from lui.errors import LuiError
from lui.paths import PROJECT_ROOT
from lui.warehouse import build, publish

pytestmark = pytest.mark.slow

LUI = Path(sys.executable).with_name("lui")
NEW_WAVE = "2023-08"


@pytest.fixture
def warehouse(built_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the session's built warehouse (three hand-made waves)."""
    copy = tmp_path / "levelling_up.duckdb"
    shutil.copyfile(built_warehouse, copy)
    return copy


@pytest.fixture
def published(warehouse: Path) -> Path:
    """The copy's marts, published beside it."""
    result = publish.publish(warehouse, warehouse.with_name("published.duckdb"))
    return result.path


def tables(path: Path, schema: str = "marts") -> dict[str, int]:
    """Row count of every table in `schema` of the DuckDB file at `path`."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1",
                [schema],
            ).fetchall()
        ]
        return {
            name: con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
            for name in names
        }


def fetch(path: Path, query: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(query).fetchall()


def test_published_copy_has_the_warehouse_marts(warehouse: Path, published: Path) -> None:
    in_warehouse = tables(warehouse)
    in_published = tables(published)
    assert set(in_warehouse) >= {
        "fct_mission_index",
        "fct_mission_change_since_baseline",
        "fct_question_toplines",
        "fct_priorities",
        "fct_local_mission_index",
        "fct_local_model_fit",
        "dim_mission",
        "dim_wave",
        "dim_question",
        "dim_mission_question",
        "fct_landings",
    }
    assert {k: v for k, v in in_published.items() if k != "publication"} == in_warehouse
    query = "select * from marts.fct_mission_index order by all"
    assert fetch(published, query) == fetch(warehouse, query)
    # only the marts travel: no raw answers in the readers' copy
    assert tables(published, "raw") == {}


def test_publication_row_says_what_and_when(warehouse: Path, published: Path) -> None:
    [(published_at, source, waves, latest, names, low_base, suppression, z, breakdowns)] = fetch(
        published, "select * from marts.publication"
    )
    assert source == str(warehouse.resolve())
    assert waves == ["2022-02", "2022-08", "2023-02"]
    assert latest == "2023-02"
    assert "fct_mission_index" in names
    assert abs(time.time() - published_at.timestamp()) < 24 * 3600
    # the rules the marts were built with, as dbt_project.yml sets them
    assert (low_base, suppression, z) == (100, 50, 1.96)
    assert breakdowns == [
        "nation",
        "region",
        "supergroup",
        "imd_quintile",
        "urban_rural",
        "age_band",
        "gender",
    ]


def test_publish_leaves_no_temporary_files_and_nothing_open(
    warehouse: Path, published: Path
) -> None:
    publish.publish(warehouse, published)
    assert sorted(p.name for p in published.parent.iterdir() if p.is_file()) == [
        "levelling_up.duckdb",
        "published.duckdb",
    ]
    # nothing holds either file: a writer can open both
    for path in (warehouse, published):
        duckdb.connect(str(path)).close()


def test_an_open_reader_keeps_its_copy_through_a_publish(warehouse: Path, published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as reader:
        before = reader.execute("select count(*) from marts.fct_mission_index").fetchone()
        publish.publish(warehouse, published)
        assert reader.execute("select count(*) from marts.fct_mission_index").fetchone() == before
    assert fetch(published, "select count(*) from marts.fct_mission_index") == [before]


def test_publish_refuses_a_missing_or_unbuilt_warehouse(tmp_path: Path) -> None:
    target = tmp_path / "published.duckdb"
    with pytest.raises(LuiError, match="no warehouse at"):
        publish.publish(tmp_path / "nowhere.duckdb", target)
    unbuilt = tmp_path / "levelling_up.duckdb"
    land(unbuilt, "2022-02", make_wave("2022-02", 60, 1))
    with pytest.raises(LuiError, match="no marts yet: run `lui build` first"):
        publish.publish(unbuilt, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["levelling_up.duckdb"]


def test_publish_refuses_a_file_named_like_a_schema(warehouse: Path) -> None:
    with pytest.raises(LuiError, match="clash with a schema"):
        publish.publish(warehouse, warehouse.with_name("marts.duckdb"))
    assert not warehouse.with_name("marts.duckdb").exists()


def project_copy(destination: Path) -> Path:
    """The dbt project (not the Python) copied to `destination`."""
    destination.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles", "macros", "models", "seeds", "tests"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("python"))
        else:
            shutil.copy2(source, destination / name)
    return destination


def test_a_failed_build_leaves_the_published_marts_as_they_were(
    warehouse: Path, published: Path, tmp_path: Path
) -> None:
    project = project_copy(tmp_path / "project")
    broken = project / "models" / "marts" / "dim_mission.sql"
    broken.write_text("select from where broken (\n")
    before_bytes = published.read_bytes()
    before_stat = published.stat()
    before_rows = fetch(published, "select * from marts.fct_mission_index order by all")

    with pytest.raises(LuiError, match="dbt build failed"):
        build.build(warehouse=warehouse, marts=published, project_dir=project, stream=False)

    after_stat = published.stat()
    assert (after_stat.st_ino, after_stat.st_mtime_ns) == (
        before_stat.st_ino,
        before_stat.st_mtime_ns,
    )
    assert published.read_bytes() == before_bytes
    assert fetch(published, "select * from marts.fct_mission_index order by all") == before_rows
    assert not list(published.parent.glob(".published-*"))


READER = textwrap.dedent(
    """
    import json, os, sys, time, duckdb
    published, log, stop = sys.argv[1:4]
    with open(log, "a", buffering=1) as out:
        while True:
            record = {"t": time.time()}
            try:
                con = duckdb.connect(published, read_only=True)
                try:
                    record["waves"], record["latest"] = con.execute(
                        "select count(*), max(wave_id) from marts.dim_wave"
                    ).fetchone()
                    record["uk_rows"] = con.execute(
                        "select count(*) from marts.fct_mission_index "
                        "where breakdown = 'all' and wave_id = ?", [record["latest"]]
                    ).fetchone()[0]
                finally:
                    con.close()
            except Exception as error:
                record["error"] = f"{type(error).__name__}: {error}"
            out.write(json.dumps(record) + "\\n")
            time.sleep(0.05)
            if os.path.exists(stop):
                break
    """
)


def test_readers_keep_answering_during_a_build_and_see_the_new_wave(
    warehouse: Path, published: Path, tmp_path: Path
) -> None:
    log, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published), str(log), str(stop)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (log.exists() and log.read_text().count("\n") >= 3):
            assert reader.poll() is None, reader.stderr.read() if reader.stderr else ""
            assert time.monotonic() < deadline, "the reader never answered"
            time.sleep(0.05)

        land(warehouse, NEW_WAVE, make_wave(NEW_WAVE, 1600, 4))
        env = dict(os.environ, LUI_WAREHOUSE=str(warehouse), LUI_MARTS=str(published))
        build_started = time.time()
        done = subprocess.run(
            [str(LUI), "build", "--wave", NEW_WAVE], env=env, capture_output=True, text=True
        )
        build_ended = time.time()
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert f"published 17 marts (2022-02, 2022-08, 2023-02, {NEW_WAVE})" in done.stdout

        deadline = time.monotonic() + 10
        while NEW_WAVE not in log.read_text():
            assert time.monotonic() < deadline, "the reader never saw the new wave"
            time.sleep(0.05)
    finally:
        stop.touch()
        reader.wait(timeout=30)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    errors = [r["error"] for r in records if "error" in r]
    assert errors == []
    during = [r for r in records if build_started <= r["t"] <= build_ended]
    assert len(during) >= 20, "the reader should have answered many times during the build"
    assert {r["latest"] for r in during} <= {"2023-02", NEW_WAVE}
    latest = [r["latest"] for r in records]
    # old wave first, then the new one for good once published; never a partial copy
    assert latest[0] == "2023-02" and latest[-1] == NEW_WAVE
    switched = latest.index(NEW_WAVE)
    assert set(latest[switched:]) == {NEW_WAVE}
    assert all(r["uk_rows"] == 12 for r in records)
    assert records[-1]["waves"] == 4
    # nothing holds the warehouse open after the build
    duckdb.connect(str(warehouse)).close()
