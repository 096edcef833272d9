"""The codebook (dbt seeds under seeds/codebook) read from Python.

The seeds are the single source of truth: the generator writes answers from them, the
landing gate checks files against them and dbt scores with them. The respondent columns, the
breakdowns and the thresholds live in `lui.contract`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lui import contract
from lui.errors import LuiError
from lui.paths import CODEBOOK_DIR, REFERENCE_DIR

# A wave id is the warehouse's partition key: ASCII digits only (`\d` would accept any
# script's digits) and matched whole (`$` would accept a trailing newline). The rule's one
# home is the dbt var wave_id_pattern (dbt_project.yml), which macros/wave_scope.sql reads too.
WAVE_ID_PATTERN = re.compile(contract.dbt_vars()["wave_id_pattern"], re.ASCII)
WAVE_ID_FORM = "YYYY-MM (ASCII digits, a year 1900-2099 and a month 01-12, e.g. 2022-08)"


def is_wave_id(value: object) -> bool:
    """True for a wave id of the form YYYY-MM (the one wave-id test: CLI, raw tables, dbt)."""
    return isinstance(value, str) and WAVE_ID_PATTERN.fullmatch(value) is not None


CONTROL_NAMES = {"\n": "LINE FEED (a newline)", "\r": "CARRIAGE RETURN", "\t": "TAB"}


def _character_name(character: str) -> str:
    return CONTROL_NAMES.get(character) or unicodedata.name(character, "control character")


def parse_wave_id(value: object, what: str = "wave id") -> str:
    """`value` as a wave id, or a LuiError saying plainly why it is not one.

    The rule of the dbt var wave_id_pattern (macros/wave_scope.sql, the raw tables' check).
    """
    if is_wave_id(value):
        return str(value)
    text = str(value)
    odd = sorted({c for c in text if not c.isascii() or not c.isprintable()})
    hint = ""
    if odd:
        shown = ", ".join(f"U+{ord(c):04X} {_character_name(c)}" for c in odd)
        hint = f"; it holds characters other than ASCII digits and '-': {shown}"
    raise LuiError(f"{what} {text!r} is not of the form {WAVE_ID_FORM}{hint}")


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    scale_id: str
    group: str  # mission / perception / priority
    topic: str
    first_wave: str | None
    last_wave: str | None

    def asked_in(self, wave_id: str) -> bool:
        """Whether the questionnaire of `wave_id` carries this question."""
        return in_waves(self.first_wave, self.last_wave, wave_id)


@dataclass(frozen=True)
class ScalePoint:
    scale_id: str
    code: int
    label: str
    points: float | None  # None: the answer does not count
    kind: str  # substantive / dont_know / refused


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@cache
def questions(codebook_dir: Path = CODEBOOK_DIR) -> dict[str, Question]:
    rows = _read(codebook_dir / "questions.csv")
    return {
        r["question_code"]: Question(
            code=r["question_code"],
            text=r["question_text"],
            scale_id=r["scale_id"],
            group=r["question_group"],
            topic=r["topic"],
            first_wave=r["first_wave"] or None,
            last_wave=r["last_wave"] or None,
        )
        for r in rows
    }


@cache
def scale_points(codebook_dir: Path = CODEBOOK_DIR) -> dict[str, list[ScalePoint]]:
    scales: dict[str, list[ScalePoint]] = {}
    for r in _read(codebook_dir / "scale_points.csv"):
        scales.setdefault(r["scale_id"], []).append(
            ScalePoint(
                scale_id=r["scale_id"],
                code=int(r["response_code"]),
                label=r["response_label"],
                points=float(r["points"]) if r["points"] != "" else None,
                kind=r["answer_kind"],
            )
        )
    return scales


@cache
def mission_questions(codebook_dir: Path = CODEBOOK_DIR) -> list[tuple[int, str, float, int]]:
    """(mission_id, question_code, question_weight, direction) rows."""
    return [
        (int(r["mission_id"]), r["question_code"], float(r["question_weight"]), int(r["direction"]))
        for r in _read(codebook_dir / "mission_questions.csv")
    ]


@cache
def missions(codebook_dir: Path = CODEBOOK_DIR) -> dict[int, dict[str, str]]:
    return {int(r["mission_id"]): r for r in _read(codebook_dir / "missions.csv")}


def questions_for_wave(wave_id: str) -> list[Question]:
    """The questionnaire of one wave, in codebook order."""
    return [q for q in questions().values() if q.asked_in(wave_id)]


def valid_codes(question_code: str) -> set[int]:
    """Answer codes defined by the scale of `question_code`."""
    return {p.code for p in scale_points()[questions()[question_code].scale_id]}


@cache
def local_authorities(reference_dir: Path = REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """la_code -> row of the reference seed (la_name, nation, region, population)."""
    return {r["la_code"]: r for r in _read(reference_dir / "local_authorities.csv")}


# --------------------------------------------------------------------------------------------
# The agency's questionnaire: source variables and source codes (seeds/codebook/source_*.csv)
# --------------------------------------------------------------------------------------------
IGNORE = "ignore"
"""The `target` of a source variable the warehouse does not use."""


def in_waves(first_wave: str | None, last_wave: str | None, wave_id: str) -> bool:
    """Whether `wave_id` lies in first_wave..last_wave (an empty bound is open)."""
    if first_wave and wave_id < first_wave:
        return False
    return not (last_wave and wave_id > last_wave)


@dataclass(frozen=True)
class SourceVariable:
    source_variable: str
    target: str
    first_wave: str | None
    last_wave: str | None


@dataclass(frozen=True)
class SourceCode:
    source_variable: str
    source_code: str
    response_code: str | None  # None: not answered
    first_wave: str | None
    last_wave: str | None


@cache
def source_variables(codebook_dir: Path = CODEBOOK_DIR) -> list[SourceVariable]:
    path = codebook_dir / "source_variables.csv"
    if not path.exists():
        return []
    return [
        SourceVariable(
            source_variable=r["source_variable"].strip(),
            target=r["target"].strip(),
            first_wave=r["first_wave"].strip() or None,
            last_wave=r["last_wave"].strip() or None,
        )
        for r in _read(path)
    ]


@cache
def source_codes(codebook_dir: Path = CODEBOOK_DIR) -> list[SourceCode]:
    path = codebook_dir / "source_codes.csv"
    if not path.exists():
        return []
    return [
        SourceCode(
            source_variable=r["source_variable"].strip(),
            source_code=r["source_code"].strip(),
            response_code=r["response_code"].strip() or None,
            first_wave=r["first_wave"].strip() or None,
            last_wave=r["last_wave"].strip() or None,
        )
        for r in _read(path)
    ]


# --------------------------------------------------------------------------------------------
# Routing: who each question is asked of (seeds/codebook/question_routing.csv)
# --------------------------------------------------------------------------------------------
LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Routing:
    """Who a question is asked of: respondents in `nations` (None: every nation) whose answer
    to `filter_column` is one of `filter_codes` (None: no filter)."""

    question_code: str
    nations: frozenset[str] | None
    filter_column: str | None
    filter_codes: frozenset[str]


def _list(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(LIST_SEPARATOR) if part.strip())


@cache
def routing(codebook_dir: Path = CODEBOOK_DIR) -> dict[str, Routing]:
    """question_code -> its routing; a question without a row is asked of everyone."""
    path = codebook_dir / "question_routing.csv"
    if not path.exists():
        return {}
    return {
        r["question_code"].strip(): Routing(
            question_code=r["question_code"].strip(),
            nations=_list(r["asked_in_nations"]) or None,
            filter_column=r["filter_column"].strip() or None,
            filter_codes=_list(r["filter_codes"]),
        )
        for r in _read(path)
    }
