"""Fieldwork files as a researcher meets them (issue 28): the variable view of `lui inspect`,
a drafted mapping, the codebook as a data dictionary, multiple-response sets mapped as a
set, dates read per column, .por and .zsav by their bytes, each mapping problem once, and
user-missing values on key columns refused."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyreadstat
import pytest
from handmade import HANDMADE_RESPONDENTS
from land_fixtures import WAVE, valid_wave
from spss_files import add_mr_sets, category_set, dichotomy_set
from test_mapping import mapping_dir, refusal, responses, sav

from lui import cli, codebook
from lui.demo.agency import write_agency_wave
from lui.demo.generate import generate_frame
from lui.errors import LuiError
from lui.landing.land import land_file
from lui.landing.variables import inspect_variables
from lui.landing.wavefile import read_source
from lui.paths import CODEBOOK_DIR

QUESTION = "pay_income_feeling"  # income4
PRIORITIES = [q for q in codebook.questions_for_wave(WAVE) if q.group == "priority"]


# --------------------------------------------------------------------------------------------
# lui inspect: the variable view, the draft mapping, the codebook
# --------------------------------------------------------------------------------------------
def test_inspect_shows_labels_missing_codes_sets_and_suggestions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = valid_wave().rename(columns={QUESTION: "V7"})
    frame.loc[:9, "V7"] = 99
    frame.loc[10:14, "V7"] = 8
    labels = {"V7": {float(p.code): p.label for p in codebook.scale_points()["income4"]}}
    labels["V7"].update({7.0: "Not asked", 8.0: "Refused"})
    path = sav(frame, tmp_path / "rich.sav", labels, {"V7": [7, 8, 99]})
    pyreadstat_labels = {"V7": "Q7. How do you feel about your household income nowadays?"}
    out, meta = pyreadstat.read_sav(str(path), user_missing=True)
    pyreadstat.write_sav(
        out,
        str(path),
        column_labels=pyreadstat_labels,
        variable_value_labels=labels,
        missing_ranges={"V7": [7, {"lo": 8, "hi": 8}, 99]},
        variable_format={"interview_date": "DATE11"},
    )
    add_mr_sets(path, [dichotomy_set("$PRIO", "Priorities", 1, [q.code for q in PRIORITIES])])
    assert cli.main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    system = int(frame["V7"].isna().sum())
    user = int(frame["V7"].isin([7, 8, 99]).sum())
    assert (
        "V7 'Q7. How do you feel about your household income nowadays?' [number F8.2]: "
        f"{200 - user - system} valid, {user} user-missing, {system} system-missing"
    ) in out
    assert "value labels: 1='Living comfortably on present income'" in out
    assert "user-missing: 7, 8, 99" in out
    assert "-> pay_income_feeling? (suggested: value labels on scale income4; label" in out
    assert "in multiple-response set $PRIO (multiple dichotomy, counted 1)" in out
    assert "set $PRIO 'Priorities' (multiple dichotomy): priority_crime" in out
    assert "weight [number F8.2]: 200 valid" in out and "-> weight (same name)" in out


@pytest.mark.slow
def test_a_drafted_mapping_lands_the_agency_wave(tmp_path: Path) -> None:
    """The README's example: the draft of `lui inspect --draft-mapping` lands the agency's
    .sav with no correction (its seeds otherwise as shipped)."""
    frame = generate_frame(WAVE, 300, 5)
    sav_path, *_ = write_agency_wave(frame, WAVE, tmp_path / "agency" / "wave.sav")
    draft = tmp_path / "draft.csv"
    assert cli.main(["inspect", str(sav_path), "--draft-mapping", str(draft)]) == 0
    rows = list(csv.DictReader(draft.open(encoding="utf-8")))
    assert {r["source_variable"]: r["target"] for r in rows}["wt_final"] == "weight"
    codebook_dir = tmp_path / "codebook"
    shutil.copytree(CODEBOOK_DIR, codebook_dir)
    shutil.copy(draft, codebook_dir / "source_variables.csv")
    result = land_file(sav_path, WAVE, tmp_path / "w.duckdb", codebook_dir=codebook_dir)
    assert result.status == "landed" and result.respondents == 300


def test_inspect_codebook_prints_the_data_dictionary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["inspect", "--codebook"]) == 0
    out = capsys.readouterr().out
    assert "  weight [number]" in out
    question = codebook.questions()[QUESTION]
    assert f"  {QUESTION} [mission, {question.topic}, missions 1]: {question.text}" in out
    assert "scale income4: 1='Living comfortably on present income' (+200)" in out
    assert '9="Don\'t know" (+0) [dont_know]' in out


# --------------------------------------------------------------------------------------------
# Multiple-response sets
# --------------------------------------------------------------------------------------------
def _picks(frame: pd.DataFrame, seed: int = 3) -> list[list[int]]:
    """Up to three priorities per respondent (some none at all), written into `frame`."""
    rng = np.random.default_rng(seed)
    picks = []
    for row in range(len(frame)):
        count = int(rng.integers(0, 4))
        chosen = sorted(rng.choice(len(PRIORITIES), size=count, replace=False).tolist())
        picks.append(chosen)
        for index, question in enumerate(PRIORITIES):
            frame.loc[row, question.code] = (1 if index in chosen else 0) if count else pd.NA
    return picks


def test_a_pick_up_to_three_category_set_maps_onto_the_priority_questions(
    tmp_path: Path,
) -> None:
    frame = valid_wave()
    picks = _picks(frame)
    agency = frame.drop(columns=[q.code for q in PRIORITIES])
    for slot in range(3):
        agency[f"P{slot + 1}"] = [
            float(chosen[slot] + 1) if slot < len(chosen) else np.nan for chosen in picks
        ]
    option_labels = {
        float(i + 1): q.text.split(": ")[-1].capitalize() for i, q in enumerate(PRIORITIES)
    }
    option_labels[99.0] = "None of these"
    slots = [f"P{slot + 1}" for slot in range(3)]
    path = sav(agency, tmp_path / "pick.sav", {s: option_labels for s in slots})
    add_mr_sets(path, [category_set("$PRIO", "Main priorities", slots)])
    codebook_dir = mapping_dir(tmp_path, "$PRIO,priority,,\n")
    lines, _ = inspect_variables(path, WAVE, codebook_dir)
    assert "  -> mapped with set $PRIO onto the priority questions" in lines
    warehouse = tmp_path / "w.duckdb"
    land_file(path, WAVE, warehouse, codebook_dir=codebook_dir)
    for question in PRIORITIES:
        assert responses(warehouse, question.code) == {
            rid: int(value)
            for rid, value in zip(frame["respondent_id"], frame[question.code], strict=True)
            if pd.notna(value)
        }


def test_a_dichotomy_set_maps_by_its_variable_labels(tmp_path: Path) -> None:
    frame = valid_wave()
    _picks(frame)
    agency = frame.rename(columns={q.code: f"Q50_{i}" for i, q in enumerate(PRIORITIES)})
    members = [f"Q50_{i}" for i in range(len(PRIORITIES))]
    path = sav(agency, tmp_path / "dich.sav")
    out, _ = pyreadstat.read_sav(str(path))
    pyreadstat.write_sav(
        out.iloc[:, :],
        str(path),
        column_labels={m: q.text for m, q in zip(members, PRIORITIES, strict=True)},
    )
    add_mr_sets(path, [dichotomy_set("$PRIO", "Main priorities", 1, members)])
    warehouse = tmp_path / "w.duckdb"
    land_file(path, WAVE, warehouse, codebook_dir=mapping_dir(tmp_path, "$PRIO,priority,,\n"))
    question = PRIORITIES[2].code
    assert responses(warehouse, question) == {
        rid: int(value)
        for rid, value in zip(frame["respondent_id"], frame[question], strict=True)
        if pd.notna(value)
    }


# --------------------------------------------------------------------------------------------
# Right reasons
# --------------------------------------------------------------------------------------------
SPSS_YEAR_20000 = 1.2e12  # seconds since 1582: beyond Python's datetime (year 9999)


def _dated(tmp_path: Path, column: str, row: int) -> Path:
    frame = valid_wave()
    frame["birth_date"] = pd.Timestamp("1980-05-01")
    path = sav(frame, tmp_path / "dates.sav", formats={"birth_date": "DATE11"})
    out, _ = pyreadstat.read_sav(str(path), disable_datetime_conversion=True)
    out.loc[row, column] = SPSS_YEAR_20000
    pyreadstat.write_sav(
        out, str(path), variable_format={"birth_date": "DATE11", "interview_date": "DATE11"}
    )
    return path


def test_a_date_beyond_python_in_an_unused_column_does_not_refuse_the_wave(
    tmp_path: Path,
) -> None:
    path = _dated(tmp_path, "birth_date", 3)
    result = land_file(
        path,
        WAVE,
        tmp_path / "w.duckdb",
        codebook_dir=mapping_dir(tmp_path, "birth_date,ignore,,\n"),
    )
    assert result.status == "landed"


def test_a_bad_date_in_a_used_column_names_the_column_and_the_respondent(tmp_path: Path) -> None:
    path = _dated(tmp_path, "interview_date", 3)
    message = refusal(path, tmp_path, mapping_dir(tmp_path, "birth_date,ignore,,\n"))
    assert "interview_date is impossible date, expected date (1 row, e.g. R00003=" in message


def test_por_and_zsav_are_known_by_their_bytes(tmp_path: Path) -> None:
    short = pd.DataFrame({"ID": ["a", "b"], "Q1": [1.0, 2.0]})
    por = tmp_path / "wave.por"
    pyreadstat.write_por(short, str(por))
    table, _, fmt = read_source(por)
    assert fmt == "por" and table.column("Q1").to_pylist() == [1.0, 2.0]
    named_sav = tmp_path / "por_named.sav"
    shutil.copy(por, named_sav)
    with pytest.raises(LuiError) as error:
        read_source(named_sav)
    assert str(error.value) == (
        "por_named.sav is an SPSS portable file, not an SPSS .sav file: name it .por"
    )
    frame = valid_wave()
    out = frame.copy()
    for column in out.columns:
        if str(out[column].dtype) == "Int64":
            out[column] = out[column].astype("float64")
    out["interview_date"] = pd.to_datetime(out["interview_date"])
    zsav = tmp_path / "wave.zsav"
    pyreadstat.write_sav(out, str(zsav), compress=True)
    result = land_file(zsav, WAVE, tmp_path / "w.duckdb")
    assert result.status == "landed" and result.respondents == 200


def test_a_label_on_no_scale_is_reported_once(tmp_path: Path) -> None:
    frame = valid_wave()
    labels = {QUESTION: {1.0: "Living comfortably", 2.0: "Coping on present income"}}
    message = refusal(sav(frame, tmp_path / "wave.sav", labels), tmp_path)
    assert message.count("'Living comfortably'") == 1
    assert "code 1 (" not in message  # not again as a code without a label


# --------------------------------------------------------------------------------------------
# User-missing values on key columns
# --------------------------------------------------------------------------------------------
def test_user_missing_weights_are_refused_with_the_codes(tmp_path: Path) -> None:
    frame = valid_wave()
    frame["weight"] = frame["weight"].astype("float64")
    frame.loc[0, "weight"] = -1.0
    frame.loc[1:2, "weight"] = 2500.0
    path = sav(frame, tmp_path / "wave.sav", missing={"weight": [-1, {"lo": 2000, "hi": 3000}]})
    message = refusal(path, tmp_path)
    assert (
        "weight (weight) holds 3 values it declares user-missing (-1, 2000 thru 3000): "
        "-1 x1, 2500 x2; a weight cannot be missing" in message
    )


def test_string_user_missing_ids_and_local_authorities_are_refused(tmp_path: Path) -> None:
    frame = valid_wave()
    frame.loc[5, "respondent_id"] = "NA"
    frame.loc[6, "la_code"] = "NOLA"
    path = sav(frame, tmp_path / "wave.sav", missing={"respondent_id": ["NA"], "la_code": ["NOLA"]})
    message = refusal(path, tmp_path)
    assert "respondent_id (respondent_id) holds 1 value it declares user-missing ('NA')" in message
    assert "la_code (la_code) holds 1 value it declares user-missing ('NOLA')" in message


def test_string_user_missing_answers_are_not_answered(tmp_path: Path) -> None:
    frame = valid_wave()
    text = frame[QUESTION].astype("string").fillna("")
    text[:4] = "X"
    frame[QUESTION] = text
    path = sav(frame, tmp_path / "wave.sav", missing={QUESTION: ["X"]})
    warehouse = tmp_path / "w.duckdb"
    land_file(path, WAVE, warehouse)
    answers = responses(warehouse, QUESTION)
    assert not any(rid in answers for rid in ("R00000", "R00001", "R00002", "R00003"))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.respondents").fetchone()[0] == 200


def test_a_refusal_sorts_its_lists_and_cuts_them_saying_how_many_more(tmp_path: Path) -> None:
    """12 unknown columns and 10 missing questions: each list sorted, its first 8 named,
    then "and N more"."""
    frame = valid_wave()
    questions = sorted(q.code for q in codebook.questions_for_wave(WAVE))
    dropped = questions[::-1][:10]  # dropped in reverse order
    frame = frame.drop(columns=dropped)
    for index in reversed(range(12)):
        frame[f"extra_{index:02d}"] = 1
    path = tmp_path / "wave.parquet"
    frame.to_parquet(path, index=False)
    message = refusal(path, tmp_path)
    missing = sorted(dropped)
    assert f"10 columns missing: {', '.join(missing[:8])} and 2 more" in message
    unknown = ", ".join(f"extra_{i:02d}" for i in range(8))
    assert f"12 unknown columns: {unknown} and 4 more" in message


# --------------------------------------------------------------------------------------------
# Large files: read in chunks, counted and mapped over the whole file
# --------------------------------------------------------------------------------------------
def _rich_sav(tmp_path: Path) -> tuple[Path, Path, str]:
    """A labelled .sav whose user-missing answers, unlabelled code and user-missing weights
    fall in different chunks of 7 rows; (file, mapping seeds, V7's counts as the variable
    view shows them)."""
    frame = valid_wave().rename(columns={QUESTION: "V7"})
    frame["weight"] = frame["weight"].astype("float64")
    frame.loc[[0, 150], "weight"] = -1.0
    frame.loc[[3, 77, 190], "V7"] = 99
    frame.loc[[12, 160], "V7"] = 8
    labels = {"V7": {float(p.code): p.label for p in codebook.scale_points()["income4"]}}
    labels["V7"].update({8.0: "Refused"})
    missing = {"V7": [8, 99], "weight": [-1]}
    path = sav(frame, tmp_path / "rich.sav", labels, missing)
    system, user = int(frame["V7"].isna().sum()), int(frame["V7"].isin([8, 99]).sum())
    counts = f"{200 - system - user} valid, {user} user-missing, {system} system-missing"
    return path, mapping_dir(tmp_path, f"V7,{QUESTION},,\n"), counts


def test_a_file_read_in_chunks_maps_and_counts_as_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lui.landing import wavefile

    path, codebook_dir, counts = _rich_sav(tmp_path)
    whole = wavefile.read_wave_file(path, wave_id=WAVE, codebook_dir=codebook_dir)
    view = inspect_variables(path, WAVE, codebook_dir)[0]
    monkeypatch.setattr(wavefile, "CHUNK_ROWS", 7)
    chunked = wavefile.read_wave_file(path, wave_id=WAVE, codebook_dir=codebook_dir)
    assert chunked.table.equals(whole.table)
    assert chunked.mapping is not None and whole.mapping is not None
    assert chunked.mapping.as_dict() == whole.mapping.as_dict()
    assert (
        "weight (weight) holds 2 values it declares user-missing (-1): -1 x2"
        in chunked.mapping.problems[0]
    )
    assert inspect_variables(path, WAVE, codebook_dir)[0] == view
    assert f"V7 [number F8.2]: {counts}" in view


def test_type_problems_of_several_chunks_are_counted_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lui.landing import wavefile

    frame = valid_wave()
    frame["weight"] = frame["weight"].astype("string")
    frame.loc[[3, 150], "weight"] = "abc"
    path = tmp_path / "wave.parquet"
    frame.to_parquet(path, index=False)
    monkeypatch.setattr(wavefile, "CHUNK_ROWS", 7)
    wave = wavefile.read_wave_file(path, wave_id=WAVE)
    problem = wave.type_problems["weight"]
    assert problem.count == 2
    assert problem.examples == [("R00003", "abc"), ("R00150", "abc")]
    assert wave.rows == 200


# --------------------------------------------------------------------------------------------
# Labelled files out
# --------------------------------------------------------------------------------------------
EXPORT_WAVE = "2023-02"


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".sav", ".dta", ".parquet"])
def test_export_writes_a_labelled_respondent_file(
    export_env: Path, tmp_path: Path, suffix: str
) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / f"wave{suffix}"
    code = cli.main(["export", "--wave", EXPORT_WAVE, "--out", str(out)])
    assert code == 0
    with duckdb.connect(str(export_env), read_only=True) as con:
        respondents = con.execute(
            "select count(*) from raw.respondents where wave_id = ?", [EXPORT_WAVE]
        ).fetchone()[0]
        first = con.execute(
            "select respondents.respondent_id, scores.mission_score"
            " from intermediate.int_respondent_mission_scores as scores"
            " inner join raw.respondents as respondents"
            " on scores.wave_id = respondents.wave_id"
            " and scores.respondent_key = respondents.respondent_key"
            " where scores.wave_id = ? and scores.mission_id = 1"
            " order by respondents.respondent_id limit 1",
            [EXPORT_WAVE],
        ).fetchone()
    question = codebook.questions()[QUESTION]
    if suffix == ".parquet":
        table = pq.read_table(out)
        assert table.num_rows == respondents
        field = table.schema.field(QUESTION)
        assert field.metadata[b"label"].decode() == question.text
        frame = table.to_pandas()
    else:
        if suffix == ".sav":
            frame, meta = pyreadstat.read_sav(str(out), user_missing=True)
        else:
            frame, meta = pyreadstat.read_dta(str(out))
        assert len(frame) == respondents
        stata_limit = 80  # a Stata variable label holds 80 characters
        label = question.text if suffix == ".sav" else question.text[:stata_limit]
        assert meta.column_names_to_labels[QUESTION] == label
        assert meta.variable_value_labels[QUESTION][1] == "Living comfortably on present income"
        if suffix == ".sav":
            assert meta.missing_ranges[QUESTION] == [{"lo": 99.0, "hi": 99.0}]
    row = frame[frame["respondent_id"] == first[0]].iloc[0]
    assert row["mission_1"] == pytest.approx(first[1])
    assert "weight" in frame.columns


@pytest.mark.slow
def test_the_exported_sav_reads_in_r_haven_with_its_labels(
    export_env: Path, tmp_path: Path
) -> None:
    out = tmp_path / "wave.sav"
    assert cli.main(["export", "--wave", EXPORT_WAVE, "--out", str(out)]) == 0
    script = (
        f'library(haven); d <- read_sav("{out}", user_na = TRUE); '
        f'x <- d${QUESTION}; cat(attr(x, "label"), "\\n"); '
        'labels <- attr(x, "labels"); cat(names(labels)[labels == 1], "\\n"); '
        'cat(attr(x, "na_values"), "\\n"); cat(nrow(d), "\\n")'
    )
    result = subprocess.run(
        ["Rscript", "-e", script], capture_output=True, text=True, check=True, timeout=120
    )
    lines = result.stdout.splitlines()
    assert lines[0].strip() == codebook.questions()[QUESTION].text
    assert lines[1].strip() == "Living comfortably on present income"
    assert lines[2].strip() == "99"
    assert int(lines[3]) == HANDMADE_RESPONDENTS


@pytest.fixture
def export_env(built_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LUI_WAREHOUSE", str(built_warehouse))
    return built_warehouse


# --------------------------------------------------------------------------------------------
# Routing: unusual but valid waves land and publish
# --------------------------------------------------------------------------------------------
def _in_nations(wave_id: str, nations: set[str], respondents: int) -> pd.DataFrame:
    """A valid wave of respondents in `nations` only (as a commissioned boost delivers it)."""
    frame = valid_wave(wave_id, respondents, seed=11)
    nation = frame["la_code"].map(lambda c: codebook.local_authorities()[c]["nation"])
    frame = frame[nation.isin(nations)].reset_index(drop=True)
    return frame.drop(columns=["support_mayor"])  # England only: not asked, not delivered


ROUTED_WAVES = {
    "2022-09": lambda w: _in_nations(w, {"Scotland"}, 3000),
    "2022-10": lambda w: _in_nations(w, {"Wales", "Northern Ireland"}, 2000),
    "2022-11": lambda w: valid_wave(w, 600, seed=12).query("gender == 'Female'"),
    "2022-12": lambda w: valid_wave(w, 60, seed=13),
}


def test_the_gate_judges_answer_rates_among_those_asked(tmp_path: Path) -> None:
    """An England-only question answered by every English respondent of a mostly Scottish
    wave passes; the same question left unanswered by the English is refused."""
    frame = valid_wave("2022-09", 1000, seed=11)
    nation = frame["la_code"].map(lambda c: codebook.local_authorities()[c]["nation"])
    frame.loc[nation != "England", "support_mayor"] = pd.NA
    path = tmp_path / "mixed.parquet"
    frame.to_parquet(path, index=False)
    assert land_file(path, "2022-09", tmp_path / "w.duckdb").status == "landed"
    frame.loc[nation == "England", "support_mayor"] = pd.NA
    frame.loc[nation[nation == "England"].index[:3], "support_mayor"] = 1
    frame.to_parquet(path, index=False)
    message = _refusal_of(path, "2022-09", tmp_path)
    assert "every question is answered by at least 10% of respondents" in message
    assert "support_mayor=" in message


def _refusal_of(path: Path, wave_id: str, tmp_path: Path) -> str:
    with pytest.raises(LuiError) as error:
        land_file(path, wave_id, tmp_path / "refused.duckdb")
    return str(error.value)


def test_a_filter_on_an_earlier_answer_routes_a_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question asked only of women: its answer rate is among women; a question whose
    filter routes nobody of the file has no rate and need not be in the file."""
    from lui.landing.gate import column_profile, required_columns, suite_parameters
    from lui.landing.wavefile import read_wave_file

    routes = {
        "pt_ease_rating": codebook.Routing("pt_ease_rating", None, "gender", frozenset({"Female"})),
        "pt_cost_rating": codebook.Routing("pt_cost_rating", None, "age_band", frozenset({"90+"})),
    }
    monkeypatch.setattr(codebook, "routing", lambda *_: routes)
    frame = valid_wave()
    women = frame["gender"] == "Female"
    frame.loc[~women, "pt_ease_rating"] = pd.NA
    path = tmp_path / "routed.parquet"
    frame.drop(columns=["pt_cost_rating"]).to_parquet(path, index=False)
    wave = read_wave_file(path, wave_id=WAVE)
    parameters = suite_parameters(WAVE)
    rates = column_profile(wave, parameters).set_index("column")["answer_rate"]
    expected = frame.loc[women, "pt_ease_rating"].notna().mean()
    assert rates["pt_ease_rating"] == pytest.approx(expected)
    assert "pt_cost_rating" not in required_columns(wave, parameters)
    assert "pt_ease_rating" in required_columns(wave, parameters)
    assert land_file(path, WAVE, tmp_path / "w.duckdb").status == "landed"


