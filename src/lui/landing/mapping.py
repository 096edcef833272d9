"""From the agency's file to the wave format: variable names, value labels, codes, missing values.

A fieldwork agency delivers its own questionnaire: variables named `Q7_3` or `wt_final`,
answers as labelled numbers on scales that may run the other way, "Don't know" at 98,
refusals declared as SPSS user-missing values. `map_wave` brings such a file to the wave
format before the gate sees it, from the codebook alone:

- **Names.** `seeds/codebook/source_variables.csv` says which variable holds which target
  (a question code, a respondent column or `ignore`) in which waves; names are matched
  case-insensitively and a variable named like its target needs no row.
- **Codes.** A variable with value labels (SPSS) is recoded label by label: each label is
  matched to the target scale's `response_label` (or, for gender, age band, urban/rural,
  supergroup and IMD quintile, to the wave format's values) ignoring case, punctuation and
  whitespace, with the synonyms of `SYNONYMS`. Without labels (CSV, Parquet)
  `seeds/codebook/source_codes.csv` gives the recode (a variable's own labels win over it);
  without either, the codes are taken to be the scale's already.
- **Missing values.** A user-missing code (numeric, or text), or a code labelled as a
  refusal or as not asked (`NOT_ANSWERED`), becomes "not answered" unless the scale has
  that answer ("Prefer not to say", "Don't know"), in which case it keeps it. On a key
  column (`KEY_COLUMNS`: id, weight, date, local authority) a user-missing value is a
  problem naming the column and the codes: such a value is an error, never a value.
- **Multiple-response sets** mapped whole to a question group: `lui.landing.mrsets`.

Anything that cannot be mapped (a label on no scale, a code without a label, two variables
for one target) is a `problem`, one line naming the variable, the code and the label; a
file with a problem lands nothing. `Mapping.lines()` is what `lui inspect` prints, and the
same mapping goes into the validation report, its checksum into `raw.landing_log`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from lui import codebook, contract
from lui.paths import CODEBOOK_DIR

# Answers that mean the same thing under another wording, by normalised label (see
# `normalised_label`). A label matches a scale answer when both normalise to one group.
SYNONYMS: tuple[frozenset[str], ...] = (
    frozenset({"dont know", "do not know", "dk", "dont know not sure", "dont know cant say"}),
    frozenset(
        {"prefer not to say", "refused", "refusal", "prefer not to answer", "rather not say"}
    ),
    frozenset({"chosen", "selected", "mentioned", "ticked", "yes"}),
    frozenset({"not chosen", "not selected", "not mentioned", "not ticked", "no"}),
    frozenset({"other", "other gender", "in another way", "prefer to self describe"}),
    frozenset({"65", "65 and over", "65 or over", "65 plus"}),
)
# Labels that mark a code as no answer at all: refusals and routing. On a scale that has a
# matching answer ("Prefer not to say") the code keeps that answer instead.
NOT_ANSWERED: frozenset[str] = frozenset(
    {
        "refused",
        "refusal",
        "prefer not to say",
        "prefer not to answer",
        "rather not say",
        "not asked",
        "skipped",
        "routed past",
        "not applicable",
        "n a",
        "na",
        "no answer",
        "missing",
        "system missing",
    }
)
# Respondent columns whose values are categories a file may carry as labelled codes: gender,
# age band, urban/rural, supergroup and IMD quintile (the contract's fixed value sets).
CATEGORY_COLUMNS: dict[str, tuple[str | int, ...]] = {
    c.name: c.values for c in contract.RESPONDENT if c.values is not None
}
IMD_LABELS = {1: "1 most deprived", 5: "5 least deprived"}
# Respondent columns that identify, weight, date or place a respondent: never missing.
KEY_COLUMNS: frozenset[str] = frozenset({"respondent_id", "weight", "interview_date", "la_code"})
EXAMPLE_LABELS = 8
SIMILAR = 0.6  # a label this close to a question's text (0..1) names that question
SET_PREFIX = "$"  # an SPSS multiple-response set's name begins with it


def normalised_label(label: str) -> str:
    """A label without case, apostrophes, punctuation or repeated whitespace."""
    text = label.casefold().replace("\u2019", "'").replace("\u2018", "'").replace("'", "")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _synonyms(label: str) -> frozenset[str]:
    for group in SYNONYMS:
        if label in group:
            return group
    return frozenset({label})


@dataclass(frozen=True)
class Answer:
    """One answer a target can take: the wave format's code (or value) and its label."""

    code: int | str
    label: str


