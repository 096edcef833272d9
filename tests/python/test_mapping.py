"""Agency files as fieldwork delivers them: names, value labels, codes, missing values, dates.

Each test writes a small wave (`land_fixtures.valid_wave`) the way an agency would, lands it
with a copy of the codebook whose mapping seeds say how, and checks what reached the raw
tables, or that the refusal names the variable, the code and the label.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from land_fixtures import WAVE, raw_checksum, valid_wave, write

from lui import cli, codebook, contract
from lui.errors import LuiError
from lui.landing.land import land_file
from lui.landing.mapping import SourceMeta, map_wave, match_label, normalised_label, vocabulary
from lui.paths import CODEBOOK_DIR

QUESTION = "pay_income_feeling"  # income4: 1-4, 9 Don't know, 99 Prefer not to say
AGREE = next(q.code for q in codebook.questions_for_wave(WAVE) if q.scale_id == "agree5")
NO_REFUSAL = next(q.code for q in codebook.questions_for_wave(WAVE) if q.scale_id == "knowledge5")


def mapping_dir(directory: Path, variables: str = "", codes: str = "") -> Path:
    """A codebook copy whose mapping seeds hold the given rows."""
    copy = directory / "codebook"
    shutil.copytree(CODEBOOK_DIR, copy, dirs_exist_ok=True)
    (copy / "source_variables.csv").write_text(
        "source_variable,target,first_wave,last_wave\n" + variables, encoding="utf-8"
    )
    (copy / "source_codes.csv").write_text(
        "source_variable,source_code,response_code,first_wave,last_wave\n" + codes,
        encoding="utf-8",
    )
    return copy


def sav(frame: pd.DataFrame, path: Path, labels=None, missing=None, formats=None) -> Path:
    import pyreadstat

    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype) in ("Int64", "Int8"):
            out[column] = out[column].astype("float64")
    out["interview_date"] = pd.to_datetime(out["interview_date"])
    pyreadstat.write_sav(
        out,
        str(path),
        variable_value_labels=labels or {},
        missing_ranges=missing or {},
        variable_format=formats or {},
    )
    return path


def responses(warehouse: Path, question: str) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select respondent_id, response_code from raw.responses where question_code = ?",
            [question],
        ).fetchall()
    return dict(rows)


def expected(frame: pd.DataFrame, question: str, recode=None) -> dict[str, int]:
    recode = recode or {}
    return {
        rid: recode.get(int(code), int(code))
        for rid, code in zip(frame["respondent_id"], frame[question], strict=True)
        if pd.notna(code) and recode.get(int(code), int(code)) is not None
    }


def refusal(path: Path, tmp_path: Path, codebook_dir: Path = CODEBOOK_DIR) -> str:
    warehouse = tmp_path / "w.duckdb"
    before = raw_checksum(warehouse)
    with pytest.raises(LuiError) as error:
        land_file(path, WAVE, warehouse, codebook_dir=codebook_dir)
    assert raw_checksum(warehouse) == before
    return str(error.value)


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------
def test_labels_match_ignoring_case_punctuation_and_the_documented_synonyms() -> None:
    _, answers = vocabulary("town_centre_sat") or ("", [])
    assert normalised_label("Don\u2019t  Know!") == "dont know"
    assert match_label("VERY SATISFIED", answers).code == 1
    assert match_label("very dissatisfied.", answers).code == 5
    assert match_label("DK", answers).code == 9
    assert match_label("Refused", answers).code == 99
    assert match_label("Quite satisfied", answers) is None
    _, wellbeing = vocabulary("wb_life_satisfaction") or ("", [])
    assert (match_label("Not at all", wellbeing).code, match_label("10", wellbeing).code) == (0, 10)
    _, imd = vocabulary("imd_quintile") or ("", [])
    assert [match_label(x, imd).code for x in ("1 - Most deprived", "3", "least deprived")] == [
        1,
        3,
        5,
    ]


def test_reversed_labels_are_recoded_to_the_scale(tmp_path: Path) -> None:
    frame = valid_wave()
    reverse = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
    frame[AGREE] = frame[AGREE].map(lambda c: reverse.get(c, c) if pd.notna(c) else c)
    labels = {
        AGREE: {
            1.0: "Strongly disagree",
            2.0: "Tend to disagree",
            3.0: "Neither agree nor disagree",
            4.0: "Tend to agree",
            5.0: "Strongly agree",
            9.0: "Don't know",
            99.0: "Prefer not to say",
        }
    }
    warehouse = tmp_path / "w.duckdb"
    land_file(sav(frame, tmp_path / "wave.sav", labels), WAVE, warehouse)
    assert responses(warehouse, AGREE) == expected(frame, AGREE, reverse)


def test_user_missing_dont_know_and_prefer_not_to_say_keep_their_answers(tmp_path: Path) -> None:
    """The usual SPSS delivery: 9 and 99 declared user-missing. They are answers on the scale
    (Don't know scores 0 and counts), so they land, not as 'not asked'."""
    frame = valid_wave()
    labels = {QUESTION: {float(p.code): p.label for p in codebook.scale_points()["income4"]}}
    missing = {QUESTION: [9, 99]}
    warehouse = tmp_path / "w.duckdb"
    land_file(sav(frame, tmp_path / "wave.sav", labels, missing), WAVE, warehouse)
    got = responses(warehouse, QUESTION)
    assert got == expected(frame, QUESTION)
    assert {9, 99} <= set(got.values())


def test_refusal_codes_on_a_scale_without_refusal_become_not_answered(tmp_path: Path) -> None:
    frame = valid_wave()
    frame[NO_REFUSAL] = frame[NO_REFUSAL].astype("float64")
    frame.loc[[1, 2, 3], NO_REFUSAL] = 99.0  # knowledge5 has no 99
    frame.loc[[4], NO_REFUSAL] = 97.0
    labels = {
        NO_REFUSAL: {
            **{float(p.code): p.label for p in codebook.scale_points()["knowledge5"]},
            99.0: "Refused",
            97.0: "Not asked",
        }
    }
    warehouse = tmp_path / "w.duckdb"
    land_file(sav(frame, tmp_path / "wave.sav", labels), WAVE, warehouse)
    assert responses(warehouse, NO_REFUSAL) == expected(frame, NO_REFUSAL, {99: None, 97: None})


def test_labelled_respondent_columns_are_read_through_their_labels(tmp_path: Path) -> None:
    frame = valid_wave()
    codes = {g: i for i, g in enumerate(contract.GENDERS, start=1)}
    bands = {b: i for i, b in enumerate(contract.AGE_BANDS, start=1)}
    frame["gender"] = frame["gender"].map(codes).astype("float64")
    frame["age_band"] = frame["age_band"].map(bands).astype("float64")
    labels = {
        "gender": {1.0: "MALE", 2.0: "female", 3.0: "In another way"},
        "age_band": {float(i): b.replace("-", " - ") for b, i in bands.items()},
    }
    warehouse = tmp_path / "w.duckdb"
    land_file(sav(frame, tmp_path / "wave.sav", labels), WAVE, warehouse)
    original = valid_wave()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute(
            "select gender, age_band from raw.respondents order by respondent_id"
        ).fetchall()
    assert got == list(zip(original["gender"], original["age_band"], strict=True))


def test_a_label_on_no_scale_is_refused_by_name(tmp_path: Path) -> None:
    frame = valid_wave().rename(columns={QUESTION: "Q1"})
    labels = {"Q1": {1.0: "Living comfortably", 2.0: "Quite comfortable", 9.0: "DK"}}
    labels["Q1"].update({3.0: "Finding it difficult on present income", 4.0: "x", 99.0: "Ref"})
    codebook_dir = mapping_dir(tmp_path, f"Q1,{QUESTION},,\n")
    message = refusal(sav(frame, tmp_path / "wave.sav", labels), tmp_path, codebook_dir)
    assert (
        "Q1: label 'Quite comfortable' (code 2) is not on scale income4; its labels are "
        "'Living comfortably on present income' (1), 'Coping on present income' (2)"
    ) in message
    assert "Q1: label 'Living comfortably' (code 1) is not on scale income4" in message


def test_a_code_without_a_label_is_refused_by_name(tmp_path: Path) -> None:
    frame = valid_wave()
    labels = {
        QUESTION: {
            float(p.code): p.label for p in codebook.scale_points()["income4"] if p.code != 3
        }
    }
    message = refusal(sav(frame, tmp_path / "wave.sav", labels), tmp_path)
    count = int((frame[QUESTION] == 3).sum())
    assert f"{QUESTION}: code 3 ({count:,} answers) has no value label" in message


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------
def test_agency_names_are_matched_case_insensitively_and_ignored_variables_dropped(
    tmp_path: Path,
) -> None:
    frame = valid_wave().rename(columns={"weight": "WT_FINAL", QUESTION: "q1"})
    frame["Panel_Flag"] = 1
    codebook_dir = mapping_dir(
        tmp_path, f"wt_final,weight,,\nQ1,{QUESTION},,\npanel_flag,ignore,,\n"
    )
    warehouse = tmp_path / "w.duckdb"
    result = land_file(
        write(frame, tmp_path / "wave.parquet"), WAVE, warehouse, codebook_dir=codebook_dir
    )
    assert result.status == "landed"
    assert responses(warehouse, QUESTION) == expected(valid_wave(), QUESTION)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        checksum = con.execute("select mapping_sha256 from raw.landing_log").fetchone()[0]
    assert result.report_path is not None
    report = json.loads((result.report_path.parent / "results.json").read_text())
    assert report["mapping_sha256"] == checksum and len(checksum) == 64
    mapped = {c["source"]: (c["target"], c["how"]) for c in report["mapping"]["columns"]}
    assert mapped["WT_FINAL"] == ("weight", "source_variables.csv")
    assert mapped["q1"] == (QUESTION, "source_variables.csv")
    assert mapped["Panel_Flag"] == (None, "ignored (source_variables.csv)")
    assert html.escape("WT_FINAL -> weight (source_variables.csv)") in (
        result.report_path.read_text(encoding="utf-8")
    )


def test_two_variables_for_one_target_are_refused(tmp_path: Path) -> None:
    frame = valid_wave()
    frame["Q1"] = frame[QUESTION]
    codebook_dir = mapping_dir(tmp_path, f"Q1,{QUESTION},,\n")
    message = refusal(write(frame, tmp_path / "wave.parquet"), tmp_path, codebook_dir)
    assert f"{QUESTION} and Q1 are all {QUESTION} in wave {WAVE}" in message


def test_two_source_variables_for_one_target_in_the_seed_are_a_codebook_error(
    tmp_path: Path,
) -> None:
    frame = valid_wave().rename(columns={QUESTION: "Q1"})
    codebook_dir = mapping_dir(tmp_path, f"Q1,{QUESTION},,\nQ1b,{QUESTION},2022-02,2022-08\n")
    message = refusal(write(frame, tmp_path / "wave.parquet"), tmp_path, codebook_dir)
    assert (
        f"codebook error: source_variables.csv maps both Q1 and Q1b to {QUESTION.lower()} "
        f"in wave {WAVE}"
    ) in message


def test_source_codes_recode_an_unlabelled_parquet_with_nan(tmp_path: Path) -> None:
    frame = valid_wave().rename(columns={AGREE: "Q9"})
    theirs = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1, 9: 98, 99: 99}
    values = frame["Q9"].map(lambda c: float(theirs[c]) if pd.notna(c) else np.nan)
    table = pa.Table.from_pandas(frame.drop(columns=["Q9"]), preserve_index=False)
    table = table.append_column("Q9", pa.array(values.to_numpy(), from_pandas=False))
    assert pc_nan_count(table.column("Q9")) > 0
    path = tmp_path / "wave.parquet"
    pq.write_table(table, path)
    rows = "".join(f"Q9,{t},{o},,\n" for o, t in theirs.items())
    codebook_dir = mapping_dir(tmp_path, f"Q9,{AGREE},,\n", rows)
    warehouse = tmp_path / "w.duckdb"
    land_file(path, WAVE, warehouse, codebook_dir=codebook_dir)
    assert responses(warehouse, AGREE) == expected(valid_wave(), AGREE)