@pytest.mark.slow
def test_boosts_a_women_only_and_a_pilot_wave_land_and_publish(tmp_path: Path) -> None:
    from lui.warehouse.dbt import dbt_build
    from lui.warehouse.publish import publish

    warehouse = tmp_path / "levelling_up.duckdb"
    sizes = {}
    for wave_id, make in ROUTED_WAVES.items():
        frame = make(wave_id)
        sizes[wave_id] = len(frame)
        path = tmp_path / f"{wave_id}.parquet"
        frame.to_parquet(path, index=False)
        assert land_file(path, wave_id, warehouse).status == "landed", wave_id
    dbt_build(warehouse=warehouse)
    published = tmp_path / "published.duckdb"
    publish(warehouse, published)
    with duckdb.connect(str(published), read_only=True) as con:
        rows = dict(
            con.execute(
                "select wave_id, count(*) from marts.fct_mission_index "
                "where breakdown = 'all' group by 1"
            ).fetchall()
        )
        mayor = con.execute(
            "select count(*) from marts.fct_question_toplines "
            "where wave_id = '2022-09' and question_code = 'support_mayor'"
        ).fetchone()[0]
        pilot_groups = con.execute(
            "select count(*) filter (where suppressed), count(*) from marts.fct_mission_index "
            "where wave_id = '2022-12' and breakdown <> 'all'"
        ).fetchone()
    assert set(rows) == set(ROUTED_WAVES) and all(n == 12 for n in rows.values())
    assert mayor == 0  # asked of nobody in a Scotland-only wave: no topline
    assert sizes["2022-12"] == 60
    assert pilot_groups[0] == pilot_groups[1] > 0  # every group of 60 is below suppression
