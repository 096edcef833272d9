"""Write the raw tables as Parquet, partitioned by wave, for the Spark target to read.

`lui land` keeps DuckDB as the landing store. `lui export-raw [--wave W]` (which
`lui build --target spark` runs by itself) copies `raw.respondents`, `raw.keyed_responses`
(the answers as dbt reads them), `raw.landing_log` and the weighting tables (`RAW_TABLES`) to
`<spark dir>/raw/<table>/wave_id=<W>/data.parquet` (the spark dir is `warehouse/spark/`
beside the warehouse, or `LUI_SPARK_DIR`): the layout Spark reads as one table
partitioned by `wave_id` (models/staging/raw/_raw__sources.yml). A wave's folder is
written beside the old one and swapped in by renames, so a reader sees the old wave or the
new one; exporting every wave also removes the folders of waves no longer landed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lui import codebook
from lui.errors import LuiError
from lui.paths import spark_dir, warehouse_path

RAW_TABLES = (
    "respondents",
    "keyed_responses",
    "landing_log",
    "weighting_margins",
    "weighting_waves",
    "replicate_weights",
    "respondent_design",
)
EVERY_WAVE_TABLES = frozenset({"replicate_weights", "respondent_design"})
"""Tables exported for every landed wave, with a partition of no rows for a wave that has
none: most waves have no replicate weights (and a wave landed before the weighting
tables has no design rows), and Spark reads a table's columns from its
files, so the folder always holds at least one (empty) file."""
PARTITION_COLUMN = "wave_id"


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote."""

    directory: Path
    waves: tuple[str, ...]
    rows: dict[str, int]

    def __str__(self) -> str:
        counts = ", ".join(f"{rows:,} {table}" for table, rows in self.rows.items())
        return f"exported waves {', '.join(self.waves)} ({counts}) to {self.directory}"


def raw_parquet_dir(spark: Path | None = None) -> Path:
    """The folder holding one Parquet folder per raw table."""
    return (spark or spark_dir()) / "raw"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _swap_in(new: Path, final: Path) -> None:
    """Put the folder `new` where `final` is, by renames (the old one is removed after)."""
    old = final.with_name(f".old-{final.name}-{secrets.token_hex(4)}")
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def _export_wave(con: duckdb.DuckDBPyConnection, table: str, wave: str, folder: Path) -> int:
    partition = folder / f"{PARTITION_COLUMN}={wave}"
    staging = folder / f".new-{partition.name}-{secrets.token_hex(4)}"
    staging.mkdir(parents=True)
    try:
        rows = con.execute(
            f"select count(*) from raw.{table} where {PARTITION_COLUMN} = ?", [wave]
        ).fetchone()[0]
        con.execute(
            f"copy (select * exclude ({PARTITION_COLUMN}) from raw.{table} "
            f"where {PARTITION_COLUMN} = {_sql_string(wave)}) "
            f"to {_sql_string(str(staging / 'data.parquet'))} (format parquet)"
        )
        _swap_in(staging, partition)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return rows


def export_raw(
    wave: str | None = None, *, warehouse: Path | None = None, spark: Path | None = None
) -> ExportResult:
    """Export one landed wave (or every one) of the raw tables to Parquet."""
    if wave is not None and not codebook.is_wave_id(wave):
        raise LuiError(f"wave id {wave!r} is not of the form YYYY-MM (e.g. 2022-02)")
    source = (warehouse or warehouse_path()).resolve()
    if not source.exists():
        raise LuiError(f"no warehouse at {source}: land a wave first (`lui land FILE --wave W`)")
    directory = raw_parquet_dir(spark or spark_dir(source))
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.IOException as error:
        raise LuiError(
            f"cannot open the warehouse {source} (is a build or a landing running?): "
            f"{str(error).splitlines()[0]}"
        ) from error
    with con:
        landed = [
            w
            for (w,) in con.execute(
                f"select distinct {PARTITION_COLUMN} from raw.respondents order by 1"
            ).fetchall()
        ]
        if wave is not None and wave not in landed:
            raise LuiError(f"wave {wave} is not landed; landed waves: {', '.join(landed)}")
        waves = [wave] if wave is not None else landed
        if not waves:
            raise LuiError(f"no wave is landed in {source}: land one first")
        rows: dict[str, int] = {}
        for table in RAW_TABLES:
            folder = directory / table
            folder.mkdir(parents=True, exist_ok=True)
            in_table = {
                w
                for (w,) in con.execute(
                    f"select distinct {PARTITION_COLUMN} from raw.{table}"
                ).fetchall()
            }
            if table in EVERY_WAVE_TABLES:
                in_table |= set(landed)
            rows[table] = sum(_export_wave(con, table, w, folder) for w in waves if w in in_table)
            if wave is None:
                for stale in folder.glob(f"{PARTITION_COLUMN}=*"):
                    if stale.name.split("=", 1)[1] not in in_table:
                        shutil.rmtree(stale)
    return ExportResult(directory, tuple(waves), rows)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wave", metavar="YYYY-MM", help="export only this landed wave (default: every one)"
    )
    parser.epilog = (
        "Paths: the warehouse from LUI_WAREHOUSE (default warehouse/levelling_up.duckdb); "
        "the Parquet files go to LUI_SPARK_DIR/raw (default warehouse/spark/raw). "
        "`lui build --target spark` exports by itself before it builds."
    )


def run(args: argparse.Namespace) -> int:
    print(f"lui export-raw: {export_raw(args.wave)}")
    return 0
