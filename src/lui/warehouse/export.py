"""Write every table of the published marts to files other tools read (R, Python, BI tools).

`lui export --format parquet --out DIR` writes `DIR/<table>.parquet` for every table of the
published copy's `marts` schema (the marts and `publication`), read from one short
read-only connection, so it runs while a build holds the warehouse. Files already in DIR
with those names are replaced; nothing else in DIR is touched.

`lui export --wave W --out FILE.sav` (or `.dta`, `.parquet`) writes instead one labelled row
per respondent of wave W from the warehouse: answers, mission scores, weight
(`lui.warehouse.labelled`).
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


def open_read_only(path: Path, what: str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to a DuckDB file, or a LuiError naming `what` it is."""
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise as_lui_error(error, f"cannot read {what} {path}") from error


def export(out: Path, file_format: str = "parquet", marts: Path | None = None) -> list[Path]:
    """Write each published mart to `out` as `<table>.<format>`; returns the files written."""
    if file_format not in FORMATS:
        raise LuiError(f"unknown format {file_format!r}: choose one of {', '.join(FORMATS)}")
    published = (marts or marts_path()).resolve()
    if not published.exists():
        raise LuiError(f"no published marts at {published}: run `lui build` (or `make demo`) first")
    if out.exists() and not out.is_dir():
        raise LuiError(f"--out {out} is a file, not a directory")
    with open_read_only(published, "the published marts") as con:
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
        "--out",
        type=Path,
        required=True,
        help="directory to write <table>.parquet files into; with --wave, the file to write "
        "(.sav, .dta or .parquet)",
    )
    parser.add_argument(
        "--wave",
        help="write this wave's respondents (answers, mission scores, weight) as one labelled "
        "file instead, from the warehouse (LUI_WAREHOUSE)",
    )
    parser.epilog = (
        "Reads the published file from LUI_MARTS (default warehouse/published.duckdb), "
        "read-only: it can run while a build runs."
    )


def run(args: argparse.Namespace) -> int:
    if args.wave:
        from lui.warehouse.labelled import export_wave

        out = export_wave(args.wave, args.out)
        print(f"wrote wave {args.wave}'s respondents to {out.resolve()}")
        return 0
    written = export(args.out, args.format)
    print(f"wrote {len(written)} tables as {args.format} to {args.out.resolve()}")
    return 0