def vocabulary(target: str) -> tuple[str, list[Answer]] | None:
    """(name, answers) of a question's scale or a category column; None for other targets."""
    question = codebook.questions().get(target)
    if question is not None:
        points = codebook.scale_points()[question.scale_id]
        return f"scale {question.scale_id}", [Answer(p.code, p.label) for p in points]
    values = CATEGORY_COLUMNS.get(target)
    if values is None:
        return None
    if target == "imd_quintile":
        return target, [Answer(v, IMD_LABELS.get(int(v), str(v))) for v in values]
    return target, [Answer(v, str(v)) for v in values]


def match_label(label: str, answers: list[Answer]) -> Answer | None:
    """The one answer `label` means, or None when it means none (or several)."""
    wanted = normalised_label(label)
    if not wanted:
        return None
    names = {id(a): normalised_label(a.label) for a in answers}

    def unique(found: list[Answer]) -> Answer | None:
        return found[0] if len(found) == 1 else None

    exact = [a for a in answers if names[id(a)] == wanted]
    if exact:
        return unique(exact)
    group = _synonyms(wanted)
    synonym = [a for a in answers if names[id(a)] in group]
    if synonym:
        return unique(synonym)
    # "0 - not at all" is "0" or "not at all"; "1 - most deprived" is "1" or "most deprived"
    prefix = [
        a
        for a in answers
        if names[id(a)].startswith(wanted + " ")
        and wanted.isdigit()
        or re.sub(r"^\d+ ", "", names[id(a)]) == wanted
    ]
    return unique(prefix)


def text_similarity(label: str, text: str) -> float:
    """How close a variable label is to a question text (0..1): the closer of the
    characters in common (also with the part after a colon, "Main priorities ...: increasing
    wages") and, for a label of two words or more, the share of its words the text holds;
    a leading question number ("Q7.") is ignored."""
    words = [w for w in normalised_label(label).split() if not (w[:1] == "q" and w[1:].isdigit())]
    if not words:
        return 0.0
    wanted = " ".join(words)
    candidates = [normalised_label(c) for c in (text, text.rsplit(":", 1)[-1]) if c]
    score = max(SequenceMatcher(None, wanted, c).ratio() for c in candidates)
    if len(words) >= 2:
        held = set(candidates[0].split())
        score = max(score, sum(w in held for w in words) / len(words))
    return score


# --------------------------------------------------------------------------------------------
# What the file says about its variables beyond their values
# --------------------------------------------------------------------------------------------
@dataclass
class SourceMeta:
    """What a file says about its variables beyond their values (SPSS only): value labels,
    user-missing values (numeric ranges and text codes), variable labels, print formats,
    measure levels and multiple-response sets (pyreadstat's `mr_sets`)."""

    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    missing_text: dict[str, set[str]] = field(default_factory=dict)
    variable_labels: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str | None] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    mr_sets: dict[str, dict[str, Any]] = field(default_factory=dict)

    def declares_missing(self, variable: str) -> bool:
        return bool(self.missing_ranges.get(variable) or self.missing_text.get(variable))

    def is_missing(self, variable: str, value: Any) -> bool:
        if isinstance(value, str) and value.strip() in self.missing_text.get(variable, ()):
            return True
        if isinstance(value, str):  # a code written as text
            value = _as_number(value.strip())
        if not isinstance(value, int | float):
            return False
        return any(lo <= value <= hi for lo, hi in self.missing_ranges.get(variable, []))

    def missing_text_of(self, variable: str) -> str:
        """A variable's user-missing codes and ranges as SPSS shows them: `-1, 2000 thru 3000`."""
        parts = [
            code_text(lo) if lo == hi else f"{code_text(lo)} thru {code_text(hi)}"
            for lo, hi in sorted(self.missing_ranges.get(variable, []))
        ]
        parts += [repr(code) for code in sorted(self.missing_text.get(variable, ()))]
        return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# The mapping
