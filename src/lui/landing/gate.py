"""The landing gate: Great Expectations suites from `expectations/` run on an incoming wave file.

Three suites, one per kind of input in a wave file, kept as JSON in `expectations/` and loaded
into GX 1.x `ExpectationSuite` objects at run time (an ephemeral GX context, pandas data
source, analytics off):

- `columns`: one row per column of the file; every column known to the codebook for the wave,
  none missing, each of its type, every question answered at a sensible rate. Runs first: the
  row checks need the right columns.
- `respondents`: one row per respondent (the respondent columns plus two derived columns,
  `_answers_given` and `_supergroups_in_la`); ids, weights, dates, geography, value sets.
- `answers`: the answer profile, one row per question and distinct answer code given, built
  in DuckDB from every row of the file; every code defined by its question's scale.

Data-dependent values (la_code lookup, value sets, the wave's questions and their valid codes,
the fieldwork window) are `$PARAMETER`s in the suites, filled from the codebook by
`suite_parameters(wave_id)`. The full results are kept as JSON and GX-rendered HTML under
`warehouse/validation/<wave>/<time>-<sha>/`; `ValidationOutcome.summary()` is the short report.
"""

from __future__ import annotations

import calendar
import html
import json
import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lui import codebook
from lui.errors import LuiError
from lui.landing.wavefile import WaveFile, expected_type, type_name
from lui.paths import EXPECTATIONS_DIR

SUITES = ("columns", "respondents", "answers")
EXAMPLES = 3
REPORT_LINES = 12

Progress = Callable[[float], None]


@dataclass
class Failure:
    """One expectation not met, in words a person can act on."""

    suite: str
    rule: str
    detail: str

    def line(self) -> str:
        return f"- {self.rule}: {self.detail}"


