"""The demo wave as a fieldwork agency would deliver it: its names, its codes, its labels.

`lui generate --agency-format` writes the same synthetic wave as the canonical file, but
shaped like a KnowledgePanel-style delivery, so the mapping of `lui.landing.mapping` can be
tried (and tested) end to end:

- variables named by the agency's questionnaire (`Q7`, `Q50_3`, `wt_final`, `sex`), from
  the example mapping shipped as `data/agency_source_variables.csv`, plus a variable the
  warehouse does not use (`panel_flag`, mapped to `ignore`);
- in the `.sav`: labelled numerics for gender, age band, urban/rural, supergroup and IMD
  quintile; the satisfaction scale reversed (1 = "Very Dissatisfied" ... 5 = "Very
  Satisfied"); "Don't know" at 98 (labelled "Dont know"); refusals at 99 labelled
  "Refused"; 98 and 99 declared user-missing; the interview date an SPSS date; labels in
  the agency's capitalisation; the 0-10 scales labelled at their ends only;
- in the `.parquet` twin: the same codes as floats with NaN for no answer, the categories
  as codes too, the date as day-first UK text (`10/02/2024`), and no labels: the recode is
  in `source_codes.csv`, written beside it with a copy of the example `source_variables.csv`.

Copy the two CSVs into seeds/codebook/ and both files land with marts identical to the
canonical file's.
"""

from __future__ import annotations

import csv
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from lui import codebook
from lui.landing.mapping import CATEGORY_COLUMNS

REVERSED_SCALE = "satisfaction5"
DONT_KNOW_CODE = 98
REFUSED_CODE = 99
MISSING_CODES = (DONT_KNOW_CODE, REFUSED_CODE)
EXTRA_VARIABLE = "panel_flag"
CHOICE_LABELS = {"choice2": {0: "Not selected", 1: "Selected"}, "mention2": {0: "No", 1: "Yes"}}
IMD_LABELS = {1: "1 - Most deprived", 5: "5 - Least deprived"}
# The agency's variable labels of the respondent columns (the questions' are their texts).
VARIABLE_LABELS = {
    "respondent_id": "Respondent serial number",
    "weight": "Final weight",
    "interview_date": "Date of interview",
    "la_code": "Local authority district code",
    "imd_quintile": "IMD quintile",
    "urban_rural": "Urban / rural classification",
    "supergroup": "Output area classification supergroup",
    "age_band": "Age band",
    "gender": "Sex",
}


def _example_rows() -> list[dict[str, str]]:
    path = resources.files("lui.demo") / "data" / "agency_source_variables.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def agency_names() -> dict[str, str]:
    """target -> the agency's variable name."""
    return {r["target"]: r["source_variable"] for r in _example_rows() if r["target"] != "ignore"}


def agency_code(scale_id: str, code: int) -> int:
    """The agency's code of one answer on one scale."""
    points = codebook.scale_points()[scale_id]
    kinds = {p.code: p.kind for p in points}
    if kinds.get(code) == "dont_know":
        return DONT_KNOW_CODE
    if kinds.get(code) == "refused":
        return REFUSED_CODE
    if scale_id == REVERSED_SCALE:
        substantive = sorted(p.code for p in points if p.kind == "substantive")
        return substantive[len(substantive) - 1 - substantive.index(code)]
    return code


def agency_label(scale_id: str, point: codebook.ScalePoint) -> str | None:
    """The agency's label of one answer (None: the code carries no label)."""
    if point.kind == "dont_know":
        return "Dont know"
    if point.kind == "refused":
        return "Refused"
    if scale_id in CHOICE_LABELS:
        return CHOICE_LABELS[scale_id][point.code]
    if scale_id == "scale0to10":
        return {0: "Not at all", 10: "Completely"}.get(point.code)
    return point.label.title()


def _scale_recode(scale_id: str) -> dict[int, int]:
    """canonical code -> agency code."""
    return {p.code: agency_code(scale_id, p.code) for p in codebook.scale_points()[scale_id]}


def _categories(target: str) -> dict[str | int, int]:
    """A category column's value -> the agency's code (1, 2, ...)."""
    return {value: index for index, value in enumerate(CATEGORY_COLUMNS[target], start=1)}


