"""The landing gate: Great Expectations suites from `expectations/` run on an incoming wave file.

Three suites, one per kind of input in a wave file, kept as JSON in `expectations/` and loaded
into GX 1.x `ExpectationSuite` objects at run time (an ephemeral GX context, pandas data
source, analytics off):

- `columns`: one row per column of the file; every column known to the codebook for the wave,
  none missing, each of its type, every question answered at a sensible rate. Runs first: the
  row checks need the right columns.
- `respondents`: one row per respondent (the respondent columns plus three derived columns,
  `_answers_given`, `_supergroups_in_la` and `_weight_to_median`); ids, weights (finite,
  above 0, within a factor of 1,000 of the median), dates, geography, value sets.
- `answers`: the answer profile, one row per question and distinct answer code given, built
  in DuckDB from every row of the file; every code defined by its question's scale.

Data-dependent values (la_code lookup, value sets, the wave's questions and their valid codes,
the fieldwork window) are `$PARAMETER`s in the suites, filled from the codebook by
`suite_parameters(wave_id)`. What the results mean in words, and the full report on disk, are
`lui.landing.gate_report`'s.
"""

from __future__ import annotations

import calendar
import json
import logging
import os
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lui import codebook, contract
from lui.errors import LuiError
from lui.landing import routing
from lui.landing.gate_report import (
    Failure,
    ReportContext,
    ValidationOutcome,
    failures,
    write_report,
)
from lui.landing.raw import quote_identifier
from lui.landing.wavefile import WaveFile, expected_type, type_name
from lui.paths import EXPECTATIONS_DIR

SUITES = ("columns", "respondents", "answers")

Progress = Callable[[float], None]


# --------------------------------------------------------------------------------------------
# Suites and their parameters
# --------------------------------------------------------------------------------------------
def _gx() -> Any:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import great_expectations as gx
    return gx