@dataclass
class ValidationOutcome:
    wave_id: str
    success: bool
    failures: list[Failure] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    evaluated: int = 0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    report_dir: Path | None = None

    @property
    def report_path(self) -> Path | None:
        return self.report_dir / "index.html" if self.report_dir else None

    def summary(self) -> str:
        """The short report: which expectations failed, how many rows, a few examples."""
        where = f" (full report: {_display(self.report_path)})" if self.report_path else ""
        if self.success:
            return f"validation passed: {self.evaluated} expectations met{where}"
        count = len(self.failures)
        noun = "expectation" if count == 1 else "expectations"
        lines = [f"validation failed: {count} {noun} not met{where}"]
        lines += [f.line() for f in self.failures[:REPORT_LINES]]
        if count > REPORT_LINES:
            lines.append(f"- ... and {count - REPORT_LINES} more (see the full report)")
        if self.not_run:
            lines.append(
                f"(not checked until the columns are right: {', '.join(self.not_run)} suites)"
            )
        return "\n".join(lines)


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
    """The `$PARAMETER` values of the suites for one wave, from the codebook."""
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    columns = [*codebook.RESPONDENT_COLUMNS, *questions]
    start, month_end, end = fieldwork_window(wave_id)
    return {
        "wave_id": wave_id,
        "known_columns": columns,
        "required_columns": columns,
        "fieldwork_start": start.isoformat(),
        "wave_month_end": month_end.isoformat(),
        "fieldwork_end": end.isoformat(),
        "la_codes": sorted(codebook.local_authorities()),
        "urban_rural": list(codebook.URBAN_RURAL),
        "supergroups": list(codebook.SUPERGROUPS),
        "age_bands": list(codebook.AGE_BANDS),
        "genders": list(codebook.GENDERS),
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
    respondent = set(codebook.RESPONDENT_COLUMNS)
    return [c for c in wave.columns if c not in respondent]


def column_profile(wave: WaveFile, parameters: dict[str, Any]) -> pd.DataFrame:
    """One row per column of the file: its type, the type it should have, its answer rate."""
    known = set(parameters["known_columns"])
    respondent = set(codebook.RESPONDENT_COLUMNS)
    rows = []
    for name in wave.columns:
        column = wave.table.column(name)
        is_question = name in known and name not in respondent
        answered = len(column) - column.null_count
        rows.append(
            {
                "column": name,
                "type": type_name(column.type),
                "expected_type": expected_type(name) if name in known else None,
                "answered": answered,
                "answer_rate": answered / wave.rows if is_question and wave.rows else None,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["column", "type", "expected_type", "answered", "answer_rate"]
    )
    return frame.astype({"answer_rate": "float64"})


def respondent_frame(wave: WaveFile, questions: list[str]) -> pd.DataFrame:
    """The respondent columns, one row per respondent, with the two derived columns."""
    table = wave.table.select(list(codebook.RESPONDENT_COLUMNS))
    frame = table.to_pandas(date_as_object=True)
    answers = np.zeros(wave.rows, dtype=np.int32)
    for name in questions:
        answers += wave.table.column(name).is_valid().to_numpy(zero_copy_only=False)
    frame["_answers_given"] = answers
    frame["_supergroups_in_la"] = frame.groupby("la_code", dropna=True)["supergroup"].transform(
        "nunique"
    )
    frame["_row"] = np.arange(1, wave.rows + 1)
    return frame


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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
        f"cast({_quote(code)} as bigint) as response_code, count(*) as answers "
        f"from wave where {_quote(code)} is not null group by 3"
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
    runner = _Runner(parameters)
    outcome = ValidationOutcome(wave_id=wave_id, success=True)
    context = _ReportContext(wave, parameters)

    columns = column_profile(wave, parameters)
    context.columns = columns
    results = {"columns": runner.run("columns", columns, ["column"])}
    progress(0.1)
    if results["columns"].success:
        questions = [c for c in question_columns(wave) if c in set(parameters["known_columns"])]
        respondents = respondent_frame(wave, questions)
        progress(0.2)
        results["respondents"] = runner.run(
            "respondents", respondents, ["_row", "respondent_id", "la_code", "supergroup"]
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
            outcome.failures = _failures(results, context)
    else:
        outcome.not_run = [name for name in SUITES if name not in results]
        outcome.failures = _failures(results, context)
    outcome.success = all(r.success for r in results.values())
    outcome.evaluated = sum(len(r.results) for r in results.values())
    outcome.results = {name: r.to_json_dict() for name, r in results.items()}
    if report_root is not None:
        outcome.report_dir = write_report(outcome, results, wave, report_root)
    progress(1.0)
    return outcome


# --------------------------------------------------------------------------------------------
# The short report
# --------------------------------------------------------------------------------------------
@dataclass
class _ReportContext:
    wave: WaveFile
    parameters: dict[str, Any]
    columns: pd.DataFrame | None = None
    answers: pd.DataFrame | None = None
    con: duckdb.DuckDBPyConnection | None = None


def _value(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _rule(config: Any, parameters: dict[str, Any]) -> str:
    template = config.meta.get("rule") if config.meta else None
    if not template:
        return f"{config.type}({config.kwargs.get('column', '')})"
    values = {
        k: int(v) if isinstance(v, float) and v.is_integer() else v
        for k, v in config.kwargs.items()
        if not isinstance(v, dict)
    }
    values.update(
        {k: ", ".join(map(str, v)) if isinstance(v, list) else v for k, v in parameters.items()}
    )
    try:
        return template.format(**values)
    except (KeyError, ValueError, IndexError):
        return template


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _failures(results: dict[str, Any], context: _ReportContext) -> list[Failure]:
    failures = []
    for suite, result in results.items():
        for item in result.results:
            if item.success:
                continue
            config = item.expectation_config
            rule = _rule(config, context.parameters)
            if item.exception_info and item.exception_info.get("raised_exception"):
                message = str(item.exception_info.get("exception_message", "")).splitlines()
                detail = "could not be checked: " + (message[0] if message else "error")
            else:
                detail = _detail(suite, config, item.result or {}, context)
            failures.append(Failure(suite, rule, detail))
    return failures


def _examples(items: list[str]) -> str:
    return ", e.g. " + ", ".join(items[:EXAMPLES]) if items else ""


def _detail(suite: str, config: Any, result: dict[str, Any], context: _ReportContext) -> str:
    kind = config.type
    if kind == "expect_table_row_count_to_be_between":
        return f"{_plural(int(result.get('observed_value') or 0), 'row')}"
    if kind == "expect_column_min_to_be_between":
        earliest = result.get("observed_value")
        return f"the earliest is {earliest}" if earliest is not None else "no dates at all"
    if suite == "columns":
        return _column_detail(kind, config, result, context)
    if suite == "answers":
        return _answer_detail(result, context)
    return _respondent_detail(config, result)


def _respondent_detail(config: Any, result: dict[str, Any]) -> str:
    column = config.kwargs.get("column")
    show = (config.meta or {}).get("show") or [column]
    examples = []
    for row in result.get("partial_unexpected_index_list") or []:
        rid = row.get("respondent_id")
        if column == "respondent_id" or rid is None or rid != rid:
            examples.append(f"row {row.get('_row')}={_value(rid)}")
        else:
            examples.append(f"{rid}=" + "/".join(_value(row.get(c)) for c in show))
    count = int(result.get("unexpected_count") or 0)
    return _plural(count, "row") + _examples(examples)


def _column_detail(kind: str, config: Any, result: dict[str, Any], context: _ReportContext) -> str:
    assert context.columns is not None
    if kind == "expect_column_distinct_values_to_contain_set":
        missing = [str(c) for c in result.get("partial_missing_list") or []]
        count = int(result.get("missing_count") or len(missing))
        more = ", ..." if count > len(missing[:8]) else ""
        return f"{_plural(count, 'column')} missing: " + ", ".join(missing[:8]) + more
    rows = result.get("unexpected_index_list") or result.get("partial_unexpected_index_list")
    names = [str(r["column"]) for r in rows or []]
    count = int(result.get("unexpected_count") or len(names))
    if kind == "expect_column_values_to_be_in_set":
        return f"{_plural(count, 'unknown column')}: " + ", ".join(names[:8])
    profile = context.columns.set_index("column")
    if kind == "expect_column_pair_values_to_be_equal":
        parts = []
        for name in names:
            found, wanted = profile.at[name, "type"], profile.at[name, "expected_type"]
            problem = context.wave.type_problems.get(name)
            text = f"{name} is {found}, expected {wanted}"
            if problem and problem.examples:
                shown = ", ".join(f"{rid}={value!r}" for rid, value in problem.examples[:2])
                hint = _label_hint(name, [value for _, value in problem.examples])
                text += f" ({_plural(problem.count, 'row')}, e.g. {shown}{hint})"
            parts.append(text)
        return f"{_plural(count, 'column')}: " + "; ".join(parts[:6])
    if kind == "expect_column_values_to_be_between":
        rates = [f"{n}={profile.at[n, 'answer_rate']:.0%}" for n in names]
        return f"{_plural(count, 'question')}" + _examples(rates)
    return f"{_plural(count, 'column')}" + _examples(names)


def _label_hint(column: str, values: list[str]) -> str:
    """A hint when a question column holds its scale's labels instead of codes."""
    question = codebook.questions().get(column)
    if question is None:
        return ""
    labels = {p.label.casefold() for p in codebook.scale_points()[question.scale_id]}
    if not any(value.strip().casefold() in labels for value in values):
        return ""
    return f"; these are answer labels: export the {question.scale_id} codes instead"


def _answer_detail(result: dict[str, Any], context: _ReportContext) -> str:
    assert context.answers is not None and context.con is not None
    rows = result.get("unexpected_index_list") or result.get("partial_unexpected_index_list")
    pairs = list(dict.fromkeys((str(r["question_code"]), r["response_code"]) for r in rows or []))
    profile = context.answers.set_index(["question_code", "response_code"])["answers"]
    answers = int(sum(profile.get((q, c), 0) for q, c in pairs))
    examples = []
    for question, code in pairs[:EXAMPLES]:
        ids = context.con.execute(
            f"select respondent_id from wave where {_quote(question)} = ? limit 2", [int(code)]
        ).fetchall()
        who = ", ".join(str(i[0]) for i in ids)
        examples.append(f"{question}={code} ({who})")
    questions = len({q for q, _ in pairs})
    return (
        f"{_plural(answers, 'answer')} with {_plural(len(pairs), 'undefined code')} "
        f"on {_plural(questions, 'question')}" + _examples(examples)
    )


# --------------------------------------------------------------------------------------------
# The full report on disk
# --------------------------------------------------------------------------------------------
@cache
def _page_view() -> Any:
    """GX's Data Docs page view (its Jinja environment compiles templates once)."""
    from great_expectations.render.view import DefaultJinjaPageView

    return DefaultJinjaPageView()


def write_report(
    outcome: ValidationOutcome, results: dict[str, Any], wave: WaveFile, root: Path
) -> Path:
    """Write results.json, one GX Data Docs page per suite and an index.html."""
    from great_expectations.render.renderer import ValidationResultsPageRenderer

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    verdict = "passed" if outcome.success else "failed"
    directory = root / outcome.wave_id / f"{stamp}-{wave.sha256[:12]}-{verdict}"
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "wave_id": outcome.wave_id,
        "file": str(wave.path),
        "file_sha256": wave.sha256,
        "file_format": wave.format,
        "rows": wave.rows,
        "success": outcome.success,
        "validated_at": stamp,
        "summary": None,  # filled below, once the paths are known
        "suites_not_run": outcome.not_run,
        "results": outcome.results,
    }
    outcome.report_dir = directory
    document["summary"] = outcome.summary()
    (directory / "results.json").write_text(
        json.dumps(document, indent=1, default=str), encoding="utf-8"
    )
    links = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, result in results.items():
            page = _page_view().render(ValidationResultsPageRenderer().render(result))
            (directory / f"{name}.html").write_text(page, encoding="utf-8")
            state = "passed" if result.success else "failed"
            links.append(f'<li><a href="{name}.html">{name}</a>: {state}</li>')
    links += [f"<li>{name}: not run</li>" for name in outcome.not_run]
    index = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Wave {html.escape(outcome.wave_id)}: validation {verdict}</title></head><body>"
        f"<h1>Wave {html.escape(outcome.wave_id)}: validation {verdict}</h1>"
        f"<p>File {html.escape(wave.path.name)} (sha256 {wave.sha256}, {wave.rows:,} rows)</p>"
        f"<pre>{html.escape(document['summary'])}</pre>"
        "<h2>Great Expectations results</h2><ul>" + "".join(links) + "</ul>"
        "<p><a href='results.json'>results.json</a></p></body></html>"
    )
    (directory / "index.html").write_text(index, encoding="utf-8")
    return directory
