"""`lui export`: every published mart as a Parquet file, and plain refusals."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lui import cli
from lui.errors import LuiError
from lui.warehouse import export, publish


@pytest.fixture(scope="module")
def published(built_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session warehouse's marts, published into a private folder."""
    target = tmp_path_factory.mktemp("export") / "published.duckdb"
    return publish.publish(built_warehouse, target).path


@pytest.mark.slow
def test_export_writes_every_published_mart_as_parquet(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("LUI_MARTS", str(published))
    out = tmp_path / "parquet"
    assert cli.main(["export", "--format", "parquet", "--out", str(out)]) == 0
    with duckdb.connect(str(published), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        }
        assert {p.stem for p in out.glob("*.parquet")} == set(tables)
        assert {"fct_mission_index", "fct_question_nets", "publication"} <= set(tables)
        for name in tables:
            exported = con.execute(
                f"select * from read_parquet('{out / name}.parquet') order by all"
            ).fetchall()
            original = con.execute(f"select * from marts.{name} order by all").fetchall()
            assert exported == original, name
    assert f"wrote {len(tables)} tables as parquet" in capsys.readouterr().out


def test_export_refuses_without_published_marts(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("LUI_MARTS", str(tmp_path / "published.duckdb"))
    assert cli.main(["export", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "no published marts" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_export_refuses_an_out_path_that_is_a_file(published: Path, tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.write_text("")
    with pytest.raises(LuiError, match="is a file"):
        export.export(out, marts=published)


def test_export_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(LuiError, match="unknown format"):
        export.export(tmp_path, "xlsx", marts=tmp_path / "published.duckdb")
