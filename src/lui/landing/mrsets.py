"""SPSS multiple-response sets mapped as a set onto a group of questions (pick up to three).

The report's priority questions are one yes/no question each (`priority_crime`, ...: 1
chosen, 0 not chosen). An agency delivers such a question as a multiple-response set, which
`seeds/codebook/source_variables.csv` maps whole: the set's name (with its `$`) as
`source_variable` and a `question_group` of `questions.csv` (`priority`) as `target`.

- **Multiple dichotomy set** (one variable per option, the counted value marks a choice):
  each variable becomes the question of the group whose text its variable label names
  (`text_similarity`); its counted value is 1, any other value 0, a user-missing or
  system-missing value not answered.
- **Multiple category set** (`Q50_1..Q50_3`, each holding the code of one option picked):
  each value label of the set names a question of the group; a respondent who picked that
  code in any variable of the set has 1, one who answered the set but not that code 0, one
  who answered none of its variables not answered. A label naming no question (None of
  these, Other) counts as an answer choosing none of the group's questions.

Anything that cannot be placed (a variable or label naming no question, two naming one) is
a mapping problem, reported once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from lui import codebook
from lui.landing.mapping import (
    SET_PREFIX,
    SIMILAR,
    SourceMeta,
    code_text,
    numeric_values,
    text_similarity,
)

CHOSEN, NOT_CHOSEN = 1, 0


def set_rows(wave_id: str, codebook_dir: Path) -> dict[str, str]:
    """set name (lower case) -> question group, from source_variables.csv for one wave."""
    return {
        set_name(r.source_variable).lower(): r.target
        for r in codebook.source_variables(codebook_dir)
        if r.source_variable.startswith(SET_PREFIX)
        and codebook.in_waves(r.first_wave, r.last_wave, wave_id)
    }


def set_name(name: str) -> str:
    """A set's name with its `$` (ReadStat gives it without)."""
    return SET_PREFIX + name.lstrip(SET_PREFIX)


def _best_question(text: str, questions: list[codebook.Question]) -> str | None:
    scored = max(((text_similarity(text, q.text), q.code) for q in questions), default=None)
    return scored[1] if scored and scored[0] >= SIMILAR else None


def _answered(values: np.ndarray, name: str, meta: SourceMeta) -> np.ndarray:
    """Whether each value is an answer (neither system- nor user-missing)."""
    present = ~np.isnan(values)
    for lo, hi in meta.missing_ranges.get(name, []):
        present &= ~((values >= lo) & (values <= hi))
    return present


def _numbers(table: pa.Table, name: str) -> np.ndarray:
    numbers = numeric_values(table.column(name))
    if numbers is None:
        raise ValueError(name)
    return numbers.to_numpy().astype("float64")


def expand_sets(
    table: pa.Table, meta: SourceMeta, wave_id: str, codebook_dir: Path
) -> tuple[pa.Table, dict[str, str], list[str]]:
    """(table with each mapped set's variables replaced by its questions, question -> how it
    was built, problems)."""
    wanted = set_rows(wave_id, codebook_dir)
    built: dict[str, str] = {}
    problems: list[str] = []
    if not wanted:
        return table, built, problems
    questions = codebook.questions_for_wave(wave_id)
    for raw_name, mr in sorted(meta.mr_sets.items()):
        name = set_name(raw_name)
        group = wanted.get(name.lower())
        if group is None:
            continue
        members = [m for m in mr.get("variable_list", []) if m in table.column_names]
        in_group = [q for q in questions if q.group.lower() == group.lower()]
        if not in_group:
            problems.append(
                f"codebook error: source_variables.csv maps set {name} to {group}, which is no "
                "question_group of questions.csv in wave " + wave_id
            )
            continue
        try:
            if mr.get("is_dichotomy") or mr.get("type") == "D":
                columns = _dichotomies(table, meta, name, mr, members, in_group, problems)
            else:
                columns = _categories(table, meta, name, members, in_group, problems)
        except ValueError as error:
            problems.append(f"{name}: variable {error} of the set is not numeric")
            continue
        table = table.drop_columns(members)
        for code, values in columns.items():
            if code in table.column_names:
                problems.append(f"{name} and {code} are both {code}: keep one")
                continue
            table = table.append_column(code, values)
            built[code] = f"multiple-response set {name}"
        missing = [q.code for q in in_group if q.code not in columns]
        if missing:
            problems.append(
                f"{name}: no variable or label of the set names {', '.join(missing)} "
                f"(questions of {group} in wave {wave_id})"
            )
    return table, built, problems


def _dichotomies(
    table: pa.Table,
    meta: SourceMeta,
    name: str,
    mr: dict[str, Any],
    members: list[str],
    questions: list[codebook.Question],
    problems: list[str],
) -> dict[str, pa.Array]:
    counted = mr.get("counted_value")
    columns: dict[str, pa.Array] = {}
    for member in members:
        label = meta.variable_labels.get(member) or member
        if mr.get("type") == "E" and counted is not None:  # labelled by the counted value
            label = (meta.value_labels.get(member) or {}).get(counted, label)
        code = _best_question(label, questions)
        if code is None or code in columns:
            problems.append(
                f"{name}: variable {member} ({label!r}) names "
                + ("no question of the group" if code is None else f"{code} a second time")
            )
            continue
        values = _numbers(table, member)
        answered = _answered(values, member, meta)
        chosen = np.where(values == float(counted if counted is not None else 1), 1, 0)
        columns[code] = pa.array(chosen, pa.int32(), mask=~answered)
    return columns


def _categories(
    table: pa.Table,
    meta: SourceMeta,
    name: str,
    members: list[str],
    questions: list[codebook.Question],
    problems: list[str],
) -> dict[str, pa.Array]:
    labels: dict[Any, str] = {}
    for member in members:
        labels.update(meta.value_labels.get(member) or {})
    codes: dict[str, float] = {}
    for value, label in sorted(labels.items(), key=lambda item: str(item[0])):
        code = _best_question(label, questions)
        if code is None:
            continue  # None of these, Other: an answer choosing none of the group
        if code in codes:
            problems.append(
                f"{name}: labels of codes {code_text(codes[code])} and "
                f"{code_text(value)} both name {code}"
            )
            continue
        codes[code] = float(value)
    values = np.column_stack([_numbers(table, m) for m in members]) if members else None
    if values is None:
        return {}
    answered = np.column_stack([_answered(values[:, i], m, meta) for i, m in enumerate(members)])
    any_answer = answered.any(axis=1)
    columns: dict[str, pa.Array] = {}
    for code, value in codes.items():
        picked = ((values == value) & answered).any(axis=1)
        columns[code] = pa.array(np.where(picked, CHOSEN, NOT_CHOSEN), pa.int32(), mask=~any_answer)
    return columns
