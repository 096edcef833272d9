"""The land floor: what `lui land` does, hand-written as SQL in one DuckDB connection.

Read the wave's Parquet file; run the checks of the Great Expectations gate
(src/lui/landing/gate.py, expectations/*.json) as ONE query over the file; unpivot the
answers and insert the wave into the raw tables of a fresh scratch warehouse (the same
DDL as the warehouse's, lui.landing.raw.RAW_DDL), in one transaction. The suites'
parameters (value sets, local authorities, the fieldwork window, each question's valid
codes) come from the codebook as the gate's do (lui.landing.gate.suite_parameters).
Column presence is checked on the file's schema (metadata, no data read); the column
types are the file's, cast on insert. No report, no mapping, no landing log.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb

from lui import codebook, contract
from lui.landing.gate import fieldwork_window, suite_parameters
from lui.landing.raw import RAW_DDL, RESPONDENT_SELECT, VIEWS_DDL, quote_identifier

# the suites' bounds (expectations/*.json)
MIN_ANSWER_RATE = 0.1
WEIGHT_SPREAD = 1000.0


def _literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def _in_set(column: str, values: list[Any]) -> str:
    return f"{column} in ({', '.join(_literal(v) for v in values)})"


def check_query(file: str, wave: str, questions: list[str]) -> str:
    """Every row check of the gate as one aggregate query over the file: each column of the
    result counts the rows failing one expectation (or is a figure a bound applies to)."""
    parameters = suite_parameters(wave)
    start, month_end, end = fieldwork_window(wave)
    scales = {code: q.scale_id for code, q in codebook.questions().items()}
    valid: dict[str, list[int]] = {}
    for scale, code in parameters["valid_answer_codes"]:
        valid.setdefault(scale, []).append(code)
    checks = [
        "count(*) as respondents",
        "count(*) - count(respondent_id) as respondent_id_null",
        "count(respondent_id) - count(distinct respondent_id) as respondent_id_duplicate",
        "count(*) - count(weight) as weight_null",
        "count_if(not (isfinite(weight) and weight > 0)) as weight_not_positive",
        "min(weight) filter (where isfinite(weight) and weight > 0) as weight_min",
        "max(weight) filter (where isfinite(weight) and weight > 0) as weight_max",
        "median(weight) filter (where isfinite(weight) and weight > 0) as weight_median",
        "count(*) - count(interview_date) as interview_date_null",
        f"count_if(interview_date not between date '{start}' and date '{end}') "
        "as interview_date_outside_fieldwork",
        f"min(interview_date) < date '{start}' or min(interview_date) > date '{month_end}' "
        "as fieldwork_starts_outside_month",
        f"count_if(not {_in_set('la_code', parameters['la_codes'])}) as la_code_unknown",
    ]
    for column in ("la_code", *contract_value_columns(parameters)):
        checks.append(f"count(*) - count({column}) as {column}_null")
    for column in contract_value_columns(parameters):
        checks.append(
            f"count_if(not {_in_set(column, parameters[column])}) as {column}_outside_set"
        )
    given = " + ".join(f"cast({quote_identifier(q)} is not null as integer)" for q in questions)
    checks.append(f"count_if({given or '0'} < 1) as respondents_without_answers")
    for q in questions:
        column = quote_identifier(q)
        checks.append(f"count({column}) as answered__{q}")
        checks.append(
            f"count_if({column} is not null and not {_in_set(column, valid[scales[q]])}) "
            f"as invalid__{q}"
        )
    return f"""
        with wave as (select * from read_parquet({_literal(file)})),
        rows as (select {", ".join(checks)} from wave),
        supergroups as (
            select count(*) as la_codes_with_many_supergroups from (
                select la_code from wave where la_code is not null
                group by la_code having count(distinct supergroup) > 1
            )
        )
        select * from rows, supergroups
    """


def contract_value_columns(parameters: dict[str, Any]) -> list[str]:
    """The respondent columns with a fixed value set (their names are the suite parameters)."""
    return [c.name for c in contract.RESPONDENT if c.values is not None and c.name in parameters]


def failures(result: dict[str, Any], questions: list[str]) -> list[str]:
    """The names of the checks the file fails, from the check query's row."""
    failed = [
        name
        for name, value in result.items()
        if not name.startswith("answered__")
        and not name.startswith("weight_m")
        and name not in ("respondents", "fieldwork_starts_outside_month")
        and value
    ]
    if result["respondents"] < 1:
        failed.append("no respondents")
    if result["fieldwork_starts_outside_month"]:
        failed.append("fieldwork_starts_outside_month")
    median = result["weight_median"]
    if median and (
        result["weight_min"] / median < 1 / WEIGHT_SPREAD
        or result["weight_max"] / median > WEIGHT_SPREAD
    ):
        failed.append("weight_spread")
    for q in questions:
        if (
            result["respondents"]
            and result[f"answered__{q}"] / result["respondents"] < MIN_ANSWER_RATE
        ):
            failed.append(f"answer_rate__{q}")
    return failed


def land_floor(file: str, wave: str, scratch: str) -> dict[str, Any]:
    """Check the file and land it in the scratch warehouse; returns the timings, the checks
    failed (none for a good file) and what was written."""
    Path(scratch).unlink(missing_ok=True)
    questions = [q.code for q in codebook.questions_for_wave(wave)]
    started = time.perf_counter()
    with duckdb.connect(scratch) as con:
        con.execute("set disabled_compression_methods = 'fsst'")
        con.execute("set preserve_insertion_order = false")
        con.execute(RAW_DDL)
        con.execute(VIEWS_DDL)
        source = f"read_parquet({_literal(file)})"
        columns = {row[0] for row in con.execute(f"describe select * from {source}").fetchall()}
        expected = set(suite_parameters(wave)["known_columns"])
        failed = [f"column {c} unexpected" for c in sorted(columns - expected)]
        failed += [f"column {c} missing" for c in sorted(expected - columns)]
        cursor = con.execute(check_query(file, wave, questions))
        row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
        failed += failures(row, questions)
        checked = time.perf_counter()
        unpivoted = ", ".join(quote_identifier(q) for q in questions)
        con.execute("begin transaction")
        # the keyed storage of lui.landing.raw, by hand: the wave's key, the questions'
        # keys, the respondents numbered by respondent_id, their answers keyed
        con.execute("insert into raw.wave_keys values (1, ?)", [wave])
        con.execute(
            "insert into raw.question_keys select row_number() over (order by code), code "
            "from (select unnest(?::varchar[]) as code)",
            [questions],
        )
        key = "cast(row_number() over (order by respondent_id) as integer)"
        con.execute(
            f"insert into raw.respondent_records select 1, {key}, {RESPONDENT_SELECT} from {source}"
        )
        con.execute(
            "insert into raw.answers select 1, answers.respondent_key, questions.question_key, "
            "cast(answers.response_code as integer) from (unpivot (select "
            f"{key} as respondent_key, {unpivoted} from {source}) on {unpivoted} "
            "into name question_code value response_code) as answers "
            "inner join raw.question_keys as questions "
            "on answers.question_code = questions.question_code"
        )
        con.execute("commit")
        seconds = time.perf_counter() - started
        respondents, answers = con.execute(
            "select (select count(*) from raw.respondents), (select count(*) from raw.responses)"
        ).fetchone()
    return {
        "floor_seconds": seconds,
        "check_seconds": checked - started,
        "checks_failed": failed,
        "respondents": respondents,
        "answers": answers,
    }
