"""The demo-wave generator (`lui generate`, issue #3).

Fast tests check the file contract, the exact baseline bases, the weights, the answer codes,
the questionnaire changes and the perception toplines, and score the baseline with the
pandas implementation of the index. The slow tests land the baseline into a temporary
warehouse and score it with the project's own dbt models, and time a 1,000,000-respondent
wave.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from generate_helpers import nation_and_region, normalised, read_back

from lui import codebook, contract
from lui.demo import calibration as demo_calibration
from lui.demo import generate, pandas_index, sample
from lui.demo import model as demo_model
from lui.errors import LuiError

BASELINE = demo_model.BASELINE_WAVE
N = demo_model.BASELINE_RESPONDENTS
SEED = demo_model.DEMO_SEED


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return generate.generate_frame(BASELINE, N, SEED)


@pytest.fixture(scope="module")
def waves() -> dict[str, pd.DataFrame]:
    return {wave: generate.generate_frame(wave, 2000, SEED) for wave in demo_model.DEMO_WAVES}


def _weighted_share(frame: pd.DataFrame, column: str, codes: set[int], rows=None) -> float:
    mask = frame[column].notna() if rows is None else frame[column].notna() & rows
    hit = frame.loc[mask, column].isin(codes)
    return float((frame.loc[mask, "weight"] * hit).sum() / frame.loc[mask, "weight"].sum())


# --- determinism and file contract ----------------------------------------------------------
def test_same_seed_same_wave_and_other_seed_other_wave() -> None:
    first = generate.generate_frame(BASELINE, 600, 7)
    again = generate.generate_frame(BASELINE, 600, 7)
    other = generate.generate_frame(BASELINE, 600, 8)
    pd.testing.assert_frame_equal(first, again)
    assert not first.drop(columns="respondent_id").equals(other.drop(columns="respondent_id"))


def test_waves_differ_for_the_same_seed(waves: dict[str, pd.DataFrame]) -> None:
    assert not waves["2022-02"]["la_code"].equals(waves["2022-08"]["la_code"])


@pytest.mark.parametrize("wave_id", demo_model.DEMO_WAVES)
def test_columns_are_the_wave_format(waves: dict[str, pd.DataFrame], wave_id: str) -> None:
    expected = [
        *contract.RESPONDENT_COLUMNS,
        *(q.code for q in codebook.questions_for_wave(wave_id)),
    ]
    assert list(waves[wave_id].columns) == expected


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".sav"])
def test_files_read_back_equal(tmp_path: Path, suffix: str) -> None:
    path = generate.write_wave(tmp_path / f"wave{suffix}", "2023-02", 800, 3)
    expected = normalised(generate.generate_frame("2023-02", 800, 3))
    pd.testing.assert_frame_equal(read_back(path), expected, check_exact=False, rtol=1e-9)


def test_large_waves_are_written_in_chunks_with_the_same_columns() -> None:
    tables = list(generate.wave_chunks("2022-08", 2500, 1, chunk_size=1000))
    assert [t.num_rows for t in tables] == [1000, 1000, 500]
    assert all(t.schema == tables[0].schema for t in tables)
    ids = pd.concat([t.column("respondent_id").to_pandas() for t in tables])
    assert ids.is_unique


def test_sav_has_value_labels_from_the_scales(tmp_path: Path) -> None:
    import pyreadstat

    path = generate.write_wave(tmp_path / "wave.sav", BASELINE, 200, 1)
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    labels = meta.variable_value_labels["primary_schools_sat"]
    assert labels[1] == "Very satisfied" and labels[9] == "Don't know"


# --- the command ------------------------------------------------------------------------------
def _args(**overrides: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    generate.add_arguments(parser)
    argv = ["--wave", "2022-08", "--respondents", "300", "--out", "x.parquet"]
    args = parser.parse_args(argv)
    vars(args).update(overrides)
    return args


def test_run_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "wave.csv"
    assert generate.run(_args(out=out)) == 0
    assert out.exists() and not out.with_name("wave.csv.partial").exists()
    assert "300 respondents" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"out": Path("wave.xlsx")}, "format"),
        ({"wave": "2022-2"}, "YYYY-MM"),
        ({"respondents": 0}, "--respondents"),
        ({"seed": -1}, "--seed"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, overrides: dict, message: str) -> None:
    overrides.setdefault("out", tmp_path / "wave.parquet")
    with pytest.raises(LuiError, match=message):
        generate.run(_args(**overrides))
    assert not list(tmp_path.iterdir())


# --- sample: bases, geography, demographics, weights -------------------------------------------
def test_baseline_has_the_published_bases(baseline: pd.DataFrame) -> None:
    geo = nation_and_region(baseline)
    got = {
        "all": {"All UK": len(baseline)},
        "nation": geo["nation"].value_counts().to_dict(),
        "region": geo.loc[geo.nation == "England", "region"]
        .str.casefold()
        .value_counts()
        .to_dict(),
        "supergroup": baseline["supergroup"].value_counts().to_dict(),
    }
    for row in sample.published_bases().itertuples():
        group = row.group.casefold() if row.breakdown == "region" else row.group
        assert got[row.breakdown].get(group) == row.unweighted_base, (row.breakdown, row.group)


def test_other_sizes_keep_the_baseline_proportions() -> None:
    base = sample.allocation(N)
    for size in (1000, 10_000, 1_000_000):
        cells = sample.allocation(size)
        assert cells.sum() == size
        assert np.abs(cells / size - base / N).max() <= 1 / size + 1e-12


def test_geography_is_consistent(baseline: pd.DataFrame) -> None:
    areas = pd.read_csv(demo_model.DATA_DIR / "small_areas.csv")
    known = set(zip(areas.la_code, areas.imd_quintile, areas.urban_rural, strict=True))
    rows = zip(baseline.la_code, baseline.imd_quintile, baseline.urban_rural, strict=True)
    assert all((la, int(q), ur) in known for la, q, ur in rows)
    assert baseline.groupby("la_code")["supergroup"].nunique().max() == 1
    assert set(baseline["supergroup"]) == set(contract.SUPERGROUPS)


def test_supergroups_are_plausible() -> None:
    las = codebook.local_authorities()
    by_sg: dict[str, set[str]] = {}
    for la_code, sg in sample.geography().la_supergroup.items():
        by_sg.setdefault(sg, set()).add(las[la_code]["region"])
    assert by_sg["London Cosmopolitan"] == {"London"}
    assert (
        sum(sg == "London Cosmopolitan" for sg in sample.geography().la_supergroup.values()) == 12
    )
    assert not by_sg["Town and Country Living"] & {"North East", "London"}
    assert not by_sg["Urban Settlements"] & {"Scotland", "Northern Ireland"}
    assert by_sg["Affluent England"] <= {
        "South East", "East of England", "London", "South West", "East Midlands",
        "West Midlands", "North West", "Yorkshire and The Humber",
    }  # fmt: skip


def test_demographics_and_dates(baseline: pd.DataFrame) -> None:
    assert set(baseline["age_band"]) == set(contract.AGE_BANDS)
    assert set(baseline["gender"]) <= set(contract.GENDERS)
    assert baseline["respondent_id"].is_unique
    dates = pd.to_datetime(baseline["interview_date"])
    assert dates.min() == pd.Timestamp("2022-02-17") and dates.max() == pd.Timestamp("2022-02-23")


def test_weights_are_positive_raked_and_have_a_realistic_design_effect(
    baseline: pd.DataFrame,
) -> None:
    w = baseline["weight"]
    assert (w > 0).all() and abs(w.mean() - 1) < 1e-3
    assert 1.2 <= sample.design_effect(w.to_numpy()) <= 2.0
    geo = nation_and_region(baseline)
    region_w = w.groupby(geo["region"].to_numpy()).sum() / w.sum()
    population = pd.Series(sample.geography().region_population, sample.geography().regions)
    assert np.allclose(
        region_w.sort_index(), (population / population.sum()).sort_index(), atol=0.01
    )
    young = w[baseline.age_band == "16-24"].sum() / w.sum()
    assert young > (baseline.age_band == "16-24").mean() + 0.03  # the panel's skew is corrected


# --- answers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("wave_id", demo_model.DEMO_WAVES)
def test_every_answer_code_is_defined_by_its_scale(
    waves: dict[str, pd.DataFrame], wave_id: str
) -> None:
    frame = waves[wave_id]
    for question in codebook.questions_for_wave(wave_id):
        used = set(frame[question.code].dropna().astype(int))
        assert used <= codebook.valid_codes(question.code), question.code


def test_realistic_answer_patterns(baseline: pd.DataFrame) -> None:
    def dont_know(code: str) -> float:
        return float((baseline[code] == 9).mean())

    assert dont_know("rd_innovation_sat") > 0.15 and dont_know("primary_schools_sat") > 0.2
    assert dont_know("neighbourhood_sat") < 0.03
    assert 0.0 < baseline["pay_income_feeling"].isna().mean() < 0.02  # some skip
    assert (baseline["pay_income_feeling"] == 99).mean() > 0.01  # some prefer not to say
    chosen = baseline[[c for c in baseline.columns if c.startswith("priority_")]].sum(axis=1)
    assert set(chosen.unique()) <= {0, 3, 4}


def test_questionnaire_change_and_routing(waves: dict[str, pd.DataFrame]) -> None:
    assert (
        "internet_5g_outside" in waves["2022-08"] and "home_broadband_sat" not in waves["2022-08"]
    )
    assert (
        "internet_5g_outside" not in waves["2023-02"] and "home_broadband_sat" in waves["2023-02"]
    )
    for wave_id, frame in waves.items():
        nation = nation_and_region(frame)["nation"].to_numpy()
        outside = frame.loc[nation != "England", "support_mayor"]
        routed = demo_model.routed_nations("support_mayor", wave_id) is not None
        assert outside.isna().all() if routed else outside.notna().mean() > 0.95, wave_id


def test_perception_questions_land_near_the_report(baseline: pd.DataFrame) -> None:
    england = nation_and_region(baseline)["nation"].eq("England").to_numpy()
    assert _weighted_share(baseline, "know_levelling_up", {1, 2}) == pytest.approx(0.23, abs=0.04)
    assert _weighted_share(baseline, "support_la_control", {1, 2}) == pytest.approx(0.63, abs=0.04)
    mayor_england = _weighted_share(baseline, "support_mayor", {1, 2}, england)
    mayor_rest = _weighted_share(baseline, "support_mayor", {1, 2}, ~england)
    assert mayor_england == pytest.approx(0.51, abs=0.04)
    assert mayor_rest == pytest.approx(0.45, abs=0.05)
    assert 0.40 <= _weighted_share(baseline, "spending_share", {4, 5}) <= 0.52
    assert _weighted_share(baseline, "gov_difference_next_years", {1}) < 0.25
    assert _weighted_share(baseline, "impact_20_years", {3, 4}) > 0.5
    priorities = {
        c: _weighted_share(baseline, c, {1}) for c in baseline.columns if c.startswith("priority_")
    }
    top3 = sorted(priorities, key=priorities.get, reverse=True)[:3]
    assert top3[:2] == ["priority_crime", "priority_mental_health"]
    assert top3[2] in {"priority_wages", "priority_jobs"}


def test_later_waves_drift_plausibly() -> None:
    scores = {
        wave: demo_calibration.score(generate.generate_frame(wave, N, SEED), wave)
        for wave in ("2022-02", "2023-02")
    }
    uk = {
        wave: s[s.breakdown == "all"].set_index("mission_key")["index_score"]
        for wave, s in scores.items()
    }
    change = uk["2023-02"] - uk["2022-02"]
    assert change["pay_employment_productivity"] < -10  # cost of living
    assert change["homes"] < -5
    assert change.abs().max() < 40


# --- calibration --------------------------------------------------------------------------------
def _assert_within_tolerance(compared: pd.DataFrame) -> None:
    assert compared["index_score"].notna().all(), compared[compared.index_score.isna()]
    off = compared[compared["deviation"].abs() > compared["tolerance"]]
    assert off.empty, off.to_string()


def test_baseline_reproduces_the_report_with_the_pandas_index(baseline: pd.DataFrame) -> None:
    _assert_within_tolerance(demo_calibration.compare(demo_calibration.score(baseline)))


@pytest.mark.slow
def test_baseline_reproduces_the_report_with_the_dbt_models(demo_run) -> None:
    """The session's `lui demo` (conftest.py) lands this baseline as its first wave (the
    generator's wave BASELINE, N respondents, seed SEED) and builds it with dbt."""
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        [(respondents,)] = con.execute(
            "select count(*) from raw.respondents where wave_id = ?", [BASELINE]
        ).fetchall()
        index = con.execute(
            "select breakdown, group_label, mission_id, index_score "
            "from marts.fct_mission_index where wave_id = ?",
            [BASELINE],
        ).df()
    assert respondents == N
    index["mission_key"] = index["mission_id"].astype(int).map(demo_model.mission_keys())
    _assert_within_tolerance(demo_calibration.compare(index))


