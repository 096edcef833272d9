"""One wave back out as a labelled respondent file: SPSS .sav, Stata .dta or Parquet.

`lui export --wave W --out FILE.sav` writes one row per respondent of wave W: the respondent
columns (id, weight, date, geography, groups), the mapped answer to every question asked in
the wave (the codebook's codes), and the respondent's score on each mission
(`mission_<id>`, -200..200; empty for a respondent who answered none of its questions).

- **Variable labels**: the question texts, the missions' names, the respondent columns'.
- **Value labels**: each question's scale (`1 = Very satisfied`, ...), the IMD quintiles.
- **Missing values**: a question not answered is system-missing (empty); the scale's
  answers that carry no points and are no "Don't know" (`Prefer not to say`, kind
  `refused`) are declared user-missing in the .sav, so SPSS leaves them out of bases as
  the index does.

The .dta carries the variable and value labels (Stata has no user-missing codes for
them); the .parquet keeps the same labels as field metadata (`label`, `value_labels` as
JSON). The answers and respondent columns are read from the warehouse's raw tables, the
mission scores through `respondent_mission_scores` (the one place that names the model).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from lui import codebook, contract
from lui.errors import LuiError
from lui.paths import warehouse_path
from lui.warehouse.export import open_read_only

FORMATS = {".sav": "sav", ".dta": "dta", ".parquet": "parquet"}
SCORES_MODEL = "intermediate.int_respondent_mission_scores"
RESPONDENT_LABELS = {
    "respondent_id": "Respondent id",
    "weight": "Survey weight",
    "interview_date": "Date of interview",
    "la_code": "Local authority (ONS code)",
    "imd_quintile": "Index of Multiple Deprivation quintile (1 most deprived)",
    "urban_rural": "Urban or rural",
    "supergroup": "Output area classification supergroup",
    "age_band": "Age band",
    "gender": "Gender",
}


def respondent_mission_scores(con: duckdb.DuckDBPyConnection, wave_id: str) -> pd.DataFrame:
    """(respondent_id, mission_id, mission_score) of one wave: every respondent's score on
    every mission it has one for. The one reader of the per-respondent scores model."""
    return con.execute(
        "select respondents.respondent_id, scores.mission_id, scores.mission_score "
        f"from {SCORES_MODEL} as scores inner join raw.respondents as respondents "
        "on scores.wave_id = respondents.wave_id "
        "and scores.respondent_key = respondents.respondent_key "
        "where scores.wave_id = ? order by respondents.respondent_id, scores.mission_id",
        [wave_id],
    ).df()


def mission_column(mission_id: int) -> str:
    return f"mission_{mission_id}"


def respondent_frame(con: duckdb.DuckDBPyConnection, wave_id: str) -> pd.DataFrame:
    """One row per respondent of the wave: respondent columns, answers, mission scores."""
    columns = ", ".join(contract.RESPONDENT_COLUMNS)
    frame = con.execute(
        f"select {columns} from raw.respondents where wave_id = ? order by respondent_id",
        [wave_id],
    ).df()
    if frame.empty:
        raise LuiError(f"wave {wave_id} is not in the warehouse: land it (lui land) first")
    answers = con.execute(
        "select respondent_id, question_code, response_code from raw.responses where wave_id = ?",
        [wave_id],
    ).df()
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    wide = answers.pivot(index="respondent_id", columns="question_code", values="response_code")
    wide = wide.reindex(index=frame["respondent_id"], columns=questions)
    frame = frame.join(wide.reset_index(drop=True).astype("Int32"))
    scores = respondent_mission_scores(con, wave_id)
    by_mission = scores.pivot(index="respondent_id", columns="mission_id", values="mission_score")
    by_mission = by_mission.reindex(
        index=frame["respondent_id"], columns=sorted(codebook.missions())
    )
    by_mission.columns = [mission_column(int(m)) for m in by_mission.columns]
    return frame.join(by_mission.reset_index(drop=True).astype("float64"))


def labels(wave_id: str) -> tuple[dict[str, str], dict[str, dict[int, str]], dict[str, list[int]]]:
    """(variable labels, value labels, user-missing codes) of the exported columns."""
    variable = dict(RESPONDENT_LABELS)
    values: dict[str, dict[int, str]] = {
        "imd_quintile": {1: "1 most deprived", 5: "5 least deprived"}
    }
    missing: dict[str, list[int]] = {}
    points = codebook.scale_points()
    for question in codebook.questions_for_wave(wave_id):
        variable[question.code] = question.text
        scale = points[question.scale_id]
        values[question.code] = {p.code: p.label for p in scale}
        refused = [p.code for p in scale if p.kind == "refused"]
        if refused:
            missing[question.code] = refused
    for mission_id, mission in codebook.missions().items():
        variable[mission_column(mission_id)] = (
            f"Mission {mission_id} score: {mission['mission_name']} (-200..200)"
        )
    return variable, values, missing


def _numbers_as_floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers as floats with NaN for empty (SPSS and Stata numbers), dates as dates."""
    data = frame.copy()
    for name in data.columns:
        if pd.api.types.is_integer_dtype(data[name].dtype):
            data[name] = data[name].astype("float64")
    data["interview_date"] = pd.to_datetime(data["interview_date"]).dt.date
    return data


