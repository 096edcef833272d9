"""The Spark lane: the same dbt models built on a local Spark session publish the same marts.

`make test-spark` runs this file (marker `spark`; left out of `make test`): it lands the four
demo waves once, builds them on DuckDB and, in one dbt invocation, on Spark
(`lui build --target spark`), and checks every published mart of the Spark build against
the DuckDB build's: the same tables, columns and types, the same rows; numbers (index,
standard errors, bases, percentages) equal to 1e-9, text, counts and flags identical. A
one-wave rebuild on Spark (the incremental path) must leave the marts equal as well.

Marts that exist on DuckDB only are listed in DUCKDB_ONLY_MARTS with their reason
(docs/spark.md).
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from lui.demo.run import run_demo
from lui.warehouse import build

pytestmark = [pytest.mark.slow, pytest.mark.spark]

# Marts built on DuckDB only (e.g. a dbt Python model, which dbt-spark's session method
# cannot run), each with its reason. Every other mart must be built on Spark too.
DUCKDB_ONLY_MARTS: dict[str, str] = {
    "fct_local_mission_index": "built from int_local_eblup, a dbt Python model (REML fit)",
    "fct_local_model_fit": "built from int_local_eblup, a dbt Python model (REML fit)",
}

TOLERANCE = 1e-9
PUBLICATION = "publication"


@pytest.fixture(scope="module")
def lanes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(warehouse, DuckDB-published marts, Spark-published marts) of the four demo waves."""
    root = tmp_path_factory.mktemp("spark_lane")
    warehouse = root / "levelling_up.duckdb"
    duckdb_marts = root / "published.duckdb"
    run_demo(root / "waves", warehouse=warehouse, marts=duckdb_marts)
    spark_marts = root / "published_spark.duckdb"
    build.build(warehouse=warehouse, marts=spark_marts, engine="spark", stream=False)
    return warehouse, duckdb_marts, spark_marts


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
    ).fetchall()
    return [name for (name,) in rows if name != PUBLICATION]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [
        (name, data_type)
        for name, data_type in con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'marts' and table_name = ? order by column_index",
            [table],
        ).fetchall()
    ]


def _rows(con: duckdb.DuckDBPyConnection, table: str, order: list[str]) -> list[tuple]:
    key = ", ".join(f'"{name}" nulls first' for name in order)
    return con.execute(f'select * from marts."{table}" order by {key}').fetchall()


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= TOLERANCE
    return a == b


def differences(duckdb_marts: Path, spark_marts: Path) -> list[str]:
    """Every way the Spark build's marts differ from the DuckDB build's (empty: none)."""
    problems = []
    with (
        duckdb.connect(str(duckdb_marts), read_only=True) as left,
        duckdb.connect(str(spark_marts), read_only=True) as right,
    ):
        expected = [t for t in _tables(left) if t not in DUCKDB_ONLY_MARTS]
        found = _tables(right)
        if found != expected:
            problems.append(f"marts: DuckDB {expected}, Spark {found}")
        for table in sorted(set(expected) & set(found)):
            columns = _columns(left, table)
            if _columns(right, table) != columns:
                problems.append(f"{table}: columns {columns} vs {_columns(right, table)}")
                continue
            # rows ordered by every column that is not a double, so both sides line up
            order = [name for name, data_type in columns if data_type != "DOUBLE"]
            ours, theirs = _rows(left, table, order), _rows(right, table, order)
            if len(ours) != len(theirs):
                problems.append(f"{table}: {len(ours)} rows on DuckDB, {len(theirs)} on Spark")
                continue
            names = [name for name, _ in columns]
            for row, (a, b) in enumerate(zip(ours, theirs, strict=True)):
                bad = [n for n, x, y in zip(names, a, b, strict=True) if not _same(x, y)]
                if bad:
                    problems.append(f"{table} row {row}: {bad} differ: {a} vs {b}")
                    break
    return problems


def test_the_spark_build_publishes_the_marts_the_duckdb_build_does(lanes) -> None:
    _, duckdb_marts, spark_marts = lanes
    assert differences(duckdb_marts, spark_marts) == []


def test_the_spark_marts_are_not_empty(lanes) -> None:
    _, _, spark_marts = lanes
    with duckdb.connect(str(spark_marts), read_only=True) as con:
        index_rows = con.execute("select count(*) from marts.fct_mission_index").fetchone()[0]
        waves = con.execute("select waves from marts.publication").fetchone()[0]
    assert waves == ["2022-02", "2022-08", "2023-02", "2023-08"]
    assert index_rows > 4 * 12


def test_a_one_wave_rebuild_on_spark_keeps_the_marts_equal(lanes) -> None:
    warehouse, duckdb_marts, spark_marts = lanes
    build.build("2023-02", warehouse=warehouse, marts=spark_marts, engine="spark", stream=False)
    assert differences(duckdb_marts, spark_marts) == []


def test_the_gate_imports_with_the_spark_extra_in_a_python_c_script() -> None:
    """Great Expectations imports pyspark.sql.connect when pyspark is installed; without the
    connect packages pyspark ends a `python -c` script (or a pytest-xdist worker) there and
    then with exit code 0. The spark extra installs them (pyproject.toml)."""
    code = "from lui.landing import gate; gate._gx(); print('the gate imported')"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "the gate imported", completed.stdout + completed.stderr
