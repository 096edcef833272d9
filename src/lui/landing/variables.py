"""A wave file's variables as a researcher decides by them, and the codebook as a data dictionary.

`describe` reads a file (SPSS, CSV or Parquet) without mapping it and gives, per variable,
what the file says about it (label, type, print format, measure level, value labels,
user-missing codes and ranges, multiple-response sets) and what it holds (valid,
user-missing and system-missing values), with the codebook target it maps to through
`seeds/codebook/source_variables.csv` (or its name), or else a **suggested** target:

- a variable with value labels is matched to the scales whose answers its labels name
  (`lui.landing.mapping.match_label`, so the same synonyms count), then among the questions
  on those scales to the one whose text its variable label is closest to;
- a variable without value labels is matched on its label against the question texts and
  the respondent columns' descriptions (`RESPONDENT_WORDS`).

Suggestions are only that: `draft_mapping` writes them as a `source_variables.csv` draft
(one row per variable; `ignore` where nothing fits) for the researcher to correct.
`codebook_lines` prints the codebook (questions, their scales and answers, routing-free
respondent columns) as a data dictionary.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from lui import codebook, contract
from lui.landing.mapping import (
    NOT_ANSWERED,
    SIMILAR,
    ColumnMapping,
    Mapping,
    blank_as_null,
    code_text,
    cut_list,
    match_label,
    normalised_label,
    numeric_values,
    resolve_names,
    text_similarity,
    value_counts,
    vocabulary,
)
from lui.landing.mrsets import set_name, set_rows
from lui.landing.wavefile import open_source, type_name
from lui.paths import CODEBOOK_DIR

# What a respondent column is called in a variable label, for the suggestions.
RESPONDENT_WORDS: dict[str, str] = {
    "respondent_id": "respondent id serial number case identifier",
    "weight": "weight weighting factor final weight",
    "interview_date": "interview date date of interview fieldwork date",
    "la_code": "local authority district code ons code",
    "imd_quintile": "index of multiple deprivation quintile imd",
    "urban_rural": "urban rural classification",
    "supergroup": "output area classification supergroup",
    "age_band": "age band age group",
    "gender": "gender sex",
}
SHOWN_LABELS = 6
MR_KINDS = {"D": "multiple dichotomy", "C": "multiple category"}


@dataclass
class Variable:
    """One variable of a file, as the file describes it and as the codebook would take it."""

    name: str
    label: str | None
    type: str  # the wave format's name of the column's type: text, number, integer, date, ...
    format: str | None  # the SPSS print format (F8.2, A20, DATE11), None outside SPSS
    measure: str | None
    value_labels: dict[Any, str] = field(default_factory=dict)
    missing: str = ""  # the user-missing codes and ranges, as SPSS shows them
    sets: list[str] = field(default_factory=list)  # multiple-response sets it belongs to
    valid: int = 0
    user_missing: int = 0
    system_missing: int = 0
    target: str | None = None
    how: str = ""  # "same name", "source_variables.csv", "ignored ...", "suggested", ""
    why: str = ""  # what a suggestion rests on

    def lines(self) -> list[str]:
        kind = self.type + (f" {self.format}" if self.format else "")
        kind += f", {self.measure}" if self.measure and self.measure != "unknown" else ""
        label = f" {self.label!r}" if self.label else ""
        head = f"{self.name}{label} [{kind}]: {self.valid:,} valid"
        head += f", {self.user_missing:,} user-missing, {self.system_missing:,} system-missing"
        lines = [head]
        if self.value_labels:
            shown = [f"{code_text(k)}={v!r}" for k, v in self.value_labels.items()]
            lines.append("  value labels: " + cut_list(shown, SHOWN_LABELS))
        if self.missing:
            lines.append(f"  user-missing: {self.missing}")
        if self.sets:
            lines.append("  in multiple-response set " + ", ".join(self.sets))
        if self.how == "suggested":
            lines.append(f"  -> {self.target}? (suggested: {self.why})")
        elif self.target:
            lines.append(f"  -> {self.target} ({self.how})")
        else:
            lines.append(f"  -> {self.how or 'no target found: map it, or to ignore'}")
        return lines


def _counts(column: pa.ChunkedArray, name: str, meta: Any) -> tuple[int, int, int]:
    """(valid, user-missing, system-missing) values of one column (or chunk of it)."""
    numbers = numeric_values(column) if not pa.types.is_timestamp(column.type) else None
    values = numbers if numbers is not None else blank_as_null(column)
    system = values.null_count
    user = 0
    if meta.declares_missing(name):  # only then: a column of ids has a million values
        user = sum(n for v, n in value_counts(values).items() if meta.is_missing(name, v))
    return len(column) - system - user, user, system


def _scale_fit(labels: dict[Any, str], target: str) -> bool:
    """Whether every substantive label of a variable names an answer of `target`."""
    known = vocabulary(target)
    if known is None:
        return False
    _, answers = known
    wanted = [t for t in labels.values() if normalised_label(t) not in NOT_ANSWERED]
    matched = [match_label(t, answers) for t in wanted]
    return bool(wanted) and all(a is not None for a in matched)


def _texts() -> dict[str, str]:
    """target -> the words a variable label is compared with."""
    texts = dict(RESPONDENT_WORDS)
    for code, question in codebook.questions().items():
        texts[code] = question.text
    return texts


def suggest(variable: Variable, taken: set[str]) -> tuple[str, str] | None:
    """(target, why) for an unmapped variable, or None when nothing fits."""
    texts = _texts()
    candidates = [t for t in texts if t not in taken]
    why = ""
    if variable.value_labels:
        fitting = [t for t in candidates if _scale_fit(variable.value_labels, t)]
        if fitting:
            candidates = fitting
            known = vocabulary(fitting[0])
            why = f"value labels on {known[0] if known else fitting[0]}"
        else:
            candidates = [t for t in candidates if vocabulary(t) is None]
    if not candidates:
        return None
    if variable.label:
        score, best = max((text_similarity(variable.label, texts[t]), t) for t in candidates)
        if score >= SIMILAR:
            label_why = f"label {score:.0%} like {texts[best][:60]!r}"
            return best, f"{why}; {label_why}" if why else label_why
    if why and len(candidates) == 1:
        return candidates[0], why
    return None


def describe(
    path: Path, wave_id: str, codebook_dir: Path = CODEBOOK_DIR
) -> tuple[str, list[Variable], dict[str, dict[str, Any]]]:
    """(format, the file's variables, its multiple-response sets). The file is read in
    chunks (`lui.landing.wavefile.CHUNK_ROWS` rows), its values counted chunk by chunk."""
    source = open_source(path)
    meta = source.meta
    counts = {name: [0, 0, 0] for name in source.columns}
    for chunk in source.chunks():
        for name, total in counts.items():
            for index, count in enumerate(_counts(chunk.column(name), name, meta)):
                total[index] += count
    mapping = Mapping(wave_id)
    resolve_names(source.columns, wave_id, codebook_dir, mapping)
    by_source = {c.source: c for c in mapping.columns}
    membership: dict[str, list[str]] = {}
    mapped_sets = set_rows(wave_id, codebook_dir)
    for raw_name, mr in meta.mr_sets.items():
        name_of_set = set_name(raw_name)
        group = mapped_sets.get(name_of_set.lower())
        for member in mr.get("variable_list", []) if group else []:
            by_source[member] = ColumnMapping(
                member, None, f"mapped with set {name_of_set} onto the {group} questions"
            )
        kind = MR_KINDS.get(str(mr.get("type")), str(mr.get("type")))
        counted = mr.get("counted_value")
        detail = f"{name_of_set} ({kind}{f', counted {counted}' if counted is not None else ''})"
        for member in mr.get("variable_list", []):
            membership.setdefault(member, []).append(detail)
    variables: list[Variable] = []
    for field_ in source.schema:
        name = field_.name
        valid, user, system = counts[name]
        entry = by_source.get(name)
        kind = type_name(field_.type)
        variables.append(
            Variable(
                name=name,
                label=meta.variable_labels.get(name),
                type="date" if kind == "timestamp" else kind,
                format=meta.formats.get(name),
                measure=meta.measures.get(name),
                value_labels=meta.value_labels.get(name) or {},
                missing=meta.missing_text_of(name),
                sets=membership.get(name, []),
                valid=valid,
                user_missing=user,
                system_missing=system,
                target=entry.target if entry else None,
                how=entry.how if entry and entry.how != "not in the codebook" else "",
            )
        )
    taken = {v.target for v in variables if v.target}
    for variable in variables:
        if variable.target is None and not variable.how:
            found = suggest(variable, taken)
            if found:
                variable.target, variable.why = found
                variable.how = "suggested"
                taken.add(variable.target)
    return source.format, variables, dict(meta.mr_sets)


def inspect_variables(
    path: Path, wave_id: str, codebook_dir: Path = CODEBOOK_DIR
) -> tuple[list[str], list[Variable]]:
    """The variable view's lines, and the variables."""
    fmt, variables, sets = describe(path, wave_id, codebook_dir)
    mapped = sum(1 for v in variables if v.target and v.how != "suggested")
    suggested = sum(1 for v in variables if v.how == "suggested")
    lines = [
        f"{path.name}: {fmt}, {len(variables)} variables; wave {wave_id}: {mapped} mapped, "
        f"{suggested} suggested (marked ?), {len(variables) - mapped - suggested} without a target"
    ]
    for variable in variables:
        lines += variable.lines()
    for raw_name, mr in sorted(sets.items()):
        kind = MR_KINDS.get(str(mr.get("type")), str(mr.get("type")))
        members = cut_list(list(mr.get("variable_list", [])), SHOWN_LABELS)
        lines.append(f"set {set_name(raw_name)} {mr.get('label')!r} ({kind}): {members}")
    return lines, variables


def draft_mapping(variables: list[Variable], out: Path) -> int:
    """Write a source_variables.csv draft: every variable with its target, suggestion or
    `ignore`; returns the number of rows that are suggestions."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["source_variable", "target", "first_wave", "last_wave"])
        for variable in variables:
            if variable.how == "same name":
                continue  # a variable named like its target needs no row
            target = variable.target or codebook.IGNORE
            writer.writerow([variable.name, target, "", ""])
    return sum(1 for v in variables if v.how == "suggested")


def codebook_lines(wave_id: str | None = None) -> list[str]:
    """The codebook as a data dictionary: respondent columns, then each question with its
    text, scale and answers (points, kind), routing and the waves it is asked in."""
    lines = ["respondent columns:"]
    for column in contract.RESPONDENT:
        values = f": {', '.join(map(str, column.values))}" if column.values else ""
        lines.append(f"  {column.name} [{column.type}]{values}")
    points = codebook.scale_points()
    missions: dict[str, list[int]] = {}
    for mission, question, _weight, _direction in codebook.mission_questions():
        missions.setdefault(question, []).append(mission)
    questions = (
        codebook.questions_for_wave(wave_id) if wave_id else list(codebook.questions().values())
    )
    lines.append(f"questions ({len(questions)}{f' in wave {wave_id}' if wave_id else ''}):")
    for question in questions:
        waves = (
            f", waves {question.first_wave or '...'}-{question.last_wave or '...'}"
            if question.first_wave or question.last_wave
            else ""
        )
        used = missions.get(question.code)
        mission = f", missions {', '.join(map(str, used))}" if used else ""
        lines.append(
            f"  {question.code} [{question.group}, {question.topic}{mission}{waves}]: "
            f"{question.text}"
        )
        answers = [
            f"{p.code}={p.label!r}"
            + ("" if p.points is None else f" ({p.points:+g})")
            + ("" if p.kind == "substantive" else f" [{p.kind}]")
            for p in points[question.scale_id]
        ]
        lines.append(f"    scale {question.scale_id}: " + ", ".join(answers))
    return lines