def _write_spss_or_stata(frame: pd.DataFrame, out: Path, wave_id: str, fmt: str) -> None:
    """A .sav (labels, user-missing values, formats, measures) or a .dta (labels)."""
    import pyreadstat

    variable, values, missing = labels(wave_id)
    data = _numbers_as_floats(frame)
    common: dict[str, Any] = {
        "file_label": f"Levelling Up Index, wave {wave_id}",
        "column_labels": {
            k: v if fmt == "sav" else v[:80]  # Stata's labels hold 80 characters
            for k, v in variable.items()
            if k in data.columns
        },
    }
    if fmt == "dta":
        labelled = {k: v for k, v in values.items() if k in data.columns}
        pyreadstat.write_dta(data, str(out), variable_value_labels=labelled, **common)
        return
    pyreadstat.write_sav(
        data,
        str(out),
        variable_value_labels={
            k: {float(code): label for code, label in v.items()}
            for k, v in values.items()
            if k in data.columns
        },
        missing_ranges={k: list(v) for k, v in missing.items() if k in data.columns},
        variable_format={"interview_date": "DATE11"},
        variable_measure={
            name: "scale" if name == "weight" or name.startswith("mission_") else "nominal"
            for name in data.columns
            if name != "interview_date"
        },
        **common,
    )


def _write_parquet(frame: pd.DataFrame, out: Path, wave_id: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    variable, values, missing = labels(wave_id)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for item in table.schema:
        meta: dict[str, Any] = {}
        if item.name in variable:
            meta["label"] = variable[item.name]
        if item.name in values:
            meta["value_labels"] = json.dumps({str(k): v for k, v in values[item.name].items()})
        if item.name in missing:
            meta["user_missing"] = json.dumps(missing[item.name])
        fields.append(item.with_metadata({k: str(v) for k, v in meta.items()}))
    pq.write_table(table.cast(pa.schema(fields)), out)


def export_wave(wave_id: str, out: Path, warehouse: Path | None = None) -> Path:
    """Write wave `wave_id` of the warehouse as a labelled respondent file (by out's suffix)."""
    wave_id = codebook.parse_wave_id(wave_id)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise LuiError(f"cannot tell the format of {out.name}: name it .sav, .dta or .parquet")
    source = Path(warehouse or warehouse_path()).resolve()
    if not source.exists():
        raise LuiError(f"no warehouse at {source}: land and build the wave first")
    with open_read_only(source, "the warehouse") as con:
        try:
            frame = respondent_frame(con, wave_id)
        except duckdb.CatalogException as error:
            raise LuiError(
                f"the warehouse {source} holds no mission scores: run `lui build` first"
            ) from error
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        _write_parquet(frame, out, wave_id)
    else:
        _write_spss_or_stata(frame, out, wave_id, fmt)
    return out