# --------------------------------------------------------------------------------------------
@dataclass
class Recode:
    """One code of a variable: what it becomes and why."""

    source_code: str
    label: str | None
    target_code: int | str | None  # None: not answered
    reason: str  # "label", "source_codes.csv", "user-missing", "not answered", "same code"
    answers: int = 0

    def text(self) -> str:
        label = f" {self.label!r}" if self.label is not None else ""
        label += {"user-missing": " (user-missing)", "unused label": " (on no answer, unused)"}.get(
            self.reason, ""
        )
        target = "not answered" if self.target_code is None else str(self.target_code)
        return f"{self.source_code}{label} -> {target}"


@dataclass
class ColumnMapping:
    source: str
    target: str | None  # None: ignored or unknown
    how: str  # "same name", "source_variables.csv", "ignored", "not in the codebook"
    recodes: list[Recode] = field(default_factory=list)
    vocabulary: str | None = None
    labelled: bool = False

    def line(self) -> str:
        if self.target is None:
            return f"{self.source}: {self.how}"
        head = f"{self.source} -> {self.target} ({self.how})"
        if not self.recodes:
            return head
        source = "labels" if self.labelled else "codes"
        changed = [
            r
            for r in self.recodes
            if str(r.target_code) != r.source_code or r.label or r.reason == "user-missing"
        ]
        if not changed:
            return f"{head}: codes as on {self.vocabulary}"
        return f"{head}: {source} on {self.vocabulary}: " + ", ".join(r.text() for r in changed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "how": self.how,
            "vocabulary": self.vocabulary,
            "labelled": self.labelled,
            "recodes": [
                {
                    "source_code": r.source_code,
                    "label": r.label,
                    "target_code": r.target_code,
                    "reason": r.reason,
                }
                for r in self.recodes
            ],
        }


