"""The raw storage keyed by integers (src/lui/landing/raw.py, docs/design.md).

The answers are stored as (wave_key, respondent_key, question_key, response_code), the
string ids once in their dimension tables; `raw.respondents` and `raw.responses` are
views with today's columns. These tests land small waves through `raw.replace_wave` (the
write path of `lui land`, without the gate) and check what readers see.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from lui import contract
from lui.landing import raw

QUESTIONS = ["q_one", "q_two", "q_three"]


def wide(ids: list[str], answers: list[list[int | None]]) -> pa.Table:
    """A wave-file table: the respondent columns, then one column per question."""
    n = len(ids)
    columns: dict[str, list] = {
        "respondent_id": ids,
        "weight": [1.0 + i / 10 for i in range(n)],
        "interview_date": [pa.scalar(19000 + i, pa.date32()).as_py() for i in range(n)],
        "la_code": ["E06000001"] * n,
        "imd_quintile": [1 + i % 5 for i in range(n)],
        "urban_rural": ["Urban"] * n,
        "supergroup": ["Urban Settlements"] * n,
        "age_band": ["16-24"] * n,
        "gender": ["Male"] * n,
    }
    for index, code in enumerate(QUESTIONS):
        columns[code] = [row[index] for row in answers]
    return pa.table(columns)


def land(con: duckdb.DuckDBPyConnection, wave: str, table: pa.Table, chunks: int = 1) -> None:
    size = -(-table.num_rows // chunks)
    names = []
    for index in range(chunks):
        name = f"chunk_{wave.replace('-', '_')}_{index}"
        con.register(name, table.slice(index * size, size))
        names.append(name)
    raw.replace_wave(con, names, QUESTIONS, raw.LandingRecord(wave, "f", wave, "parquet"))


def long_answers(table: pa.Table, wave: str) -> list[tuple]:
    """What raw.responses must hold: one row per non-empty answer."""
    rows = []
    for i, respondent in enumerate(table.column("respondent_id").to_pylist()):
        for code in QUESTIONS:
            value = table.column(code)[i].as_py()
            if value is not None:
                rows.append((wave, respondent, code, value))
    return sorted(rows)


def test_the_views_show_every_answer_with_todays_columns(tmp_path: Path) -> None:
    first = wide(["r3", "r1", "r2", "r4"], [[1, None, 3], [2, 2, None], [None, None, 1], [5, 4, 3]])
    second = wide(["x1", "x2"], [[1, 1, 1], [None, 2, None]])
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        land(con, "2022-02", first, chunks=2)
        land(con, "2022-08", second)
        responses = con.execute("select * from raw.responses order by all").fetchall()
        assert responses == sorted(long_answers(first, "2022-02") + long_answers(second, "2022-08"))
        columns = [d[0] for d in con.execute("select * from raw.responses").description]
        assert columns == ["wave_id", "respondent_id", "question_code", "response_code"]
        respondents = con.execute(
            "select wave_id, respondent_id, weight from raw.respondents order by all"
        ).fetchall()
        assert [r[1] for r in respondents] == ["r1", "r2", "r3", "r4", "x1", "x2"]
        # the keyed view dbt reads: the same answers, the respondent's key for its id
        keyed = con.execute(
            "select k.wave_id, r.respondent_id, k.question_code, k.response_code "
            "from raw.keyed_responses as k inner join raw.respondents as r "
            "on k.wave_id = r.wave_id and k.respondent_key = r.respondent_key order by all"
        ).fetchall()
        assert keyed == responses
        # keys: one per wave and per question, each string stored once; respondents 1..n
        assert con.execute("select * from raw.wave_keys order by 1").fetchall() == [
            (1, "2022-02"),
            (2, "2022-08"),
        ]
        assert con.execute("select count(*) from raw.question_keys").fetchone() == (3,)
        keys = con.execute(
            "select wave_key, list(respondent_key order by respondent_key) "
            "from raw.respondent_records group by 1 order by 1"
        ).fetchall()
        assert keys == [(1, [1, 2, 3, 4]), (2, [1, 2])]
        storage = {
            name: kind
            for name, kind in con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'raw'"
            ).fetchall()
        }
        assert storage["answers"] == "BASE TABLE"
        assert storage["respondents"] == storage["responses"] == "VIEW"
        types = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = 'answers'"
            ).fetchall()
        )
        assert types == {
            "wave_key": "SMALLINT",
            "respondent_key": "INTEGER",
            "question_key": "SMALLINT",
            "response_code": contract.DUCKDB_TYPES[contract.QUESTION_TYPE].upper(),
        }


def test_replacing_a_wave_keeps_its_key_and_the_other_waves(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        land(con, "2022-02", wide(["a", "b"], [[1, 1, 1], [2, 2, 2]]))
        land(con, "2022-08", wide(["c"], [[3, 3, 3]]))
        before = con.execute("select * from raw.responses where wave_id = '2022-08'").fetchall()
        replacement = wide(["z", "y", "x"], [[5, None, None], [None, 4, None], [1, 1, 1]])
        land(con, "2022-02", replacement)
        assert con.execute("select * from raw.wave_keys order by 1").fetchall() == [
            (1, "2022-02"),
            (2, "2022-08"),
        ]
        got = con.execute("select * from raw.responses where wave_id = '2022-02' order by all")
        assert got.fetchall() == long_answers(replacement, "2022-02")
        after = con.execute("select * from raw.responses where wave_id = '2022-08'").fetchall()
        assert after == before


def test_a_failed_landing_leaves_the_storage_as_it_was(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        land(con, "2022-02", wide(["a"], [[1, 1, 1]]))
        before = con.execute("select * from raw.responses").fetchall()
        con.register("broken", pa.table({"respondent_id": ["b"]}))
        with pytest.raises(duckdb.Error):
            raw.replace_wave(
                con, "broken", QUESTIONS, raw.LandingRecord("2022-02", "f", "s", "csv")
            )
        assert con.execute("select * from raw.responses").fetchall() == before


OLD_LAYOUT = f"""
create schema raw;
create table raw.respondents (wave_id varchar not null, {
    ", ".join(f"{c.name} {c.duckdb_type} not null" for c in contract.RESPONDENT)
});
create table raw.responses (
    wave_id varchar not null, respondent_id varchar not null,
    question_code varchar not null, response_code integer not null
);
"""


def test_a_warehouse_landed_before_the_keys_moves_onto_them_unchanged(tmp_path: Path) -> None:
    table = wide(["b", "a", "c"], [[1, None, 2], [3, 3, 3], [None, None, 4]])
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute(OLD_LAYOUT)
        con.register("wave", table)
        con.execute(
            f"insert into raw.respondents select '2022-02', {raw.RESPONDENT_SELECT} from wave"
        )
        con.executemany(
            "insert into raw.responses values (?, ?, ?, ?)", long_answers(table, "2022-02")
        )
        respondents = con.execute("select * from raw.respondents order by all").fetchall()
        raw.ensure_schema(con)
        assert con.execute("select * from raw.responses order by all").fetchall() == long_answers(
            table, "2022-02"
        )
        columns = ", ".join(["wave_id", *(c.name for c in contract.RESPONDENT)])
        moved = con.execute(f"select {columns} from raw.respondents order by all").fetchall()
        assert moved == respondents
        assert con.execute(
            "select table_type from information_schema.tables "
            "where table_schema = 'raw' and table_name = 'responses'"
        ).fetchone() == ("VIEW",)
        # and landing goes on in the new storage
        land(con, "2022-08", wide(["d"], [[1, 2, 3]]))
        assert con.execute("select count(*) from raw.responses").fetchone() == (6 + 3,)
