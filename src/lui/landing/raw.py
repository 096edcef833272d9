"""The raw schema of the warehouse: DDL and the one atomic way to write a wave into it.

Storage (docs/design.md, "The raw storage"): the answers are kept keyed by integers
assigned at landing, the string ids once each in their dimension tables:

- `raw.wave_keys` (wave_key, wave_id): one row per wave ever landed;
- `raw.question_keys` (question_key, question_code): one row per question ever landed;
- `raw.respondent_records` (wave_key, respondent_key, then the respondent columns of
  `lui.contract.RESPONDENT`): respondent_key numbers a wave's respondents 1..n in the
  order of their respondent_id;
- `raw.answers` (wave_key, respondent_key, question_key, response_code): one row per answer
  given, written in wave and respondent order.

Contract for readers (auditors, independent checks, dbt's sources, the Spark export):
`raw.respondents` (wave_id and the respondent columns, then respondent_key) and
`raw.responses` (wave_id, respondent_id, question_code, response_code), views over the
storage with today's columns, `raw.keyed_responses` (wave_id, respondent_key,
question_code, response_code: what the build reads) and `raw.landing_log`. A wave is
always replaced whole inside one DuckDB transaction, so a reader or a crash sees either
the previous wave or the new one, never a mix. A warehouse written before the keyed
storage (tables raw.respondents and raw.responses) is moved onto it the first time it is
opened for writing (`ensure_schema`).
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
create table if not exists raw.wave_keys (
    wave_key smallint not null,
    wave_id varchar not null {WAVE_ID_CHECK}
);
create table if not exists raw.question_keys (
    question_key smallint not null,
    question_code varchar not null
);
create table if not exists raw.respondent_records (
    wave_key smallint not null,
    respondent_key integer not null,
{_RESPONDENT_COLUMNS_DDL}
);
create table if not exists raw.answers (
    wave_key smallint not null,
    respondent_key integer not null,
    question_key smallint not null,
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

_RESPONDENT_NAMES = ", ".join(f"records.{c.name}" for c in contract.RESPONDENT)
VIEWS_DDL = f"""
create or replace view raw.respondents as
select waves.wave_id, {_RESPONDENT_NAMES}, records.respondent_key
from raw.respondent_records as records
inner join raw.wave_keys as waves on records.wave_key = waves.wave_key;
create or replace view raw.keyed_responses as
select waves.wave_id, answers.respondent_key, questions.question_code, answers.response_code
from raw.answers as answers
inner join raw.wave_keys as waves on answers.wave_key = waves.wave_key
inner join raw.question_keys as questions on answers.question_key = questions.question_key;
create or replace view raw.responses as
select waves.wave_id, records.respondent_id, questions.question_code, answers.response_code
from raw.answers as answers
inner join raw.wave_keys as waves on answers.wave_key = waves.wave_key
inner join raw.respondent_records as records
    on answers.wave_key = records.wave_key and answers.respondent_key = records.respondent_key
inner join raw.question_keys as questions on answers.question_key = questions.question_key;
"""
"""raw.respondents (today's columns, then respondent_key) and raw.responses (today's
columns) over the keyed storage; raw.keyed_responses, the answers with their wave and
question ids and the respondent's key, is what dbt reads (no join on respondent ids)."""

"""The raw tables; the respondent columns and their types come from `lui.contract`."""

RESPONDENT_SELECT = ", ".join(
    f"cast({c.name} as {c.duckdb_type}) as {c.name}" for c in contract.RESPONDENT
)
"""The respondent columns of a wide wave relation, cast to the raw table's types."""


