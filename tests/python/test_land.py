"""`lui land`: the Great Expectations gate, clean refusals and atomic, idempotent wave loads."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from land_fixtures import WAVE, raw_checksum, valid_wave, write

from lui import cli, codebook, contract
from lui.landing.land import land_file

OTHER_WAVE = "2022-02"
QUESTION = "pay_income_feeling"  # scale income4: codes 1-4, 9, 99


# --------------------------------------------------------------------------------------------
# Bad files: each builds a file in a directory and names the reason the refusal must print
# --------------------------------------------------------------------------------------------
def _frame_file(change: Callable[[pd.DataFrame], pd.DataFrame | None], suffix: str = "parquet"):
    def build(directory: Path) -> Path:
        frame = valid_wave()
        changed = change(frame)
        return write(frame if changed is None else changed, directory / f"wave.{suffix}")

    return build


def _set(column: str, rows: list[int], value: object, suffix: str = "parquet"):
    def change(frame: pd.DataFrame) -> None:
        if frame[column].dtype == "Int64" and not isinstance(value, int | type(None)):
            frame[column] = frame[column].astype("float64" if isinstance(value, float) else object)
        elif frame[column].dtype != object and isinstance(value, str):
            frame[column] = frame[column].astype(object)
        frame.loc[rows, column] = value

    return _frame_file(change, suffix)


def _bytes(content: bytes, name: str = "wave.csv"):
    def build(directory: Path) -> Path:
        path = directory / name
        path.write_bytes(content)
        return path

    return build


def _csv_text(directory: Path) -> str:
    return write(valid_wave(), directory / "valid.csv").read_text(encoding="utf-8")


def _csv_variant(transform: Callable[[str], bytes]):
    def build(directory: Path) -> Path:
        path = directory / "wave.csv"
        path.write_bytes(transform(_csv_text(directory)))
        return path

    return build


def _truncated_parquet(directory: Path) -> Path:
    path = write(valid_wave(), directory / "full.parquet")
    data = path.read_bytes()
    bad = directory / "wave.parquet"
    bad.write_bytes(data[: len(data) // 2])
    return bad


def _truncated_sav(directory: Path) -> Path:
    path = write(valid_wave(), directory / "full.sav")
    data = path.read_bytes()
    bad = directory / "wave.sav"
    bad.write_bytes(data[: len(data) // 3])
    return bad


def _sav_with_labels_not_codes(directory: Path) -> Path:
    """An SPSS export with value labels, but the answers as label text instead of codes."""
    import pyreadstat

    frame = valid_wave()
    scale = codebook.questions()[QUESTION].scale_id
    labels = {p.code: p.label for p in codebook.scale_points()[scale]}
    frame[QUESTION] = frame[QUESTION].map(lambda c: labels.get(c, "") if pd.notna(c) else "")
    for column in frame.columns:
        if str(frame[column].dtype) == "Int64":
            frame[column] = frame[column].astype("float64")
    frame["interview_date"] = pd.to_datetime(frame["interview_date"])
    value_labels = {
        q.code: {float(p.code): p.label for p in codebook.scale_points()[q.scale_id]}
        for q in codebook.questions_for_wave(WAVE)
        if q.code != QUESTION
    }
    path = directory / "wave.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=value_labels)
    return path


def _two_supergroups(frame: pd.DataFrame) -> None:
    la = frame["la_code"].value_counts().index[0]
    rows = frame.index[frame["la_code"] == la]
    frame.loc[rows[0], "supergroup"] = next(
        s for s in contract.SUPERGROUPS if s != frame.loc[rows[0], "supergroup"]
    )


def _low_answer_rate(frame: pd.DataFrame) -> None:
    frame.loc[frame.index[10:], QUESTION] = pd.NA


def _no_answers_for_one(frame: pd.DataFrame) -> None:
    for question in codebook.questions_for_wave(WAVE):
        frame.loc[3, question.code] = pd.NA


def _dates_next_month(frame: pd.DataFrame) -> None:
    frame["interview_date"] = [d + pd.Timedelta(days=31) for d in frame["interview_date"]]


def _non_whole_codes(frame: pd.DataFrame) -> None:
    frame[QUESTION] = frame[QUESTION].astype("float64")
    frame.loc[[4, 5], QUESTION] = 2.5


def _header_only(directory: Path) -> Path:
    path = directory / "wave.csv"
    path.write_text(_csv_text(directory).splitlines()[0] + "\n", encoding="utf-8")
    return path


def _ragged(text: str) -> bytes:
    lines = text.splitlines()
    lines[5] = ",".join(lines[5].split(",")[:20])
    return ("\n".join(lines) + "\n").encode()


def _latin1(text: str) -> bytes:
    return text.replace("R00007", "R0000é", 1).encode("latin-1")


BAD_FILES: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    # name: (build, wave id, reason printed)
    "missing respondent column": (
        _frame_file(lambda f: f.drop(columns=["gender"])),
        WAVE,
        "1 column missing: gender",
    ),
    "missing question column": (
        _frame_file(lambda f: f.drop(columns=[QUESTION])),
        WAVE,
        f"missing: {QUESTION}",
    ),
    "column unknown to the codebook": (
        _frame_file(lambda f: f.assign(favourite_colour=1)),
        WAVE,
        "unknown column: favourite_colour",
    ),
    "question not asked in this wave": (
        _frame_file(lambda f: f.assign(home_broadband_sat=1)),
        WAVE,
        "unknown column: home_broadband_sat",
    ),
    "text in the weight column": (
        _set("weight", [3], "heavy", "csv"),
        WAVE,
        "weight is text, expected number (1 row, e.g. R00003='heavy'",
    ),
    "text in the date column": (
        _set("interview_date", [8], "last tuesday", "csv"),
        WAVE,
        "interview_date is text, expected date",
    ),
    "duplicate respondent_id": (
        _set("respondent_id", [5, 6], "R00001"),
        WAVE,
        "respondent_id is unique: 3 rows, e.g. row 2='R00001'",
    ),
    "empty respondent_id": (
        _set("respondent_id", [9], None),
        WAVE,
        "respondent_id is never empty: 1 row, e.g. row 10=empty",
    ),
    "weight not above zero": (
        _set("weight", [12, 44], -1.0),
        WAVE,
        "weight is a finite number above 0: 2 rows, e.g. R00012=-1.0, R00044=-1.0",
    ),
    "weight out of line with the rest": (
        _set("weight", [7], 1e4),
        WAVE,
        "weight within a factor of 1,000 of the wave's median weight "
        "(so the largest is at most 1e6 times the smallest): 1 row, e.g. R00007=10000.0",
    ),
    "interview date outside fieldwork": (
        _set("interview_date", [2], pd.Timestamp("2023-01-05").date()),
        WAVE,
        "interview_date inside the fieldwork window 2022-08-01 to 2022-10-01: 1 row",
    ),
    "fieldwork starts in another month": (
        _frame_file(_dates_next_month),
        WAVE,
        "fieldwork starts in the wave's month",
    ),
    "la_code not in the lookup": (
        _set("la_code", [1], "E99999999"),
        WAVE,
        "la_code is in the local authority lookup: 1 row, e.g. R00001='E99999999'",
    ),
    "imd_quintile out of range": (
        _set("imd_quintile", [0], 6),
        WAVE,
        "imd_quintile is 1..5: 1 row, e.g. R00000=6",
    ),
    "urban_rural outside its value set": (
        _set("urban_rural", [2], "urban"),
        WAVE,
        "urban_rural is one of Urban, Rural: 1 row",
    ),
    "supergroup misspelt": (
        _set("supergroup", [3], "Affluent england"),
        WAVE,
        "supergroup is one of the eight ONS supergroups",
    ),
    "age_band outside its value set": (
        _set("age_band", [4], "16 to 24"),
        WAVE,
        "age_band is one of",
    ),
    "gender outside its value set": (_set("gender", [5], "M"), WAVE, "gender is one of"),
    "two supergroups in one local authority": (
        _frame_file(_two_supergroups),
        WAVE,
        "one supergroup per local authority",
    ),
    "answer code not on the scale": (
        _set(QUESTION, [6], 7),
        WAVE,
        f"every answer code is defined by its question's scale: 1 answer with 1 undefined "
        f"code on 1 question, e.g. {QUESTION}=7 (R00006)",
    ),
    "answer codes not whole numbers": (
        _frame_file(_non_whole_codes),
        WAVE,
        f"{QUESTION} is number, expected integer (2 rows",
    ),
    "question hardly answered": (
        _frame_file(_low_answer_rate),
        WAVE,
        f"every question is answered by at least 10% of respondents: 1 question, "
        f"e.g. {QUESTION}=4%",
    ),
    "respondent with no answers": (
        _frame_file(_no_answers_for_one),
        WAVE,
        "every respondent answered at least 1 question: 1 row, e.g. R00003=0",
    ),
    "empty wave (header only)": (_header_only, WAVE, "the wave has respondents: 0 rows"),
    # unreadable input
    "missing file": (lambda d: d / "nowhere.parquet", WAVE, "file not found:"),
    "empty file": (_bytes(b""), WAVE, "file is empty:"),
    "truncated parquet": (_truncated_parquet, WAVE, "is not a readable Parquet file"),
    "truncated sav": (_truncated_sav, WAVE, "is not a readable SPSS .sav file"),
    "csv with semicolons": (
        _csv_variant(lambda t: t.replace(",", ";").encode()),
        WAVE,
        "is delimited by semicolons, not commas",
    ),
    "csv in latin-1": (_csv_variant(_latin1), WAVE, "is not UTF-8 text"),
    "csv in utf-16": (_csv_variant(lambda t: t.encode("utf-16")), WAVE, "is UTF-16 text"),
    "csv with a short row": (_csv_variant(_ragged), WAVE, "is not a well-formed CSV file"),
    "sav with labels where codes belong": (
        _sav_with_labels_not_codes,
        WAVE,
        f"{QUESTION} is text, expected integer",
    ),  # ...and the hint "these are answer labels: export the income4 codes instead"
    "unknown file type": (_bytes(b"PK\x03\x04", "wave.xlsx"), WAVE, "cannot tell the format"),
    "wave id not YYYY-MM": (
        _frame_file(lambda f: None),
        "2022-8",
        "wave id '2022-8' is not of the form YYYY-MM",
    ),
}


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding two valid waves, for refusals to leave unchanged."""
    directory = tmp_path_factory.mktemp("landed")
    warehouse = directory / "levelling_up.duckdb"
    land_file(write(valid_wave(), directory / "valid.parquet"), WAVE, warehouse)
    other = write(valid_wave(OTHER_WAVE, 150, seed=3), directory / "other.csv")
    land_file(other, OTHER_WAVE, warehouse)
    return warehouse


