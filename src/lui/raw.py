"""The raw schema of the warehouse: DDL and the one atomic way to write a wave into it.

Contract (DESIGN.md): `raw.respondents`, `raw.responses` (long: one row per answer given) and
`raw.landing_log`. A wave is always replaced whole inside one DuckDB transaction, so a
reader or a crash sees either the previous wave or the new one, never a mix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.respondents (
    wave_id varchar not null,
    respondent_id varchar not null,
    weight double not null,
    interview_date date not null,
    la_code varchar not null,
    imd_quintile integer not null,
    urban_rural varchar not null,
    supergroup varchar not null,
    age_band varchar not null,
    gender varchar not null
);
create table if not exists raw.responses (
    wave_id varchar not null,
    respondent_id varchar not null,
    question_code varchar not null,
    response_code integer not null
);
create table if not exists raw.landing_log (
    wave_id varchar not null,
    file_name varchar not null,
    file_sha256 varchar not null,
    file_format varchar not null,
    respondents bigint not null,
    answers bigint not null,
    questions integer not null,
    landed_at timestamp not null,
    validation_outcome varchar not null,
    validation_report varchar,
    replaced_previous boolean not null
);
"""

RESPONDENT_SELECT = """
    cast(respondent_id as varchar) as respondent_id,
    cast(weight as double) as weight,
    cast(interview_date as date) as interview_date,
    cast(la_code as varchar) as la_code,
    cast(imd_quintile as integer) as imd_quintile,
    cast(urban_rural as varchar) as urban_rural,
    cast(supergroup as varchar) as supergroup,
    cast(age_band as varchar) as age_band,
    cast(gender as varchar) as gender
"""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and tables when they do not exist yet."""
    con.execute(RAW_DDL)


@dataclass
class LandingRecord:
    """What `raw.landing_log` remembers of one landing."""

    wave_id: str
    file_name: str
    file_sha256: str
    file_format: str
    validation_outcome: str = "passed"
    validation_report: str | None = None
    landed_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def replace_wave(
    con: duckdb.DuckDBPyConnection,
    wide_relation: str,
    question_codes: Sequence[str],
    record: LandingRecord,
) -> tuple[int, int]:
    """Replace one wave in the raw tables from a wide relation, atomically.

    `wide_relation` names a table or view visible to `con` with the wave-file columns
    (respondent columns plus one column per question code). Empty answers are dropped
    in the unpivot: `raw.responses` holds one row per answer given.
    Returns (respondents, answers) written.
    """
    ensure_schema(con)
    wave = record.wave_id
    if question_codes:
        unpivot = " union all ".join(
            f"select respondent_id, '{code}' as question_code, "
            f"cast({_quote(code)} as integer) as response_code "
            f"from {wide_relation} where {_quote(code)} is not null"
            for code in question_codes
        )
    else:
        unpivot = (
            "select null::varchar as respondent_id, null::varchar as question_code, "
            "null::integer as response_code where false"
        )
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
        con.execute(
            f"insert into raw.respondents select ? as wave_id, {RESPONDENT_SELECT} "
            f"from {wide_relation}",
            [wave],
        )
        con.execute(
            "insert into raw.responses "
            f"select ? as wave_id, respondent_id, question_code, response_code from ({unpivot})",
            [wave],
        )
        respondents = con.execute(
            "select count(*) from raw.respondents where wave_id = ?", [wave]
        ).fetchone()[0]
        answers = con.execute(
            "select count(*) from raw.responses where wave_id = ?", [wave]
        ).fetchone()[0]
        con.execute(
            "insert into raw.landing_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return respondents, answers