def agency_frame(canonical: pd.DataFrame, wave_id: str) -> pd.DataFrame:
    """The canonical wave in the agency's names and codes (numbers as floats, NaN empty)."""
    names = agency_names()
    out = pd.DataFrame(index=canonical.index)
    for column in canonical.columns:
        values = canonical[column]
        if column in CATEGORY_COLUMNS:
            codes = _categories(column)
            values = values.map(lambda v, codes=codes: codes.get(v, np.nan)).astype("float64")
        elif column in codebook.questions():
            recode = _scale_recode(codebook.questions()[column].scale_id)
            numbers = values.astype("float64")
            values = numbers.map(lambda v, r=recode: float(r[int(v)]) if v == v else np.nan)
        out[names.get(column, column)] = values
    out[EXTRA_VARIABLE] = 1.0
    return out


def _value_labels(wave_id: str) -> dict[str, dict[float, str]]:
    names = agency_names()
    labels: dict[str, dict[float, str]] = {}
    for target in CATEGORY_COLUMNS:
        labels[names[target]] = {
            float(code): IMD_LABELS.get(int(value), str(value))
            if target == "imd_quintile"
            else str(value)
            for value, code in _categories(target).items()
        }
    for question in codebook.questions_for_wave(wave_id):
        scale = question.scale_id
        labels[names[question.code]] = {
            float(agency_code(scale, p.code)): label
            for p in codebook.scale_points()[scale]
            if (label := agency_label(scale, p)) is not None
        }
    return labels


def column_labels(wave_id: str) -> dict[str, str]:
    """The agency's variable labels: `Q4. <question text>` and the respondent columns'."""
    names = agency_names()
    labels = {names[target]: label for target, label in VARIABLE_LABELS.items()}
    for question in codebook.questions_for_wave(wave_id):
        name = names[question.code]
        labels[name] = f"{name}. {question.text}"
    labels[EXTRA_VARIABLE] = "Panel member flag"
    return labels


def write_sav(canonical: pd.DataFrame, wave_id: str, out: Path) -> Path:
    import pyreadstat

    frame = agency_frame(canonical, wave_id)
    names = agency_names()
    date = names["interview_date"]
    frame[date] = pd.to_datetime(frame[date])
    questions = [names[q.code] for q in codebook.questions_for_wave(wave_id)]
    pyreadstat.write_sav(
        frame,
        str(out),
        variable_value_labels=_value_labels(wave_id),
        column_labels=column_labels(wave_id),
        missing_ranges={name: list(MISSING_CODES) for name in questions},
        variable_format={date: "DATE11"},
    )
    return out


def write_parquet(canonical: pd.DataFrame, wave_id: str, out: Path) -> Path:
    frame = agency_frame(canonical, wave_id)
    date = agency_names()["interview_date"]
    frame[date] = pd.to_datetime(frame[date]).dt.strftime("%d/%m/%Y")
    columns = {
        name: pa.array(frame[name].to_numpy(), from_pandas=False)
        if frame[name].dtype == "float64"
        else pa.array(frame[name])
        for name in frame.columns
    }  # from_pandas=False keeps NaN as NaN, as agency exports write it
    pq.write_table(pa.table(columns), out)
    return out


def source_code_rows(wave_id: str) -> list[list[str]]:
    """source_codes.csv rows: every code of every variable whose codes differ from ours."""
    names = agency_names()
    rows = []
    for target, codes in ((t, _categories(t)) for t in CATEGORY_COLUMNS):
        rows += [[names[target], str(code), str(value), "", ""] for value, code in codes.items()]
    for question in codebook.questions_for_wave(wave_id):
        recode = _scale_recode(question.scale_id)
        if all(ours == theirs for ours, theirs in recode.items()):
            continue
        rows += [
            [names[question.code], str(theirs), str(ours), "", ""]
            for ours, theirs in recode.items()
        ]
    return rows


def write_agency_wave(canonical: pd.DataFrame, wave_id: str, out: Path) -> list[Path]:
    """Write `<out>.sav`, `<out>.parquet` and the mapping seeds beside them."""
    out.parent.mkdir(parents=True, exist_ok=True)
    sav = write_sav(canonical, wave_id, out.with_suffix(".sav"))
    parquet = write_parquet(canonical, wave_id, out.with_suffix(".parquet"))
    variables = out.parent / "source_variables.csv"
    source = resources.files("lui.demo") / "data" / "agency_source_variables.csv"
    with resources.as_file(source) as file:
        shutil.copyfile(file, variables)
    codes = out.parent / "source_codes.csv"
    with codes.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["source_variable", "source_code", "response_code", "first_wave", "last_wave"]
        )
        writer.writerows(source_code_rows(wave_id))
    return [sav, parquet, variables, codes]
