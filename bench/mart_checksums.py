"""A checksum of every table of a published marts file, to prove a rewrite changed no number.

For every table of the DuckDB file (every schema): its row count and an order-independent
checksum of all its columns: the sum of the hash of each row rendered as text, with every
floating-point value rounded to 1e-9 first (so a different order of addition, which moves
the last bits of a double, does not count as a change; a change of 1e-9 or more does).
Columns that record when and where a copy was made, not what it holds (`VOLATILE`), are
left out.

    .venv/bin/python bench/mart_checksums.py warehouse/published.duckdb --out before.json
    .venv/bin/python bench/mart_checksums.py published.duckdb --compare before.json

`--compare` exits 1 and names every table whose rows or checksum differ. With
`--old-columns`, each table's checksum is taken over the columns the compared file lists for
it (in its order) and columns added since are named, not counted: the proof that new
columns left every old number as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

VOLATILE = {
    ("publication", "published_at"),
    ("publication", "source_warehouse"),
    ("fct_landings", "landed_at"),
    ("dim_wave", "landed_at"),
    ("fct_landings", "validation_report"),
}
"""(table, column) pairs that differ between two builds of the same data: timestamps of the
landing and the publication and the paths of the files they came from."""

FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def _rendered(name: str, data_type: str) -> str:
    column = '"' + name.replace('"', '""') + '"'
    if data_type in FLOAT_TYPES:
        # -0.0 and 0.0 render alike
        value = f"cast(round({column}, 9) + 0.0 as varchar)"
    else:
        value = f"cast({column} as varchar)"
    return f"coalesce({value}, '<null>')"


def table_checksums(
    path: Path, only: dict[str, list[str]] | None = None
) -> dict[str, dict[str, int | str]]:
    """{schema.table: {rows, checksum, columns}} for every table of the file at `path`;
    with `only` ({schema.table: columns}), a listed table's checksum covers those of its
    columns, in that order, and its other columns are listed under `added`."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE' and table_catalog = current_database() "
            "order by table_schema, table_name"
        ).fetchall()
        result: dict[str, dict[str, int | str]] = {}
        for schema, table in tables:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? and table_catalog = current_database() "
                "order by ordinal_position",
                [schema, table],
            ).fetchall()
            kept = [(n, t) for n, t in columns if (table, n) not in VOLATILE]
            added: list[str] = []
            if only is not None and f"{schema}.{table}" in only:
                types = dict(kept)
                wanted = only[f"{schema}.{table}"]
                added = [n for n, _ in kept if n not in wanted]
                kept = [(n, types[n]) for n in wanted if n in types]
            row_text = " || '|' || ".join(_rendered(n, t) for n, t in kept) or "''"
            rows, checksum = con.execute(
                f'select count(*), coalesce(sum(hash({row_text})), 0) from "{schema}"."{table}"'
            ).fetchone()
            result[f"{schema}.{table}"] = {
                "rows": int(rows),
                "checksum": str(checksum),
                "columns": ",".join(n for n, _ in kept),
            }
            if added:
                result[f"{schema}.{table}"]["added"] = ",".join(added)
        return result


def differences(before: dict, after: dict) -> list[str]:
    """One line per table whose rows, columns or checksum differ (or that one side lacks)."""
    lines = []
    for table in sorted(set(before) | set(after)):
        if table not in after:
            lines.append(f"{table}: missing after")
        elif table not in before:
            lines.append(f"{table}: new after")
        else:
            keys = ("rows", "columns", "checksum")
            what = [k for k in keys if before[table][k] != after[table][k]]
            if what:
                lines.append(f"{table}: {', '.join(what)} differ")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("marts", type=Path, help="a published marts file (DuckDB)")
    parser.add_argument("--out", type=Path, help="write the checksums here as JSON")
    parser.add_argument(
        "--compare", type=Path, help="a JSON written before: fail on any difference"
    )
    parser.add_argument(
        "--old-columns",
        action="store_true",
        help="with --compare: checksum each table over the compared file's columns only",
    )
    args = parser.parse_args(argv)
    compared = json.loads(args.compare.read_text()) if args.compare else None
    only = (
        {table: sums["columns"].split(",") for table, sums in compared.items()}
        if compared and args.old_columns
        else None
    )
    sums = table_checksums(args.marts, only)
    text = json.dumps(sums, indent=2, sort_keys=True) + "\n"
    if args.out:
        args.out.write_text(text)
    else:
        print(text, end="")
    if compared is not None:
        lines = differences(compared, sums)
        for line in lines:
            print(line, file=sys.stderr)
        if lines:
            return 1
        added = [f"{t} ({s['added']})" for t, s in sums.items() if "added" in s]
        print(
            f"{len(sums)} tables identical to {args.compare}"
            + (f"; columns added: {'; '.join(added)}" if added else ""),
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