def pc_nan_count(column: pa.ChunkedArray) -> int:
    import pyarrow.compute as pc

    return int(pc.sum(pc.is_nan(column)).as_py() or 0)


def test_a_code_missing_from_source_codes_is_refused_by_name(tmp_path: Path) -> None:
    frame = valid_wave().rename(columns={QUESTION: "Q1"})
    codebook_dir = mapping_dir(tmp_path, f"Q1,{QUESTION},,\n", "Q1,1,1,,\nQ1,2,2,,\n")
    message = refusal(write(frame, tmp_path / "wave.parquet"), tmp_path, codebook_dir)
    assert "Q1: code 3 (" in message and "is not in source_codes.csv for Q1" in message


# --------------------------------------------------------------------------------------------
# Values and types
# --------------------------------------------------------------------------------------------
def test_float_small_int_unsigned_and_numeric_text_codes_land(tmp_path: Path) -> None:
    frame = valid_wave()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    questions = [q.code for q in codebook.questions_for_wave(WAVE)]
    kinds = [pa.float64(), pa.int8(), pa.uint8(), pa.uint64(), pa.string()]
    for index, question in enumerate(questions):
        kind = kinds[index % len(kinds)]
        column = table.column(question)
        if kind == pa.string():
            column = pc_strings(column)
        table = table.set_column(table.column_names.index(question), question, column.cast(kind))
    path = tmp_path / "wave.parquet"
    pq.write_table(table, path)
    warehouse = tmp_path / "w.duckdb"
    result = land_file(path, WAVE, warehouse)
    assert result.answers == int(frame[questions].notna().sum().sum())
    assert responses(warehouse, QUESTION) == expected(frame, QUESTION)


