"""The raw schema of the warehouse: DDL and the one atomic way to write a wave into it.

Contract (docs/design.md): `raw.respondents` (its columns: `lui.contract.RESPONDENT`),
`raw.responses` (long: one row per answer given) and `raw.landing_log`. A wave is always
replaced whole inside one DuckDB transaction, so a reader or a crash sees either the
previous wave or the new one, never a mix.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from lui import codebook, contract
from lui.errors import LuiError, as_lui_error, first_line
from lui.landing.weighting import WEIGHTING_DDL
from lui.paths import require_writable

PAUSE_HOOK = "LUI_TEST_PAUSE_BEFORE_COMMIT"
"""Test-only: seconds to sleep inside the landing transaction, just before its commit.

`replace_wave` prints `paused before commit` to stderr and sleeps, so a test can kill the
process mid-load deterministically and check the warehouse keeps its previous state.
"""
PAUSE_AFTER_COMMIT_HOOK = "LUI_TEST_PAUSE_AFTER_COMMIT"
"""Test-only: the same, just after the commit (`paused after commit`), before the connection
closes: a kill there must leave the whole new wave (DuckDB replays its write-ahead log)."""

_RESPONDENT_COLUMNS_DDL = ",\n".join(
    f"    {c.name} {c.duckdb_type} not null" for c in contract.RESPONDENT
)
# Only a wave id (lui.codebook.WAVE_ID_PATTERN, matched whole) may be a wave's partition key.
WAVE_ID_CHECK = f"check (regexp_full_match(wave_id, '{codebook.WAVE_ID_PATTERN.pattern}'))"

RAW_DDL = f"""
create schema if not exists raw;
create table if not exists raw.respondents (
    wave_id varchar not null {WAVE_ID_CHECK},
{_RESPONDENT_COLUMNS_DDL}
);
create table if not exists raw.responses (
    wave_id varchar not null,
    respondent_id varchar not null,
    question_code varchar not null,
    response_code {contract.DUCKDB_TYPES[contract.QUESTION_TYPE]} not null
);
create table if not exists raw.landing_log (
    wave_id varchar not null {WAVE_ID_CHECK},
    file_name varchar not null,
    file_sha256 varchar not null,
    file_format varchar not null,
    respondents bigint not null,
    answers bigint not null,
    questions integer not null,
    landed_at timestamp not null,
    validation_outcome varchar not null,
    validation_report varchar,
    replaced_previous boolean not null,
    mapping_sha256 varchar
);
-- warehouses landed before the mapping was recorded
alter table raw.landing_log add column if not exists mapping_sha256 varchar;
"""
"""The raw tables; the respondent columns and their types come from `lui.contract`."""

RESPONDENT_SELECT = ", ".join(
    f"cast({c.name} as {c.duckdb_type}) as {c.name}" for c in contract.RESPONDENT
)
"""The respondent columns of a wide wave relation, cast to the raw table's types."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables (the weighting's too) when they do not exist yet."""
    con.execute(RAW_DDL)
    con.execute(WEIGHTING_DDL)


@dataclass
class LandingRecord:
    """What `raw.landing_log` remembers of one landing."""

    wave_id: str
    file_name: str
    file_sha256: str
    file_format: str
    validation_outcome: str = "passed"
    validation_report: str | None = None
    mapping_sha256: str | None = None  # checksum of how the file mapped onto the codebook
    landed_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))


# What DuckDB says when a database file is cut short or is not a database at all.
DAMAGED_MARKERS = ("could not read enough bytes", "not a valid duckdb database", "corrupt")


def connect_warehouse(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, or refuse in one line saying why not.

    Held by another process: that process's PID. Truncated or not a DuckDB file: damaged,
    with what to do. Anything else (a read-only or full disk): `lui.errors.reason`.
    """
    if not read_only:
        require_writable(path.parent, f"the warehouse directory of {path.name}")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
        check_complete(con, path)
    except duckdb.Error as error:
        raise warehouse_error(path, error) from error
    return con


# A DuckDB file is its header (three 4 KiB blocks) and then its blocks.
DUCKDB_HEADER_BYTES = 3 * 4096


def shortest_complete_size(block_size: int, used_blocks: int) -> int:
    """The fewest bytes a DuckDB file with `used_blocks` blocks in use can hold.

    Not `total_blocks`: that counts free blocks too, and a healthy file can end before the
    last of them (a block freed before it was ever written; seen after dbt builds: 248
    blocks listed, 247 in the file, every table readable). A file shorter than its used
    blocks is certainly cut short; one cut by less than its free blocks is caught by DuckDB
    when it reads a missing block (lui.errors maps that message to "damaged or truncated").
    """
    return DUCKDB_HEADER_BYTES + block_size * used_blocks


def check_complete(con: duckdb.DuckDBPyConnection, path: Path, database: str | None = None) -> None:
    """Refuse a warehouse file shorter than the blocks in use (cut short by a full disk or
    an interrupted copy): DuckDB may open it and fail only on the missing blocks."""
    row = con.execute(
        "select block_size, used_blocks from pragma_database_size() "
        "where database_name = coalesce(?, current_database())",
        [database],
    ).fetchone()
    if row is None or not path.exists():
        return
    expected = shortest_complete_size(*row)
    size = path.stat().st_size
    if size < expected:
        con.close()
        raise LuiError(
            f"the warehouse file {path} is damaged or truncated ({size:,} bytes of the "
            f"{expected:,} it should hold at least): restore it from a backup, or move it "
            "aside and land the waves again"
        )