def _lui_land(
    path: Path, wave_id: str, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(["land", str(path), "--wave", wave_id, "--warehouse", str(warehouse)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_bad_file_table_is_big_enough() -> None:
    assert len(BAD_FILES) >= 20


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_refused_and_lands_nothing(
    case: str, landed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build, wave_id, reason = BAD_FILES[case]
    path = build(tmp_path)
    before = raw_checksum(landed)

    code, out, err = _lui_land(path, wave_id, landed, capsys)

    assert code == 2, (out, err)
    assert err.startswith("lui land: error: "), err
    assert reason in err, err
    assert "Traceback" not in err
    assert raw_checksum(landed) == before


def _visible_text(page: str) -> str:
    """The words of an HTML page as a browser shows them, on one line."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_failed_validation_keeps_the_full_report(
    landed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _set("weight", [12], 0.0)(tmp_path)
    code, _out, err = _lui_land(path, WAVE, landed, capsys)
    assert code == 2
    first, second = err.rstrip("\n").split("\n")  # what is wrong and what to do; the report
    assert first.startswith(f"lui land: error: wave {WAVE} refused, nothing landed (1 problem): ")
    assert first.endswith("correct the file (or the mapping seeds) and land it again")
    assert second.startswith("full report: ")
    report = Path(second.removeprefix("full report: "))
    if not report.is_absolute():
        report = Path.cwd() / report
    assert report.name == "index.html" and report.parent.parent.name == WAVE
    assert report.parent.parent.parent == landed.parent / "validation"
    results = json.loads((report.parent / "results.json").read_text())
    assert results["success"] is False
    respondents = results["results"]["respondents"]
    assert respondents["success"] is False
    assert respondents["statistics"]["unsuccessful_expectations"] == 1
    page = _visible_text((report.parent / "respondents.html").read_text())
    assert "Expectation Suite: respondents" in page
    assert "Status: Failed" in page
    assert "Unsuccessful Expectations 1 " in page
    # the one failing expectation: 1 of the 200 respondents' weights
    assert "0.5% unexpected" in page


def test_a_valid_file_lands_in_every_format(tmp_path: Path) -> None:
    frame = valid_wave()
    warehouse = tmp_path / "w.duckdb"
    expected_answers = int(
        frame.drop(columns=list(contract.RESPONDENT_COLUMNS)).notna().sum().sum()
    )
    for suffix, status in (("csv", "landed"), ("parquet", "replaced"), ("sav", "replaced")):
        result = land_file(write(frame, tmp_path / f"wave.{suffix}"), WAVE, warehouse)
        assert result.status == status
        assert (result.respondents, result.answers) == (len(frame), expected_answers)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        log = con.execute(
            "select file_format, respondents, answers, validation_outcome, replaced_previous "
            "from raw.landing_log order by landed_at"
        ).fetchall()
        assert log == [
            ("csv", 200, expected_answers, "passed", False),
            ("parquet", 200, expected_answers, "passed", True),
            ("sav", 200, expected_answers, "passed", True),
        ]
        row = con.execute(
            "select weight, interview_date, imd_quintile from raw.respondents "
            "where respondent_id = 'R00000'"
        ).fetchone()
        assert row == (
            frame.loc[0, "weight"],
            frame.loc[0, "interview_date"],
            frame.loc[0, "imd_quintile"],
        )
        code = con.execute(
            "select response_code from raw.responses where respondent_id = 'R00000' "
            "and question_code = ?",
            [QUESTION],
        ).fetchone()
        # an empty answer has no row in raw.responses (long: one row per answer given)
        given = frame.loc[0, QUESTION]
        assert code == (None if pd.isna(given) else (int(given),))


def test_landing_the_same_file_twice_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    warehouse = tmp_path / "w.duckdb"
    path = write(valid_wave(), tmp_path / "wave.parquet")
    assert land_file(path, WAVE, warehouse).status == "landed"
    before = raw_checksum(warehouse)
    code, out, _err = _lui_land(path, WAVE, warehouse, capsys)
    assert code == 0
    assert "unchanged" in out
    assert raw_checksum(warehouse) == before


def test_landing_a_wave_again_replaces_it_and_leaves_other_waves(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    land_file(write(valid_wave(WAVE, 200), tmp_path / "first.parquet"), WAVE, warehouse)
    land_file(write(valid_wave(OTHER_WAVE, 120, 5), tmp_path / "o.csv"), OTHER_WAVE, warehouse)

    def other_wave_rows() -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return [
                con.execute(
                    f"select * from raw.{t} where wave_id = ? order by all", [OTHER_WAVE]
                ).fetchall()
                for t in ("respondents", "responses", "landing_log")
            ]

    other_before = other_wave_rows()
    second = valid_wave(WAVE, 150, seed=99)
    result = land_file(write(second, tmp_path / "second.parquet"), WAVE, warehouse)
    assert result.status == "replaced"
    assert other_wave_rows() == other_before
    with duckdb.connect(str(warehouse), read_only=True) as con:
        count = con.execute(
            "select count(*) from raw.respondents where wave_id = ?", [WAVE]
        ).fetchone()
        log = con.execute(
            "select file_name, respondents, replaced_previous from raw.landing_log "
            "where wave_id = ? order by landed_at",
            [WAVE],
        ).fetchall()
    assert count == (150,)
    assert log == [("first.parquet", 200, False), ("second.parquet", 150, True)]


def test_a_locked_warehouse_is_refused(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True);"
            " time.sleep(60)",
            str(warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(Exception, match="in use by another process"):
            land_file(write(valid_wave(), tmp_path / "wave.parquet"), WAVE, warehouse)
    finally:
        holder.kill()
        holder.wait()


def _big_wave(path: Path, respondents: int) -> Path:
    return write(valid_wave(WAVE, respondents, seed=11), path)


@pytest.mark.parametrize(
    "moment", ["before commit", "after commit"], ids=["before-commit", "after-commit"]
)
def test_a_kill_at_either_pause_point_leaves_the_previous_or_the_whole_new_wave(
    tmp_path: Path, moment: str
) -> None:
    """SIGKILL at a test hook of the landing transaction (LUI_TEST_PAUSE_BEFORE_COMMIT /
    LUI_TEST_PAUSE_AFTER_COMMIT): before the commit the raw tables stay byte for byte as
    they were; after it, the next open replays the write-ahead log to the whole new wave."""
    from lui.landing import raw

    warehouse = tmp_path / "w.duckdb"
    land_file(write(valid_wave(), tmp_path / "first.parquet"), WAVE, warehouse)
    before = raw_checksum(warehouse)
    second = _big_wave(tmp_path / "second.parquet", 5_000)
    hook = raw.PAUSE_HOOK if moment == "before commit" else raw.PAUSE_AFTER_COMMIT_HOOK
    env = dict(os.environ, LUI_WAREHOUSE=str(warehouse))
    env[hook] = "60"
    process = subprocess.Popen(
        [sys.executable, "-m", "lui.cli", "land", str(second), "--wave", WAVE, "--quiet"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert f"paused {moment}" in line, line
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with duckdb.connect(str(warehouse), read_only=True) as con:
        landed = con.execute(
            "select count(*) from raw.respondents where wave_id = ?", [WAVE]
        ).fetchone()[0]
        logged = con.execute("select count(*) from raw.landing_log").fetchone()[0]
    if moment == "before commit":
        assert raw_checksum(warehouse) == before
        assert (landed, logged) == (len(valid_wave()), 1)
    else:
        assert (landed, logged) == (5_000, 2)
    # the warehouse opens for writing; landing the file again replaces the first file's
    # wave, or finds the file already landed
    again = land_file(second, WAVE, warehouse).status
    assert again == ("replaced" if moment == "before commit" else "unchanged")


def test_large_file_streams_through_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file larger than one load chunk lands whole (chunks inside one transaction)."""
    from lui.landing import land

    monkeypatch.setattr(land, "LOAD_CHUNK_ROWS", 70)
    warehouse = tmp_path / "w.duckdb"
    frame = valid_wave()
    result = land_file(write(frame, tmp_path / "wave.parquet"), WAVE, warehouse)
    assert result.respondents == 200
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ids = con.execute("select count(distinct respondent_id) from raw.respondents").fetchone()
    assert ids == (200,)


def test_parquet_with_float_codes_and_dictionary_text_lands(tmp_path: Path) -> None:
    """Parquet as pandas writes it with NaN (float codes) and categoricals still lands."""
    frame = valid_wave()
    for question in codebook.questions_for_wave(WAVE):
        frame[question.code] = frame[question.code].astype("float64")
    frame["supergroup"] = frame["supergroup"].astype("category")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, tmp_path / "wave.parquet")
    result = land_file(tmp_path / "wave.parquet", WAVE, tmp_path / "w.duckdb")
    assert result.respondents == 200
    assert result.answers == int(
        np.sum(frame[[q.code for q in codebook.questions_for_wave(WAVE)]].notna().to_numpy())
    )