def pc_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Codes as padded text, with '.' for an empty answer (as some exports write it)."""
    values = [" " + str(v) + " " if v is not None else "." for v in column.to_pylist()]
    return pa.chunked_array([pa.array(values, pa.string())])


def test_uint64_at_its_maximum_is_refused_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = valid_wave()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    values = [int(v) if v is not None else None for v in table.column(QUESTION).to_pylist()]
    values[3] = 2**64 - 1
    index = table.column_names.index(QUESTION)
    table = table.set_column(index, QUESTION, pa.array(values, pa.uint64()))
    path = tmp_path / "wave.parquet"
    pq.write_table(table, path)
    code = cli.main(["land", str(path), "--wave", WAVE, "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"{QUESTION} is integer out of range, expected integer (1 row, e.g. R00003=" in err


def test_day_first_uk_dates_land(tmp_path: Path) -> None:
    frame = valid_wave()
    frame["interview_date"] = [d.strftime("%d/%m/%Y") for d in frame["interview_date"]]
    warehouse = tmp_path / "w.duckdb"
    land_file(write(frame, tmp_path / "wave.csv"), WAVE, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute("select interview_date from raw.respondents order by respondent_id")
        dates = [row[0] for row in got.fetchall()]
    assert dates == list(valid_wave()["interview_date"])


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/09/2022", "'31/09/2022' is no date"),
        ("2022-02-30", "'2022-02-30' is no date"),
        ("10/08/22", "'10/08/22' has a two-digit year, which is ambiguous"),
        ("08/13/2022", "'08/13/2022' is no date"),
    ],
)
def test_impossible_or_ambiguous_dates_are_refused_by_name(
    value: str, reason: str, tmp_path: Path
) -> None:
    frame = valid_wave()
    frame["interview_date"] = frame["interview_date"].astype(str)
    frame.loc[3, "interview_date"] = value
    message = refusal(write(frame, tmp_path / "wave.csv"), tmp_path)
    assert f"interview_date is text, expected date (1 row, e.g. R00003={value!r}" in message
    assert reason in message


def test_a_parquet_date_in_year_10183_is_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pa.Table.from_pandas(valid_wave(), preserve_index=False)
    days = table.column("interview_date").cast(pa.int32()).to_pylist()
    days[5] = 3_000_000  # year 10183
    index = table.column_names.index("interview_date")
    table = table.set_column(index, "interview_date", pa.array(days, pa.int32()).cast(pa.date32()))
    path = tmp_path / "wave.parquet"
    pq.write_table(table, path)
    code = cli.main(["land", str(path), "--wave", WAVE, "--warehouse", str(tmp_path / "w.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "interview_date is impossible date, expected date (1 row, e.g. R00005='10183-" in err


def test_spss_date_variables_land(tmp_path: Path) -> None:
    frame = valid_wave()
    warehouse = tmp_path / "w.duckdb"
    land_file(
        sav(frame, tmp_path / "wave.sav", formats={"interview_date": "DATE11"}), WAVE, warehouse
    )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        first = con.execute(
            "select interview_date from raw.respondents where respondent_id = 'R00000'"
        ).fetchone()[0]
    assert first == frame.loc[0, "interview_date"]


# --------------------------------------------------------------------------------------------
# lui inspect
# --------------------------------------------------------------------------------------------
def test_inspect_prints_the_mapping_and_lands_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = valid_wave()
    labels = {
        QUESTION: {float(p.code): p.label.upper() for p in codebook.scale_points()["income4"]}
    }
    labels[QUESTION][9.0] = "DK"
    path = sav(frame, tmp_path / "wave.sav", labels, {QUESTION: [99]})
    code = cli.main(["inspect", str(path), "--wave", WAVE])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{QUESTION} -> {QUESTION} (same name): labels on scale income4: " in out
    assert "9 'DK' -> 9" in out and "99 'PREFER NOT TO SAY' (user-missing) -> 99" in out
    assert out.rstrip().endswith("nothing was landed")

    frame["favourite_colour"] = 1
    code = cli.main(["inspect", str(write(frame, tmp_path / "odd.parquet")), "--wave", WAVE])
    captured = capsys.readouterr()
    assert code == 2
    assert "favourite_colour: not in the codebook" in captured.out
    assert "odd.parquet would be refused: 1 problem" in captured.err


def test_user_missing_codes_of_unlabelled_variables_and_odd_values() -> None:
    """Without labels a user-missing code keeps its answer only if the scale has it; text
    and huge values are refused by name, not a traceback."""
    table = pa.table(
        {
            QUESTION: pa.array(["1", "x", "99", "98"]),
            AGREE: pa.array([1.0, 2.0**40, 99.0, 5.0]),
        }
    )
    meta = SourceMeta(missing_ranges={QUESTION: [(98, 99)], AGREE: [(99, 99)]})
    mapped, mapping = map_wave(table, meta, WAVE)
    assert mapped.column(QUESTION).to_pylist() == [1, None, 99, None]
    assert mapped.column(AGREE).to_pylist() == [1, None, 99, 5]
    assert mapping.problems == [
        f"{QUESTION}: 'x' is not a code (1 answer)",
        f"{AGREE}: '1099511627776' is not a code (1 answer)",
    ]