@dataclass
class Mapping:
    """How every variable of one file maps onto the wave format of one wave."""

    wave_id: str
    columns: list[ColumnMapping] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "wave_id": self.wave_id,
            "columns": [c.as_dict() for c in self.columns],
            "problems": list(self.problems),
        }

    @property
    def sha256(self) -> str:
        """Checksum of the mapping itself (names and codes), the same for every wave file
        the agency delivers in the same shape."""
        document = {"columns": [c.as_dict() for c in self.columns]}
        text = json.dumps(document, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def lines(self) -> list[str]:
        lines = [c.line() for c in self.columns]
        if self.problems:
            lines.append(f"refused ({len(self.problems)}):")
            lines += [f"- {p}" for p in self.problems]
        return lines


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------
def _targets() -> dict[str, str]:
    """Every target of the wave format, by lower-case name."""
    names = [
        *contract.RESPONDENT_COLUMNS,
        *(c.name for c in contract.DESIGN),
        *codebook.questions(),
    ]
    return {name.lower(): name for name in names}


def resolve_names(
    columns: list[str],
    wave_id: str,
    codebook_dir: Path,
    mapping: Mapping,
) -> dict[str, str]:
    """source column -> target for the columns to keep; fills mapping.columns with every one."""
    rows = [
        r
        for r in codebook.source_variables(codebook_dir)
        if codebook.in_waves(r.first_wave, r.last_wave, wave_id)
        and not r.source_variable.startswith(SET_PREFIX)  # sets: lui.landing.mrsets
    ]
    by_source: dict[str, list[codebook.SourceVariable]] = {}
    by_target: dict[str, list[str]] = {}
    for row in rows:
        by_source.setdefault(row.source_variable.lower(), []).append(row)
        if row.target.lower() != codebook.IGNORE:
            by_target.setdefault(row.target.lower(), []).append(row.source_variable)
    for found in by_source.values():
        if len({r.target.lower() for r in found}) > 1:
            mapping.problems.append(
                f"codebook error: source_variables.csv maps {found[0].source_variable} to "
                f"{' and '.join(sorted({r.target for r in found}))} in wave {wave_id}"
            )
    for target, sources in by_target.items():
        if len({s.lower() for s in sources}) > 1:
            mapping.problems.append(
                f"codebook error: source_variables.csv maps both {' and '.join(sources)} to "
                f"{target} in wave {wave_id}"
            )
    targets = _targets()
    resolved: dict[str, str] = {}
    for column in columns:
        found = by_source.get(column.lower())
        if found:
            target = found[0].target
            if target.lower() == codebook.IGNORE:
                mapping.columns.append(
                    ColumnMapping(column, None, "ignored (source_variables.csv)")
                )
                continue
            if target.lower() not in targets:
                mapping.problems.append(
                    f"codebook error: source_variables.csv maps {column} to {target}, which is "
                    "neither a question of questions.csv nor a respondent column"
                )
                continue
            resolved[column] = targets[target.lower()]
            mapping.columns.append(ColumnMapping(column, resolved[column], "source_variables.csv"))
        elif column.lower() in targets:
            resolved[column] = targets[column.lower()]
            mapping.columns.append(ColumnMapping(column, resolved[column], "same name"))
        else:
            resolved[column] = column  # the gate refuses it as an unknown column
            mapping.columns.append(ColumnMapping(column, None, "not in the codebook"))
    holders: dict[str, list[str]] = {}
    for column, target in resolved.items():
        holders.setdefault(target, []).append(column)
    for target, sources in holders.items():
        if len(sources) > 1:
            mapping.problems.append(
                f"{' and '.join(sources)} are all {target} in wave {wave_id}: keep one "
                "(or map the other to ignore in source_variables.csv)"
            )
    return resolved


# --------------------------------------------------------------------------------------------
# Codes
# --------------------------------------------------------------------------------------------
def code_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def numeric_values(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The column as float64 (NaN, empty and '.' as null), or None if it is not numeric."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        text = pc.utf8_trim_whitespace(column)
        blank = pc.or_(pc.equal(text, ""), pc.equal(text, "."))
        text = pc.if_else(blank, pa.scalar(None, text.type), text)
        try:
            return pc.cast(text, pa.float64())
        except pa.ArrowInvalid:
            return None
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        number = column.cast(pa.float64(), safe=False)  # a uint64 beyond 2**53 stays unlabelled
        return pc.if_else(pc.is_nan(number), pa.scalar(None, pa.float64()), number)
    if pa.types.is_null(column.type):
        return column.cast(pa.float64())
    return None


def blank_as_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A text column with empty (or blank) values as null: SPSS writes "" for no answer."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return column
    blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    return pc.if_else(blank, pa.scalar(None, column.type), column)


def value_counts(column: pa.ChunkedArray) -> dict[Any, int]:
    counts = pc.value_counts(column.drop_null() if column.null_count else column)
    return {
        value: int(count)
        for value, count in zip(
            counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True
        )
    }


def _labels_text(answers: list[Answer]) -> str:
    shown = [f"{a.label!r} ({a.code})" for a in answers[:EXAMPLE_LABELS]]
    more = ", ..." if len(answers) > EXAMPLE_LABELS else ""
    return ", ".join(shown) + more


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def _recodes(
    column: ColumnMapping,
    counts: dict[Any, int],
    meta: SourceMeta,
    codes: list[codebook.SourceCode],
    name: str,
    answers: list[Answer],
    problems: list[str],
) -> list[Recode] | None:
    """The recode of one variable onto `answers`; None when its codes are taken as they are."""
    source = column.source
    column.vocabulary = name
    labels = meta.value_labels.get(source) or {}
    if not (labels or codes or meta.declares_missing(source)):
        return None
    by_code = {str(a.code): a for a in answers}
    recodes: dict[str, Recode] = {}
    refused: set[str] = set()  # codes already reported: each problem is reported once
    codes = [] if labels else codes  # a file's own labels say what its codes mean
    if codes:
        for row in codes:
            key = code_text(_as_number(row.source_code))
            if row.response_code is None:
                recodes[key] = Recode(key, None, None, "source_codes.csv")
                continue
            answer = by_code.get(code_text(_as_number(row.response_code)))
            if answer is None:
                problems.append(
                    f"{source}: source_codes.csv recodes code {row.source_code} to "
                    f"{row.response_code}, which is not on {name}; its codes are "
                    + _labels_text(answers)
                )
                continue
            recodes[key] = Recode(key, None, answer.code, "source_codes.csv")
    else:
        column.labelled = bool(labels)
        for value, label in labels.items():
            key = code_text(value)
            answer = match_label(label, answers)
            if meta.is_missing(source, value):
                target = answer.code if answer else None
                recodes[key] = Recode(key, label, target, "user-missing")
            elif answer is not None:
                recodes[key] = Recode(key, label, answer.code, "label")
            elif normalised_label(label) in NOT_ANSWERED:
                recodes[key] = Recode(key, label, None, "not answered")
            elif value in counts or key in {code_text(v) for v in counts}:
                refused.add(key)
                problems.append(
                    f"{source}: label {label!r} (code {key}) is not on {name}; its labels are "
                    + _labels_text(answers)
                )
            else:  # a label the file never uses: shown, harmless
                recodes[key] = Recode(key, label, None, "unused label")
    for value, count in sorted(counts.items(), key=lambda item: str(item[0])):
        key = code_text(value)
        if key in refused:
            continue
        if key in recodes:
            recodes[key].answers += count
            continue
        if isinstance(value, float) and not value.is_integer():
            problems.append(f"{source}: {value} is not a whole code ({_plural(count, 'answer')})")
            continue
        if meta.is_missing(source, value):
            answer = by_code.get(key) if not labels else None
            target = answer.code if answer else None
            recodes[key] = Recode(key, None, target, "user-missing", count)
        elif codes:
            problems.append(
                f"{source}: code {key} ({_plural(count, 'answer')}) is not in "
                f"source_codes.csv for {source}"
            )
        elif labels:
            answer = match_label(key, answers) if key.isdigit() else None
            if answer is not None and str(answer.code) == key:
                recodes[key] = Recode(key, None, answer.code, "same code", count)
            else:
                problems.append(
                    f"{source}: code {key} ({_plural(count, 'answer')}) has no value label; "
                    f"the labels of {name} are " + _labels_text(answers)
                )
        elif key in by_code or isinstance(answers[0].code, str):
            target = by_code[key].code if key in by_code else key
            recodes[key] = Recode(key, None, target, "same code", count)
        elif isinstance(number := _as_number(key), int) and abs(number) < 2**31:
            # a code off the scale stays as it is: the gate refuses it, naming respondents
            recodes[key] = Recode(key, None, number, "same code", count)
        else:
            problems.append(f"{source}: {key!r} is not a code ({_plural(count, 'answer')})")
    return sorted(recodes.values(), key=_code_order)


def _code_order(recode: Recode) -> tuple[int, float, str]:
    """Numeric codes in numeric order, then text codes."""
    number = _as_number(recode.source_code)
    if isinstance(number, int | float):
        return (0, float(number), "")
    return (1, 0.0, recode.source_code)


def _as_number(text: str) -> Any:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def _apply(
    column: pa.ChunkedArray, numeric: pa.ChunkedArray | None, recodes: list[Recode], text: bool
) -> pa.ChunkedArray:
    """The column with every code replaced by its target (unlisted codes: null)."""
    targets = [r.target_code for r in recodes]
    out_type = pa.string() if text else pa.int32()
    values = pa.array(targets, type=out_type)
    if numeric is not None:
        numbers = [_as_number(r.source_code) for r in recodes]
        keys = pa.array(
            [float(n) if isinstance(n, int | float) else None for n in numbers], pa.float64()
        )
        index = pc.index_in(numeric, value_set=keys)
    else:
        keys = pa.array([r.source_code for r in recodes], pa.string())
        source = (
            column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
        )
        index = pc.index_in(pc.utf8_trim_whitespace(source.cast(pa.string())), value_set=keys)
    return (
        pa.chunked_array([pc.take(values, chunk) for chunk in index.chunks], type=out_type)
        if index.num_chunks
        else pa.chunked_array([], type=out_type)
    )


def _refuse_missing_keys(
    source: str, target: str, counts: dict[Any, int], meta: SourceMeta, problems: list[str]
) -> None:
    """A key column (id, weight, date, local authority) has no missing values: a value
    the file declares user-missing there is an error, never a value. `counts`: the column's
    values it declares user-missing, with how often each occurs (`missing_counts`)."""
    found = sorted((code_text(value), count) for value, count in counts.items())
    if not found:
        return
    total = sum(count for _, count in found)
    problems.append(
        f"{source} ({target}) holds {_plural(total, 'value')} it declares user-missing "
        f"({meta.missing_text_of(source)}): {cut_list([f'{code} x{n:,}' for code, n in found])};"
        f" a {target} cannot be missing: deliver the real values or drop those respondents"
    )


def _counted_values(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """What a column's codes are counted as: numbers when it is numeric, else its text."""
    numeric = numeric_values(column) if not pa.types.is_timestamp(column.type) else None
    return numeric if numeric is not None else blank_as_null(column)


def missing_counts(column: pa.ChunkedArray, source: str, meta: SourceMeta) -> dict[Any, int]:
    """The values of a column the file declares user-missing, with their counts."""
    numeric = numeric_values(column) if not pa.types.is_timestamp(column.type) else None
    counts = value_counts(numeric if numeric is not None else column)
    return {v: n for v, n in counts.items() if meta.is_missing(source, v)}


def add_counts(total: dict[Any, int], counts: dict[Any, int]) -> None:
    for value, count in counts.items():
        total[value] = total.get(value, 0) + count


class WaveMapper:
    """`map_wave` over a file read in chunks: the names are resolved from the columns, the
    codes each variable holds are counted chunk by chunk (`count`), the recodes decided
    once from the counts of the whole file (`finish`), then applied chunk by chunk
    (`apply`). Only the variables whose codes are recoded (and the key columns that declare
    user-missing values) are counted, so the counts stay small whatever the rows."""

    def __init__(
        self,
        columns: list[str],
        meta: SourceMeta,
        wave_id: str,
        codebook_dir: Path = CODEBOOK_DIR,
        built: dict[str, str] | None = None,
        set_problems: list[str] | None = None,
    ) -> None:
        self.meta = meta
        self.mapping = Mapping(wave_id)
        self.mapping.problems += set_problems or []
        self.resolved = resolve_names(columns, wave_id, codebook_dir, self.mapping)
        for entry in self.mapping.columns:
            if built and entry.source in built:
                entry.how = built[entry.source]
        codes_by_source: dict[str, list[codebook.SourceCode]] = {}
        for row in codebook.source_codes(codebook_dir):
            if codebook.in_waves(row.first_wave, row.last_wave, wave_id):
                codes_by_source.setdefault(row.source_variable.lower(), []).append(row)
        self.entries = {c.source: c for c in self.mapping.columns}
        self.codes = {s: codes_by_source.get(s.lower(), []) for s in self.resolved}
        self.recoded: dict[str, tuple[str, list[Answer]]] = {}  # source -> its vocabulary
        self.keys: list[str] = []  # key columns that declare user-missing values
        for source, target in self.resolved.items():
            known = vocabulary(target) if self.entries[source].target is not None else None
            if target in KEY_COLUMNS and meta.declares_missing(source):
                self.keys.append(source)
            recoded = (
                meta.value_labels.get(source) or meta.declares_missing(source) or self.codes[source]
            )
            if known is not None and recoded:
                self.recoded[source] = known
        self.counts: dict[str, dict[Any, int]] = {s: {} for s in self.recoded}
        self.missing: dict[str, dict[Any, int]] = {s: {} for s in self.keys}
        self.recodes: dict[str, list[Recode]] = {}

    def targets(self) -> list[str]:
        """The wave-format columns `apply` gives, in order."""
        return list(self.resolved.values())

    def count(self, chunk: pa.Table) -> None:
        """Count the codes of one chunk (of the columns `resolve_names` was given)."""
        for source in self.recoded:
            add_counts(self.counts[source], value_counts(_counted_values(chunk.column(source))))
        for source in self.keys:
            add_counts(
                self.missing[source], missing_counts(chunk.column(source), source, self.meta)
            )

    def finish(self) -> Mapping:
        """Decide every recode from the counts of the whole file; the mapping, with its
        problems in the order of the file's variables."""
        for source, target in self.resolved.items():
            if source in self.missing:
                _refuse_missing_keys(
                    source, target, self.missing[source], self.meta, self.mapping.problems
                )
            if source in self.recoded:
                name, answers = self.recoded[source]
                entry = self.entries[source]
                recodes = _recodes(
                    entry,
                    self.counts[source],
                    self.meta,
                    self.codes[source],
                    name,
                    answers,
                    self.mapping.problems,
                )
                if recodes is not None:
                    entry.recodes = recodes
                    self.recodes[source] = recodes
        return self.mapping

    def apply(self, chunk: pa.Table) -> pa.Table:
        """One chunk in the wave format's names and codes."""
        names: list[str] = []
        arrays: list[pa.ChunkedArray] = []
        for source, target in self.resolved.items():
            column = chunk.column(source)
            if source in self.recodes:
                _, answers = self.recoded[source]
                text = isinstance(answers[0].code, str)
                column = _apply(column, numeric_values(column), self.recodes[source], text)
            names.append(target)
            arrays.append(column)
        return pa.Table.from_arrays(arrays, names=names)


def cut_list(items: list[str], shown: int = EXAMPLE_LABELS, total: int | None = None) -> str:
    """`a, b, c and 4 more`: a list cut to `shown` items, saying how many were left out
    (`total`: how many there are, when `items` holds only some of them)."""
    total = max(total or 0, len(items))
    head = ", ".join(items[:shown])
    return (
        head
        if total <= min(shown, len(items))
        else f"{head} and {total - min(shown, len(items)):,} more"
    )


def map_wave(
    table: pa.Table,
    meta: SourceMeta,
    wave_id: str,
    codebook_dir: Path = CODEBOOK_DIR,
) -> tuple[pa.Table, Mapping]:
    """The file's table in the wave format's names and codes, and how it was mapped (the
    whole table as one chunk of `WaveMapper`)."""
    from lui.landing.mrsets import expand_sets  # it builds on this module's matching

    table, built, set_problems = expand_sets(table, meta, wave_id, codebook_dir)
    mapper = WaveMapper(table.column_names, meta, wave_id, codebook_dir, built, set_problems)
    mapper.count(table)
    mapping = mapper.finish()
    return mapper.apply(table), mapping