def suite_definition(name: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    path = directory / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise LuiError(f"cannot read the expectation suite {path}: {error}") from error


def load_suite(name: str, directory: Path = EXPECTATIONS_DIR) -> Any:
    """The suite `expectations/<name>.json` as a GX ExpectationSuite."""
    gx = _gx()
    definition = suite_definition(name, directory)
    suite = gx.ExpectationSuite(
        name=definition["name"],
        expectations=definition["expectations"],
        meta=definition.get("meta"),
        notes=definition.get("notes"),
    )
    if len(suite.expectations) != len(definition["expectations"]):
        raise LuiError(f"expectations/{name}.json holds an expectation GX does not accept")
    return suite


def fieldwork_window(wave_id: str) -> tuple[date, date, date]:
    """(first day of the wave's month, last day of that month, last plausible interview day)."""
    year, month = (int(part) for part in wave_id.split("-"))
    start = date(year, month, 1)
    month_end = date(year, month, calendar.monthrange(year, month)[1])
    max_days = int(suite_definition("respondents")["meta"]["fieldwork_max_days"])
    return start, month_end, start + timedelta(days=max_days)


def suite_parameters(wave_id: str) -> dict[str, Any]:
    """The `$PARAMETER` values of the suites for one wave, from the codebook and the contract."""
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    columns = [*contract.RESPONDENT_COLUMNS, *questions]
    start, month_end, end = fieldwork_window(wave_id)
    return {
        "wave_id": wave_id,
        "known_columns": columns,
        "required_columns": columns,
        "fieldwork_start": start.isoformat(),
        "wave_month_end": month_end.isoformat(),
        "fieldwork_end": end.isoformat(),
        "la_codes": sorted(codebook.local_authorities()),
        # one value set per respondent column whose values the contract fixes, named after it
        **contract.value_sets(),
        "valid_answer_codes": [
            (scale, point.code)
            for scale, points in sorted(codebook.scale_points().items())
            for point in points
        ],
    }


# --------------------------------------------------------------------------------------------
# The batches each suite runs on
# --------------------------------------------------------------------------------------------
def question_columns(wave: WaveFile) -> list[str]:
    respondent = set(contract.RESPONDENT_COLUMNS)
    return [c for c in wave.columns if c not in respondent]


def column_profile(wave: WaveFile, parameters: dict[str, Any]) -> pd.DataFrame:
    """One row per column of the file: its type, the type it should have, its answer rate
    among the respondents asked it (its routing: `lui.landing.routing`; none asked: no rate)."""
    known = set(parameters["known_columns"])
    respondent = set(contract.RESPONDENT_COLUMNS)
    nation = routing.nations(wave.table)
    rows = []
    for name in wave.columns:
        column = wave.table.column(name)
        is_question = name in known and name not in respondent
        answered = len(column) - column.null_count
        rate = None
        if is_question and wave.rows:
            was_asked = routing.asked(wave.table, name, nation)
            given = column.is_valid().to_numpy(zero_copy_only=False)
            rate = (given & was_asked).sum() / was_asked.sum() if was_asked.any() else None
        problem = wave.type_problems.get(name)
        rows.append(
            {
                "column": name,
                "type": problem.found if problem else type_name(column.type),
                "expected_type": expected_type(name) if name in known else None,
                "answered": answered,
                "answer_rate": rate,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["column", "type", "expected_type", "answered", "answer_rate"]
    )
    return frame.astype({"answer_rate": "float64"})


def required_columns(wave: WaveFile, parameters: dict[str, Any]) -> list[str]:
    """The columns the file must have: the respondent columns and every question of the
    wave its routing asks of at least one respondent of the file (a Scotland-only wave
    need not carry an England-only question)."""
    respondent = set(contract.RESPONDENT_COLUMNS)
    nation = routing.nations(wave.table)
    return [
        name
        for name in parameters["required_columns"]
        if name in respondent
        or name in wave.columns
        or routing.asked(wave.table, name, nation).any()
    ]


def respondent_frame(wave: WaveFile, questions: list[str]) -> pd.DataFrame:
    """The respondent columns, one row per respondent, with the two derived columns."""
    table = wave.table.select(list(contract.RESPONDENT_COLUMNS))
    frame = table.to_pandas(date_as_object=True)
    answers = np.zeros(wave.rows, dtype=np.int32)
    for name in questions:
        answers += wave.table.column(name).is_valid().to_numpy(zero_copy_only=False)
    frame["_answers_given"] = answers
    frame["_supergroups_in_la"] = frame.groupby("la_code", dropna=True)["supergroup"].transform(
        "nunique"
    )
    frame["_weight_to_median"] = weight_to_median(frame["weight"])
    frame["_row"] = np.arange(1, wave.rows + 1)
    return frame


def weight_to_median(weight: pd.Series) -> pd.Series:
    """Each weight over the median of the wave's finite positive weights (NaN otherwise).

    Weights are legal at any scale (the warehouse computes in a per-wave unit), so the gate
    bounds only their spread: within a factor of 1,000 of the median, which keeps the
    largest at most 1e6 times the smallest and names the weights that are out of line.
    """
    values = pd.to_numeric(weight, errors="coerce").astype("float64")
    usable = np.isfinite(values) & (values > 0)
    if not usable.any():
        return pd.Series(np.nan, index=weight.index)
    return (values / float(values[usable].median())).where(usable)


def answer_profile(con: duckdb.DuckDBPyConnection, questions: list[str]) -> pd.DataFrame:
    """One row per question and distinct answer code given, with the number of answers.

    `scale_id` is the question's answer scale in the codebook: the suite checks the
    (scale_id, response_code) pairs against the codes each scale defines.
    """
    scales = {code: q.scale_id for code, q in codebook.questions().items()}
    if not questions:
        return pd.DataFrame(
            {"question_code": [], "scale_id": [], "response_code": [], "answers": []}
        )
    query = " union all ".join(
        f"select '{code}' as question_code, '{scales[code]}' as scale_id, "
        f"cast({quote_identifier(code)} as bigint) as response_code, count(*) as answers "
        f"from wave where {quote_identifier(code)} is not null group by 3"
        for code in questions
    )
    return con.execute(f"select * from ({query}) order by 1, 3").df()


# --------------------------------------------------------------------------------------------
# Running the suites
# --------------------------------------------------------------------------------------------
class _Runner:
    """One ephemeral GX context; runs a suite on a pandas frame."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        gx = _gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("wave_file")
        self.parameters = parameters

    def run(self, name: str, frame: pd.DataFrame, index_columns: list[str]) -> Any:
        suite = load_suite(name)
        asset = self.source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe(name).get_batch(
            batch_parameters={"dataframe": frame}
        )
        result_format = {
            "result_format": "COMPLETE" if len(frame) <= 10_000 else "SUMMARY",
            "unexpected_index_column_names": index_columns,
            "partial_unexpected_count": 20,
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return batch.validate(
                suite, result_format=result_format, expectation_parameters=self.parameters
            )


def validate_wave(
    wave: WaveFile,
    wave_id: str,
    report_root: Path | None = None,
    progress: Progress | None = None,
) -> ValidationOutcome:
    """Run the gate on a wave file; keep the full results under `report_root/<wave>/`."""
    progress = progress or (lambda _share: None)
    parameters = suite_parameters(wave_id)
    outcome = ValidationOutcome(wave_id=wave_id, success=True)
    if wave.mapping is not None and not wave.mapping.ok:
        # names and codes first: the suites would only repeat the same problems in other words
        outcome.success = False
        outcome.not_run = list(SUITES)
        outcome.failures = [
            Failure("mapping", "every variable maps onto the codebook", problem)
            for problem in wave.mapping.problems
        ]
        if report_root is not None:
            outcome.report_dir = write_report(outcome, {}, wave, report_root)
        return outcome
    parameters["required_columns"] = required_columns(wave, parameters)
    runner = _Runner(parameters)
    context = ReportContext(wave, parameters)

    columns = column_profile(wave, parameters)
    context.columns = columns
    results = {"columns": runner.run("columns", columns, ["column"])}
    progress(0.1)
    if results["columns"].success:
        questions = [c for c in question_columns(wave) if c in set(parameters["known_columns"])]
        respondents = respondent_frame(wave, questions)
        progress(0.2)
        results["respondents"] = runner.run(
            "respondents",
            respondents,
            ["_row", "respondent_id", "la_code", "supergroup", "weight"],
        )
        del respondents
        progress(0.8)
        with duckdb.connect() as con:
            con.register("wave", wave.table)
            answers = answer_profile(con, questions)
            context.answers = answers
            context.con = con
            results["answers"] = runner.run("answers", answers, ["question_code"])
            progress(0.95)
            outcome.failures = failures(results, context)
    else:
        outcome.not_run = [name for name in SUITES if name not in results]
        outcome.failures = failures(results, context)
    outcome.success = all(r.success for r in results.values())
    outcome.evaluated = sum(len(r.results) for r in results.values())
    outcome.results = {name: r.to_json_dict() for name, r in results.items()}
    if report_root is not None:
        outcome.report_dir = write_report(outcome, results, wave, report_root)
    progress(1.0)
    return outcome
