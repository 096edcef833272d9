"""Write every table of the published marts to files other tools read (R, Python, BI tools).

`lui export --format parquet --out DIR` writes `DIR/<table>.parquet` for every table of the
published copy's `marts` schema (the marts and `publication`), read from one short
read-only connection, so it runs while a build holds the warehouse. Files already in DIR
with those names are replaced; nothing else in DIR is touched.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from lui.errors import LuiError, as_lui_error
from lui.landing.raw import quote_identifier
from lui.paths import marts_path
from lui.warehouse.publish import SCHEMA, _sql_string

FORMATS = ("parquet",)


def export(out: Path, file_format: str = "parquet", marts: Path | None = None) -> list[Path]:
    """Write each published mart to `out` as `<table>.<format>`; returns the files written."""
    if file_format not in FORMATS:
        raise LuiError(f"unknown format {file_format!r}: choose one of {', '.join(FORMATS)}")
    published = (marts or marts_path()).resolve()
    if not published.exists():
        raise LuiError(f"no published marts at {published}: run `lui build` (or `make demo`) first")
    if out.exists() and not out.is_dir():
        raise LuiError(f"--out {out} is a file, not a directory")
    try:
        con = duckdb.connect(str(published), read_only=True)
    except duckdb.Error as error:
        raise as_lui_error(error, f"cannot read the published marts {published}") from error
    with con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1",
                [SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise LuiError(f"{published} has no marts: run `lui build` first")
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for table in tables:
            target = out.resolve() / f"{table}.{file_format}"
            con.execute(
                f"copy {SCHEMA}.{quote_identifier(table)} to {_sql_string(str(target))} "
                f"(format {file_format})"
            )
            written.append(target)
    return written


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=FORMATS, default="parquet", help="file format (default parquet)"
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="directory to write <table>.parquet files into"
    )
    parser.epilog = (
        "Reads the published file from LUI_MARTS (default warehouse/published.duckdb), "
        "read-only: it can run while a build runs."
    )


def run(args: argparse.Namespace) -> int:
    written = export(args.out, args.format)
    print(f"wrote {len(written)} tables as {args.format} to {args.out.resolve()}")
    return 0