def _table_type(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    row = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'raw' and table_name = ? and table_catalog = current_database()",
        [name],
    ).fetchone()
    return row[0] if row else None


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, tables and views (the weighting's too) when they do not exist
    yet, moving a warehouse written before the keyed storage onto it (in one transaction)."""
    if _table_type(con, "responses") == "BASE TABLE":
        _move_to_keyed_storage(con)
    else:
        con.execute(RAW_DDL)
        con.execute(VIEWS_DDL)
    con.execute(WEIGHTING_DDL)


def _move_to_keyed_storage(con: duckdb.DuckDBPyConnection) -> None:
    """The old long tables raw.respondents / raw.responses, rewritten keyed, then dropped."""
    con.execute("begin transaction")
    try:
        con.execute("alter table raw.respondents rename to respondents_before_keys")
        con.execute("alter table raw.responses rename to responses_before_keys")
        con.execute(RAW_DDL)
        con.execute(
            "insert into raw.wave_keys select row_number() over (order by wave_id), wave_id "
            "from (select distinct wave_id from raw.respondents_before_keys)"
        )
        con.execute(
            "insert into raw.question_keys "
            "select row_number() over (order by question_code), question_code "
            "from (select distinct question_code from raw.responses_before_keys)"
        )
        con.execute(
            f"insert into raw.respondent_records select waves.wave_key, "
            "row_number() over (partition by waves.wave_key order by old.respondent_id), "
            f"{', '.join('old.' + c.name for c in contract.RESPONDENT)} "
            "from raw.respondents_before_keys as old "
            "inner join raw.wave_keys as waves on old.wave_id = waves.wave_id "
            "order by 1, 2"
        )
        con.execute(
            "insert into raw.answers select records.wave_key, records.respondent_key, "
            "questions.question_key, old.response_code "
            "from raw.responses_before_keys as old "
            "inner join raw.wave_keys as waves on old.wave_id = waves.wave_id "
            "inner join raw.respondent_records as records on waves.wave_key = records.wave_key "
            "and old.respondent_id = records.respondent_id "
            "inner join raw.question_keys as questions "
            "on old.question_code = questions.question_code "
            "order by 1, 2"
        )
        con.execute("drop table raw.responses_before_keys")
        con.execute("drop table raw.respondents_before_keys")
        con.execute(VIEWS_DDL)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


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


def _keyed_answers(relation: str, question_codes: Sequence[str], first_key: int) -> str:
    """The answers of a wide relation keyed by integers: (respondent_key, question_key,
    response_code), one row per answer given, in respondent order.

    respondent_key numbers the relation's respondents from `first_key` in the order of
    their respondent_id (unique within a wave: the gate checks), the numbering
    `_keyed_respondents` gives the same rows; question_key comes from raw.question_keys.
    UNPIVOT drops empty answers and keeps a respondent's answers together (the window's
    respondent order), which keeps `raw.answers` compact on disk without a sort.
    """
    if not question_codes:
        return (
            "select null::integer as respondent_key, null::smallint as question_key, "
            "null::integer as response_code where false"
        )
    columns = ", ".join(quote_identifier(code) for code in question_codes)
    return (
        "select answers.respondent_key, questions.question_key, "
        "cast(answers.response_code as integer) as response_code "
        f"from (unpivot (select {_respondent_key(first_key)} as respondent_key, {columns} "
        f"from {relation}) on {columns} into name question_code value response_code) as answers "
        "inner join raw.question_keys as questions "
        "on answers.question_code = questions.question_code"
    )


def _respondent_key(first_key: int) -> str:
    return f"cast({first_key - 1} + row_number() over (order by respondent_id) as integer)"


def _keyed_respondents(relation: str, first_key: int) -> str:
    """The respondent columns of a wide relation, with the respondent_key of `_keyed_answers`."""
    return (
        f"select {_respondent_key(first_key)} as respondent_key, {RESPONDENT_SELECT} "
        f"from {relation}"
    )


def _wave_key(con: duckdb.DuckDBPyConnection, wave: str) -> int:
    """The wave's key in raw.wave_keys, given the next free one on its first landing."""
    row = con.execute("select wave_key from raw.wave_keys where wave_id = ?", [wave]).fetchone()
    if row:
        return row[0]
    con.execute(
        "insert into raw.wave_keys select coalesce(max(wave_key), 0) + 1, ? from raw.wave_keys",
        [wave],
    )
    return con.execute("select wave_key from raw.wave_keys where wave_id = ?", [wave]).fetchone()[0]


def _add_question_keys(con: duckdb.DuckDBPyConnection, question_codes: Sequence[str]) -> None:
    """Give each question code not landed before the next free question_key."""
    if not question_codes:
        return
    con.execute(
        "insert into raw.question_keys "
        "select (select coalesce(max(question_key), 0) from raw.question_keys) "
        "+ row_number() over (order by code), code "
        "from (select unnest(?::varchar[]) as code) "
        "where code not in (select question_code from raw.question_keys)",
        [list(question_codes)],
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
        wave_key = _wave_key(con, wave)
        _add_question_keys(con, question_codes)
        con.execute("delete from raw.answers where wave_key = ?", [wave_key])
        con.execute("delete from raw.respondent_records where wave_key = ?", [wave_key])
        respondents = 0
        for done, relation in enumerate(relations, start=1):
            first_key = respondents + 1
            con.execute(
                "insert into raw.respondent_records select ? as wave_key, * "
                f"from ({_keyed_respondents(relation, first_key)})",
                [wave_key],
            )
            con.execute(
                "insert into raw.answers select ? as wave_key, * "
                f"from ({_keyed_answers(relation, question_codes, first_key)})",
                [wave_key],
            )
            respondents = con.execute(
                "select count(*) from raw.respondent_records where wave_key = ?", [wave_key]
            ).fetchone()[0]
            if progress:
                progress(done / len(relations))
        answers = con.execute(
            "select count(*) from raw.answers where wave_key = ?", [wave_key]
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
