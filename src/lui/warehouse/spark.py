"""The marts of a Spark build, read back from its Parquet tables for publishing.

`lui build --target spark` builds the same dbt models on a local Spark session
(profiles/profiles.yml, target `spark`). Spark keeps each table as a folder of Parquet
files under `<spark dir>/tables/<schema>.db/<table>/` (incremental tables partitioned by
wave, `wave_id=YYYY-MM/`). Publishing copies the marts from those files into the same
`published.duckdb` a DuckDB build publishes, with the columns in their contract's order
and cast to their contract's types (taken from the build's manifest.json), so readers
cannot tell which engine built them.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from lui.errors import LuiError

MARTS_SCHEMA = "marts"
TABLE_MATERIALIZATIONS = ("table", "incremental")

# dbt build arguments on Spark: seeds, models and the data tests of the marts (their grain,
# keys, accepted values and ranges). Each Spark query costs a second or more, so the tests
# of the seeds and of the staging and intermediate relations, whose SQL and data the DuckDB
# build tests (and `make test-spark` compares every mart with), are left out. No build runs
# the dbt unit tests (lui.warehouse.dbt.WITHOUT_UNIT_TESTS).
SPARK_BUILD_SELECTION = (
    "--exclude",
    "resource_type:test,path:models/staging",
    "resource_type:test,path:models/intermediate",
    "resource_type:test,path:seeds",
)


def tables_dir(spark: Path) -> Path:
    """Spark's warehouse folder (`spark.sql.warehouse.dir` in profiles/profiles.yml)."""
    return spark / "tables"


def mart_columns(manifest: Path) -> dict[str, list[tuple[str, str | None]]]:
    """Every mart table of a build's manifest with its (column, contract data_type) list."""
    if not manifest.exists():
        raise LuiError(f"no dbt manifest at {manifest}: run `lui build --target spark` first")
    nodes = json.loads(manifest.read_text())["nodes"].values()
    marts = {}
    for node in sorted(nodes, key=lambda n: n["name"]):
        if (
            node["resource_type"] == "model"
            and node["schema"] == MARTS_SCHEMA
            and node["config"].get("materialized") in TABLE_MATERIALIZATIONS
        ):
            marts[node["alias"]] = [
                (column["name"], column.get("data_type")) for column in node["columns"].values()
            ]
    return marts


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _select(columns: list[tuple[str, str | None]], source: str | None) -> str:
    if not columns:
        return f"select * from {source}"
    listed = ", ".join(
        f'cast("{name}" as {data_type}) as "{name}"' if data_type else f'"{name}"'
        for name, data_type in columns
    )
    if source is None:  # no rows: Spark wrote no file
        listed = ", ".join(
            f'cast(null as {data_type or "varchar"}) as "{name}"' for name, data_type in columns
        )
        return f"select {listed} where false"
    return f"select {listed} from {source}"


def _parquet_source(folder: Path) -> str | None:
    """A DuckDB read_parquet over a Spark table's folder (None when it holds no file)."""
    if not any(folder.rglob("*.parquet")):
        return None
    partitions = sorted(
        {child.name.split("=", 1)[0] for child in folder.iterdir() if "=" in child.name}
    )
    files = _sql_string(str(folder / ("**/*.parquet" if partitions else "*.parquet")))
    if not partitions:
        return f"read_parquet({files})"
    types = ", ".join(f"{_sql_string(name)}: 'varchar'" for name in partitions)
    return f"read_parquet({files}, hive_partitioning = true, hive_types = {{{types}}})"


def copy_marts(con: duckdb.DuckDBPyConnection, spark: Path, manifest: Path) -> list[str]:
    """Create schema `marts` in `con` with every mart of the Spark build; returns the tables."""
    marts = mart_columns(manifest)
    if not marts:
        raise LuiError(f"the dbt manifest {manifest} lists no marts")
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"create schema {MARTS_SCHEMA}")
    for table, columns in marts.items():
        folder = tables_dir(spark) / f"{MARTS_SCHEMA}.db" / table.lower()
        if not folder.is_dir():
            raise LuiError(
                f"the Spark build has no table {MARTS_SCHEMA}.{table} under {tables_dir(spark)}: "
                "run `lui build --target spark` first"
            )
        con.execute(
            f'create table {MARTS_SCHEMA}."{table}" as {_select(columns, _parquet_source(folder))}'
        )
    return list(marts)