def warehouse_error(path: Path, error: BaseException) -> LuiError:
    """Why the warehouse file at `path` could not be opened, in one line."""
    message = first_line(error)
    lowered = message.lower()
    if "lock" in lowered:
        pid = re.search(r"PID (\d+)", message)
        holder = f" (PID {pid.group(1)})" if pid else ""
        return LuiError(
            f"the warehouse {path} is in use by another process{holder}: "
            "try again when it has finished"
        )
    if any(marker in lowered for marker in DAMAGED_MARKERS):
        size = path.stat().st_size if path.exists() else 0
        return LuiError(
            f"the warehouse file {path} is damaged or truncated ({size:,} bytes; DuckDB: "
            f"{message}): restore it from a backup, or move it aside and land the waves again"
        )
    return as_lui_error(error, f"cannot open the warehouse {path}")


def quote_identifier(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def latest_sha256(con: duckdb.DuckDBPyConnection, wave_id: str) -> str | None:
    """The sha256 of the file the wave was last landed from (None: never landed)."""
    ensure_schema(con)
    row = con.execute(
        "select file_sha256 from raw.landing_log where wave_id = ? order by landed_at desc limit 1",
        [wave_id],
    ).fetchone()
    return row[0] if row else None


def _unpivot(relation: str, question_codes: Sequence[str]) -> str:
    """Long answers (respondent_id, question_code, response_code) of a wide relation.

    UNPIVOT drops empty answers and keeps a respondent's answers together (respondent-major
    order), which keeps `raw.responses` compact on disk.
    """
    if not question_codes:
        return (
            "select null::varchar as respondent_id, null::varchar as question_code, "
            "null::integer as response_code where false"
        )
    columns = ", ".join(quote_identifier(code) for code in question_codes)
    return (
        "select cast(respondent_id as varchar) as respondent_id, question_code, "
        "cast(response_code as integer) as response_code "
        f"from (unpivot (select respondent_id, {columns} from {relation}) on {columns} "
        "into name question_code value response_code)"
    )


def _pause(hook: str, moment: str) -> None:
    seconds = os.environ.get(hook)
    if seconds:
        print(f"paused {moment}", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def replace_wave(
    con: duckdb.DuckDBPyConnection,
    wide_relation: str | Sequence[str],
    question_codes: Sequence[str],
    record: LandingRecord,
    progress: Callable[[float], None] | None = None,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> tuple[int, int]:
    """Replace one wave in the raw tables from a wide relation, atomically.

    `wide_relation` names a table or view visible to `con` with the wave-file columns
    (respondent columns plus one column per question code), or a sequence of such names
    holding consecutive chunks of the wave (`progress` is called with the share done after
    each). Empty answers are dropped in the unpivot: `raw.responses` holds one row per answer
    given. `before_commit` writes what lands beside the wave (its weighting) in the same
    transaction. Everything happens in one transaction: on any error the previous state stays.
    Returns (respondents, answers) written.
    """
    ensure_schema(con)
    wave = codebook.parse_wave_id(record.wave_id)
    relations = [wide_relation] if isinstance(wide_relation, str) else list(wide_relation)
    con.execute("begin transaction")
    try:
        replaced = (
            con.execute(
                "select count(*) from raw.respondents where wave_id = ?", [wave]
            ).fetchone()[0]
            > 0
        )
        con.execute("delete from raw.responses where wave_id = ?", [wave])
        con.execute("delete from raw.respondents where wave_id = ?", [wave])
        for done, relation in enumerate(relations, start=1):
            con.execute(
                f"insert into raw.respondents select ? as wave_id, {RESPONDENT_SELECT} "
                f"from {relation}",
                [wave],
            )
            con.execute(
                "insert into raw.responses select ? as wave_id, respondent_id, question_code, "
                f"response_code from ({_unpivot(relation, question_codes)})",
                [wave],
            )
            if progress:
                progress(done / len(relations))
        respondents = con.execute(
            "select count(*) from raw.respondents where wave_id = ?", [wave]
        ).fetchone()[0]
        answers = con.execute(
            "select count(*) from raw.responses where wave_id = ?", [wave]
        ).fetchone()[0]
        con.execute(
            "insert into raw.landing_log (wave_id, file_name, file_sha256, file_format, "
            "respondents, answers, questions, landed_at, validation_outcome, validation_report, "
            "replaced_previous, mapping_sha256) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                wave,
                record.file_name,
                record.file_sha256,
                record.file_format,
                respondents,
                answers,
                len(question_codes),
                record.landed_at,
                record.validation_outcome,
                record.validation_report,
                replaced,
                record.mapping_sha256,
            ],
        )
        if before_commit is not None:
            before_commit(con)
        _pause(PAUSE_HOOK, "before commit")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    _pause(PAUSE_AFTER_COMMIT_HOOK, "after commit")
    return respondents, answers