@pytest.mark.bench
def test_a_million_respondents_in_under_a_minute_and_4gb(tmp_path: Path) -> None:
    code = (
        "import resource, sys, time; from pathlib import Path; from lui.demo import generate; "
        "t = time.perf_counter(); "
        f"generate.write_wave(Path({str(tmp_path / 'big.parquet')!r}), '2023-08', 1_000_000, 1); "
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, max_rss_kb = (float(x) for x in done.stdout.split())
    assert seconds < 60 and time.perf_counter() - start < 90
    assert max_rss_kb < 4 * 1024 * 1024
    import pyarrow.parquet as pq

    assert pq.ParquetFile(tmp_path / "big.parquet").metadata.num_rows == 1_000_000


# --- local authorities: their effects, the truth file, waves past the demo ----------------------
def test_local_authority_effects_are_kept_across_waves_and_centred_in_each_supergroup() -> None:
    from lui.demo import answers

    geo = sample.geography()
    effects = answers.la_effects(SEED)
    assert set(effects) == set(demo_model.mission_attitudes())
    population = np.bincount(geo.la_idx, weights=geo.population)
    supergroup = np.zeros(len(geo.las), dtype=int)
    supergroup[geo.la_idx] = geo.supergroup_idx
    for values in effects.values():
        assert len(values) == len(geo.las) == 361
        for sg in np.unique(supergroup):
            members = supergroup == sg
            assert np.average(values[members], weights=population[members]) == pytest.approx(
                0, abs=1e-12
            )
        assert 0.7 * demo_model.LA_EFFECT_SD < values.std() < 1.3 * demo_model.LA_EFFECT_SD
    assert answers.la_effects(SEED + 1)["homes"][0] != effects["homes"][0]


def test_truth_file_has_every_authority_and_mission(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lui.demo import truth

    monkeypatch.setattr(truth, "RESPONDENTS_PER_LA", 40)
    out = tmp_path / "truth.csv"
    assert generate.run(_args(out=tmp_path / "wave.csv", truth=out)) == 0
    table = pd.read_csv(out, dtype={"la_code": str})
    assert list(table.columns) == ["la_code", "mission_id", "true_index"]
    assert len(table) == 361 * 12 and not table.duplicated(["la_code", "mission_id"]).any()
    assert set(table.la_code) == set(codebook.local_authorities())
    assert table.true_index.between(-200, 200).all()


def test_truth_scores_like_the_index_calculation() -> None:
    from lui.demo import truth

    frame = generate.generate_frame(BASELINE, 500, SEED)
    answers = {
        code: (frame[code].fillna(0).to_numpy().astype(int), frame[code].isna().to_numpy())
        for code in (q.code for q in codebook.questions_for_wave(BASELINE))
    }
    mine = truth.mission_scores(answers, BASELINE)
    long = demo_calibration.long_responses(frame, BASELINE)
    expected = pandas_index.respondent_scores(long).set_index(["respondent_id", "mission_id"])
    ids = frame["respondent_id"].to_numpy()
    for mission_id, scores in mine.items():
        shown = ~np.isnan(scores)
        reference = expected.xs(mission_id, level="mission_id")["score"]
        assert set(ids[shown]) == set(reference.index)
        np.testing.assert_allclose(scores[shown], reference.loc[ids[shown]].to_numpy())


def test_a_wave_past_the_demo_continues_the_last_drift() -> None:
    assert demo_model.drift_wave("2024-02") == "2023-08"
    assert demo_model.drift_wave("2022-05") == "2022-02"
    assert demo_model.drift_wave("2021-08") is None
    uk = {
        wave: demo_calibration.score(generate.generate_frame(wave, N, SEED), wave)
        .query("breakdown == 'all'")
        .set_index("mission_key")["index_score"]
        for wave in ("2023-08", "2024-02")
    }
    assert (uk["2024-02"] - uk["2023-08"]).abs().max() < 4
