"""Copy the warehouse's `marts` schema to the published file that readers open.

The copy is written to a new file beside the published one and renamed over it in one step
(`os.replace`, atomic on the same filesystem). A reader that opens the published file sees
the previous copy or the new one, never a half-written file, and readers never touch the
warehouse, so they keep answering while a build holds it. Nothing stays open afterwards.

The published file has the same schema and table names as the warehouse (`marts.X`), plus
`marts.publication`: one row saying when, from which warehouse, with which waves and with
which reporting thresholds (the dbt vars low_base_threshold, suppression_threshold and
z_critical of dbt_project.yml, which `lui build` builds with) and breakdowns.
"""

from __future__ import annotations

import argparse
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from lui import contract
from lui.errors import LuiError, as_lui_error
from lui.landing.raw import check_complete, quote_identifier, warehouse_error
from lui.paths import marts_path, require_writable, spark_dir, warehouse_path
from lui.warehouse import spark as spark_marts
from lui.warehouse.dbt import DUCKDB, SPARK, dbt_target_path

SCHEMA = "marts"
PUBLICATION_TABLE = "publication"
SOURCE_ALIAS = "lui_source_warehouse"
# A DuckDB file's stem is its catalog name: these would make `marts.fct_x` ambiguous.
RESERVED_STEMS = frozenset(
    {"marts", "raw", "main", "codebook", "reference", "staging", SOURCE_ALIAS}
)


@dataclass(frozen=True)
class PublishResult:
    """What was published, where and when."""

    path: Path
    tables: tuple[str, ...]
    waves: tuple[str, ...]
    published_at: datetime

    @property
    def latest_wave(self) -> str | None:
        return self.waves[-1] if self.waves else None


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _check_paths(warehouse: Path, published: Path) -> None:
    if not warehouse.exists():
        raise LuiError(
            f"no warehouse at {warehouse}: land a wave (`lui land FILE --wave YYYY-MM`) "
            "and run `lui build` first, or run `make demo`"
        )
    if published.resolve() == warehouse.resolve():
        raise LuiError(f"the published file cannot be the warehouse itself ({warehouse})")
    if published.stem.lower() in RESERVED_STEMS:
        raise LuiError(
            f"cannot publish to {published.name}: a DuckDB file's name is its catalog name, "
            f"and {published.stem!r} would clash with a schema; choose another name "
            "(e.g. published.duckdb)"
        )


