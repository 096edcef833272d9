"""The gate's report: Great Expectations results turned into prose, and the full report on disk.

`lui.landing.gate` runs the suites; this module says what their results mean in words a person
can act on (`ValidationOutcome.summary()`, one line per expectation not met, with a few
examples from the file) and writes the full results as JSON and GX-rendered HTML under
`warehouse/validation/<wave>/<time>-<sha>-<verdict>/`.
"""

from __future__ import annotations

import html
import json
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lui import codebook
from lui.landing.mapping import cut_list
from lui.landing.raw import quote_identifier
from lui.landing.wavefile import WaveFile

EXAMPLES = 3
REPORT_LINES = 12
WHAT_TO_DO = "correct the file (or the mapping seeds) and land it again"


@dataclass
class Failure:
    """One expectation not met, in words a person can act on."""

    suite: str
    rule: str
    detail: str

    def text(self) -> str:
        return f"{self.rule}: {self.detail}"

    def line(self) -> str:
        return f"- {self.text()}"


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
        noun = "problem" if count == 1 else "problems"
        parts, rule = [], None
        for failure in self.failures[:REPORT_LINES]:  # the rule once, then its problems
            parts.append(failure.detail if failure.rule == rule else failure.text())
            rule = failure.rule
        more = f" | and {count - REPORT_LINES} more" if count > REPORT_LINES else ""
        later = (
            f" ({', '.join(self.not_run)} checks run once the columns are right)"
            if self.not_run
            else ""
        )
        line = (
            f"wave {self.wave_id} refused, nothing landed ({count} {noun}): "
            + " | ".join(parts)
            + more
            + f"; {WHAT_TO_DO}{later}"
        )
        report = f"\nfull report: {_display(self.report_path)}" if self.report_path else ""
        return line + report


def _display(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------------------------
# The short report
# --------------------------------------------------------------------------------------------
@dataclass
class ReportContext:
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


def failures(results: dict[str, Any], context: ReportContext) -> list[Failure]:
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


def _detail(suite: str, config: Any, result: dict[str, Any], context: ReportContext) -> str:
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


def _column_detail(kind: str, config: Any, result: dict[str, Any], context: ReportContext) -> str:
    assert context.columns is not None
    if kind == "expect_column_distinct_values_to_contain_set":
        missing = sorted(str(c) for c in result.get("partial_missing_list") or [])
        count = int(result.get("missing_count") or len(missing))
        return f"{_plural(count, 'column')} missing: " + cut_list(missing, total=count)
    rows = result.get("unexpected_index_list") or result.get("partial_unexpected_index_list")
    names = [str(r["column"]) for r in rows or []]
    count = int(result.get("unexpected_count") or len(names))
    if kind == "expect_column_values_to_be_in_set":
        return f"{_plural(count, 'unknown column')}: " + cut_list(sorted(names), total=count)
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
                hint += f"; {problem.hint}" if problem.hint else ""
                text += f" ({_plural(problem.count, 'row')}, e.g. {shown}{hint})"
            parts.append(text)
        more = f" and {len(parts) - 6} more" if len(parts) > 6 else ""
        return f"{_plural(count, 'column')}: " + "; ".join(parts[:6]) + more
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


def _answer_detail(result: dict[str, Any], context: ReportContext) -> str:
    assert context.answers is not None and context.con is not None
    rows = result.get("unexpected_index_list") or result.get("partial_unexpected_index_list")
    pairs = list(dict.fromkeys((str(r["question_code"]), r["response_code"]) for r in rows or []))
    profile = context.answers.set_index(["question_code", "response_code"])["answers"]
    answers = int(sum(profile.get((q, c), 0) for q, c in pairs))
    examples = []
    for question, code in pairs[:EXAMPLES]:
        ids = context.con.execute(
            f"select respondent_id from wave where {quote_identifier(question)} = ? limit 2",
            [int(code)],
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
        "mapping": wave.mapping.as_dict() if wave.mapping else None,
        "mapping_sha256": wave.mapping.sha256 if wave.mapping else None,
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
    mapping = ""
    if wave.mapping is not None:
        lines = html.escape("\n".join(wave.mapping.lines()))
        mapping = f"<h2>How the file maps onto the codebook</h2><pre>{lines}</pre>"
    index = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Wave {html.escape(outcome.wave_id)}: validation {verdict}</title></head><body>"
        f"<h1>Wave {html.escape(outcome.wave_id)}: validation {verdict}</h1>"
        f"<p>File {html.escape(wave.path.name)} (sha256 {wave.sha256}, {wave.rows:,} rows)</p>"
        f"<pre>{html.escape(document['summary'])}</pre>{mapping}"
        "<h2>Great Expectations results</h2><ul>" + "".join(links) + "</ul>"
        "<p><a href='results.json'>results.json</a></p></body></html>"
    )
    (directory / "index.html").write_text(index, encoding="utf-8")
    return directory