def _source_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        select table_name from duckdb_tables()
        where database_name = ? and schema_name = ?
        union
        select view_name from duckdb_views()
        where database_name = ? and schema_name = ? and not internal
        order by 1
        """,
        [SOURCE_ALIAS, SCHEMA, SOURCE_ALIAS, SCHEMA],
    ).fetchall()
    return [name for (name,) in rows if name != PUBLICATION_TABLE]


def _copy_warehouse_marts(con: duckdb.DuckDBPyConnection, warehouse: Path) -> list[str]:
    """Create schema `marts` in `con` with every mart of the DuckDB warehouse."""
    try:
        con.execute(f"attach {_sql_string(str(warehouse))} as {SOURCE_ALIAS} (read_only)")
        check_complete(con, warehouse, SOURCE_ALIAS)
    except duckdb.Error as error:
        raise warehouse_error(warehouse, error) from error
    tables = _source_tables(con)
    if not tables:
        raise LuiError(f"the warehouse {warehouse} has no marts yet: run `lui build` first")
    con.execute(f"create schema {SCHEMA}")
    source = f"{SOURCE_ALIAS}.{SCHEMA}"
    for table in tables:
        name = quote_identifier(table)
        con.execute(f"create table {SCHEMA}.{name} as select * from {source}.{name}")
    con.execute(f"detach {SOURCE_ALIAS}")
    return tables


def _write_copy(
    warehouse: Path, target: Path, published_at: datetime, engine: str
) -> tuple[list[str], list[str]]:
    """Write the marts `engine` built into the new file `target`; returns (tables, waves)."""
    with duckdb.connect(str(target)) as con:
        if engine == SPARK:
            spark = spark_dir(warehouse)
            tables = spark_marts.copy_marts(
                con, spark, dbt_target_path(warehouse, SPARK) / "manifest.json"
            )
            source_label = f"{warehouse} (built on Spark in {spark})"
        else:
            tables = _copy_warehouse_marts(con, warehouse)
            source_label = str(warehouse)
        waves: list[str] = []
        if "dim_wave" in tables:
            waves = [
                wave
                for (wave,) in con.execute(
                    f"select wave_id from {SCHEMA}.dim_wave order by wave_id"
                ).fetchall()
            ]
        rules = contract.thresholds()
        con.execute(
            f"""
            create table {SCHEMA}.{PUBLICATION_TABLE} as
            select
                cast(? as timestamp) as published_at,
                cast(? as varchar) as source_warehouse,
                cast(? as varchar[]) as waves,
                cast(? as varchar) as latest_wave,
                cast(? as varchar[]) as tables,
                cast(? as integer) as low_base_threshold,
                cast(? as integer) as suppression_threshold,
                cast(? as double) as z_critical,
                cast(? as varchar[]) as breakdowns
            """,
            [
                published_at,
                source_label,
                waves,
                waves[-1] if waves else None,
                tables,
                rules.low_base_threshold,
                rules.suppression_threshold,
                rules.z_critical,
                list(contract.BREAKDOWNS),
            ],
        )
        con.execute("checkpoint")
    return tables, waves


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


TEMP_PREFIX = ".published-"


def _temp_path(published: Path) -> Path:
    return published.with_name(f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}.duckdb")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_stale_copies(directory: Path) -> list[Path]:
    """Delete half-written copies (and their .wal) left by a publish that was killed.

    A copy is stale when the process named in its file name is no longer running; a
    publish still under way in another process keeps its copy. Returns what was deleted.
    """
    removed = []
    for path in sorted(directory.glob(f"{TEMP_PREFIX}*.duckdb*")):
        pid = path.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if not pid.isascii() or not pid.isdigit() or _alive(int(pid)):
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def publish(
    warehouse: Path | None = None, marts: Path | None = None, *, engine: str = DUCKDB
) -> PublishResult:
    """Copy the warehouse's marts to the published file, swapping it in atomically.

    `engine` says which build's marts: the DuckDB warehouse's (default) or, for `spark`,
    the Parquet tables of the Spark build beside it (lui.warehouse.spark).

    Raises LuiError (and leaves the published file as it was) when the warehouse is missing,
    has never been built or cannot be read.
    """
    source = (warehouse or warehouse_path()).resolve()
    published = (marts or marts_path()).resolve()
    _check_paths(source, published)
    require_writable(published.parent, "the published copy's directory")
    clear_stale_copies(published.parent)
    tmp = _temp_path(published)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    try:
        tables, waves = _write_copy(source, tmp, published_at, engine)
        _fsync(tmp)
        # A stale write-ahead log beside the published file would be replayed onto the new copy.
        published.with_name(published.name + ".wal").unlink(missing_ok=True)
        os.replace(tmp, published)
        _fsync(published.parent)
    except (OSError, duckdb.Error) as error:
        raise as_lui_error(
            error, f"could not publish to {published} (the published copy is left as it was)"
        ) from error
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return PublishResult(published, tuple(tables), tuple(waves), published_at)


def report(result: PublishResult) -> str:
    """One line saying what was published."""
    waves = ", ".join(result.waves) if result.waves else "no waves"
    return f"published {len(result.tables)} marts ({waves}) to {result.path}"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = (
        "Paths: the warehouse from LUI_WAREHOUSE (default warehouse/levelling_up.duckdb), "
        "the published file from LUI_MARTS (default warehouse/published.duckdb). "
        "`lui build` publishes by itself after a build passes."
    )


def run(args: argparse.Namespace) -> int:
    print(report(publish()))
    return 0
