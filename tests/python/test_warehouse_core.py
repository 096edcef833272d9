"""The warehouse core: dbt marts checked against an independent pandas computation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from handmade import HANDMADE_RESPONDENTS, HANDMADE_WAVES, land, make_wave, read_table
from project_copy import copy_project

from lui import codebook, contract
from lui.demo import pandas_index
from lui.errors import LuiError
from lui.warehouse.dbt import dbt_build, dbt_target_path

pytestmark = pytest.mark.slow

KEYS = ["wave_id", "breakdown", "group_label", "mission_id"]
CROSS = dict(zip(contract.CROSS_BREAKDOWN_NAMES, contract.CROSS_BREAKDOWNS, strict=True))
BREAKDOWNS = ("all", *pandas_index.BREAKDOWNS, *CROSS)
Z = 1.96


@pytest.fixture(scope="module")
def raw_tables(built_warehouse: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        read_table(built_warehouse, "raw.respondents"),
        read_table(built_warehouse, "raw.responses"),
    )


@pytest.fixture(scope="module")
def mart(built_warehouse: Path) -> pd.DataFrame:
    return read_table(built_warehouse, "marts.fct_mission_index")


@pytest.fixture(scope="module")
def expected(raw_tables: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """Index, bases and SE per group from pandas, plus the rest of the sample's."""
    respondents, responses = raw_tables
    scores = pandas_index.respondent_scores(responses)
    frame = scores.merge(_people(respondents), on=["wave_id", "respondent_id"])
    wave_sizes = respondents.groupby("wave_id").size()
    rows = []
    for (wave_id, mission_id), wave_part in frame.groupby(["wave_id", "mission_id"]):
        for breakdown in BREAKDOWNS:
            for group, part in wave_part.groupby(breakdown):
                rest = wave_part[wave_part[breakdown] != group]
                rows.append(
                    {
                        "wave_id": wave_id,
                        "breakdown": breakdown,
                        "group_label": group,
                        "mission_id": mission_id,
                        **_stats(part, wave_sizes[wave_id]),
                        **{f"rest_{k}": v for k, v in _stats(rest, wave_sizes[wave_id]).items()},
                    }
                )
    return pd.DataFrame(rows)


def _people(respondents: pd.DataFrame) -> pd.DataFrame:
    """Respondents with geography and a column per cross-breakdown ('North East | 1')."""
    people = pandas_index.with_geography(respondents)
    for name, (first, second) in CROSS.items():
        people[name] = people[first] + contract.CROSS_SEPARATOR + people[second]
    return people


def _stats(part: pd.DataFrame, wave_n: int) -> dict[str, float]:
    """Weighted mean and domain Taylor SE, written out from docs/design.md's formula (two-pass).

    The SE is the domain estimator on the whole wave's design (R survey::svyby): the
    n/(n-1) factor uses `wave_n`, the wave's respondents, not the group's.
    """
    n = len(part)
    if n == 0:
        return {"n": 0, "m": np.nan, "se": np.nan, "sw": 0.0, "eff": np.nan}
    w = part["weight"].to_numpy()
    y = part["score"].to_numpy()
    m = float((w * y).sum() / w.sum())
    factor = wave_n / (wave_n - 1)
    se = np.sqrt(factor * (w**2 * (y - m) ** 2).sum() / w.sum() ** 2) if n > 1 else np.nan
    return {
        "n": n,
        "m": m,
        "se": float(se),
        "sw": float(w.sum()),
        "eff": w.sum() ** 2 / (w**2).sum(),
    }


def _assert_published_base(published: pd.Series, exact: pd.Series) -> None:
    """A weighted or effective base is published rounded to 2 places (var base_decimals)."""
    assert ((published - exact).abs() <= 0.005 + 1e-9).all()
    hundredths = published * 100
    assert ((hundredths - hundredths.round()).abs() < 1e-6).all()


def test_every_wave_breakdown_group_and_mission_is_present(mart, raw_tables):
    respondents, _ = raw_tables
    people = _people(respondents)
    for breakdown in BREAKDOWNS:
        for wave_id in HANDMADE_WAVES:
            groups = set(people.loc[people.wave_id == wave_id, breakdown])
            rows = mart[(mart.wave_id == wave_id) & (mart.breakdown == breakdown)]
            assert set(rows.group_label) == groups, (breakdown, wave_id)
            assert rows.groupby("group_label").mission_id.nunique().eq(12).all()
    assert set(mart.loc[mart.breakdown == "all", "group_label"]) == {"UK"}
    assert set(mart.loc[mart.breakdown == "imd_quintile", "group_label"]) == {
        "1",
        "2",
        "3",
        "4",
        "5",
    }


def test_index_bases_and_standard_errors_match_python(mart, expected):
    merged = mart.merge(expected, on=KEYS, validate="one_to_one")
    assert len(merged) == len(mart) == len(expected)
    assert (merged.unweighted_base == merged.n).all()
    _assert_published_base(merged.weighted_base, merged.sw)
    _assert_published_base(merged.effective_base, merged.eff)
    shown = merged[~merged.suppressed]
    np.testing.assert_allclose(shown.index_score, shown.m, atol=1e-9)
    np.testing.assert_allclose(shown.standard_error, shown.se, atol=1e-9)
    np.testing.assert_allclose(shown.ci_low, shown.m - Z * shown.se, atol=1e-9)
    np.testing.assert_allclose(shown.ci_high, shown.m + Z * shown.se, atol=1e-9)
    uk = merged[merged.breakdown == "all"]
    assert (uk.unweighted_base <= HANDMADE_RESPONDENTS).all()
    assert uk.index_score.between(-200, 200).all()


def test_low_base_and_suppression_follow_the_thresholds(mart):
    assert (mart.low_base == (mart.unweighted_base < 100)).all()
    assert (mart.suppressed == (mart.unweighted_base < 50)).all()
    suppressed = mart[mart.suppressed]
    assert not suppressed.empty, "the hand-made waves have a rare gender group to suppress"
    assert suppressed[["index_score", "standard_error", "ci_low", "ci_high"]].isna().all().all()
    assert suppressed.vs_rest.isna().all() and suppressed.change_vs_previous.isna().all()
    assert (mart.low_base & ~mart.suppressed).any(), "Northern Ireland is a low base"


def test_vs_rest_flags_match_python(mart, expected):
    merged = mart.merge(expected, on=KEYS)
    z = (merged.m - merged.rest_m) / np.sqrt(merged.se**2 + merged.rest_se**2)
    want = np.where(z > Z, "above", np.where(z < -Z, "below", None))
    want = pd.Series(want, index=merged.index).where(
        ~merged.suppressed & (merged.breakdown != "all")
    )
    got = merged.vs_rest.where(merged.vs_rest.notna(), None)
    assert (got.fillna("none") == want.fillna("none")).all()
    assert (merged.vs_rest == "above").sum() > 0 and (merged.vs_rest == "below").sum() > 0


def _assert_change_and_its_test(got_change, got_significant, change, se_now, se_then):
    """A published change equals `change`; it is significant when |change| / sqrt(SE^2 +
    SE_then^2) > 1.96, and its flag is null where there is no change."""
    np.testing.assert_allclose(got_change, change, atol=1e-9)
    z = change.abs() / np.sqrt(se_now**2 + se_then**2)
    has = change.notna()
    assert (got_significant[has] == (z[has] > Z)).all()
    assert got_significant[~has].isna().all()


def test_change_since_previous_wave_matches_python(mart):
    waves = sorted(HANDMADE_WAVES)
    for previous, current in zip(waves, waves[1:], strict=False):
        now = mart[mart.wave_id == current].set_index(KEYS[1:])
        before = mart[mart.wave_id == previous].set_index(KEYS[1:])
        joined = now.join(before, rsuffix="_prev")
        assert (joined.previous_wave_id == previous).all()
        change = joined.index_score - joined.index_score_prev
        _assert_change_and_its_test(
            joined.change_vs_previous,
            joined.change_significant,
            change,
            joined.standard_error,
            joined.standard_error_prev,
        )
    first = mart[mart.wave_id == waves[0]]
    assert first.previous_wave_id.isna().all() and first.change_vs_previous.isna().all()


def test_change_since_baseline_matches_python(mart, built_warehouse):
    """Every index row against the group's first wave: change, its test and trend breaks."""
    since = read_table(built_warehouse, "marts.fct_mission_change_since_baseline")
    merged = mart.merge(since, on=KEYS, suffixes=("", "_since"), validate="one_to_one")
    assert len(merged) == len(mart) == len(since)
    ordered = merged.sort_values("wave_id")
    first = ordered.groupby(KEYS[1:]).wave_id.transform("first")
    assert (merged.baseline_wave_id == first.loc[merged.index]).all()
    baseline = mart.rename(columns={"wave_id": "baseline_wave_id"})[
        ["baseline_wave_id", *KEYS[1:], "index_score", "standard_error"]
    ]
    joined = merged.merge(baseline, on=["baseline_wave_id", *KEYS[1:]], suffixes=("", "_base"))
    assert len(joined) == len(mart)
    later = joined.wave_id != joined.baseline_wave_id
    change = (joined.index_score - joined.index_score_base).where(later)
    has = change.notna()
    assert has.sum() > 0 and joined.change_vs_baseline_significant[has].any()
    _assert_change_and_its_test(
        joined.change_vs_baseline,
        joined.change_vs_baseline_significant,
        change,
        joined.standard_error,
        joined.standard_error_base,
    )
    # the internet mission's questions changed in 2023-02, between the baseline and then
    broken = (joined.mission_id == 4) & (joined.wave_id == "2023-02") & later
    assert broken.any()
    assert (joined.break_since_baseline == broken).all()


def test_trend_break_marks_the_questionnaire_change(mart):
    broken = mart[mart.trend_break]
    assert set(broken.wave_id) == {"2023-02"}
    assert set(broken.mission_id) == {4}, "only the internet mission's questions changed"
    assert len(broken) == len(mart[(mart.wave_id == "2023-02") & (mart.mission_id == 4)])


def test_question_contributions_match_python(built_warehouse, raw_tables):
    """Homes (mission 10), every region, 2022-08: each question's weight share and mean
    points from the answers, written out in pandas (docs/what_moved.md)."""
    respondents, responses = raw_tables
    lookup = pandas_index.points_table().merge(pandas_index.mission_weights(), on="question_code")
    lookup = lookup[lookup.mission_id == 10]
    answers = responses[responses.wave_id == "2022-08"].merge(
        lookup, on=["question_code", "response_code"]
    )
    answers["r"] = answers.question_weight / answers.groupby(
        "respondent_id"
    ).question_weight.transform("sum")
    answers["p"] = answers.points * answers.direction
    answers = answers.merge(_people(respondents), on=["wave_id", "respondent_id"])
    answers["wr"], answers["wrp"] = (
        answers.weight * answers.r,
        answers.weight * answers.r * answers.p,
    )
    mart = read_table(built_warehouse, "marts.fct_mission_question_contributions")
    mart = mart[
        (mart.wave_id == "2022-08") & (mart.mission_id == 10) & (mart.breakdown == "region")
    ]
    assert not mart.empty
    for (region, question), part in answers.groupby(["region", "question_code"]):
        [row] = mart[(mart.group_label == region) & (mart.question_code == question)].itertuples()
        assert row.answered_respondents == len(part)
        if row.suppressed:
            assert pd.isna(row.mean_points) and pd.isna(row.contribution_to_index)
            continue
        total_weight = (
            answers[answers.region == region].drop_duplicates("respondent_id").weight.sum()
        )
        assert row.weight_share == pytest.approx(part.wr.sum() / total_weight, abs=1e-9)
        assert row.mean_points == pytest.approx(part.wrp.sum() / part.wr.sum(), abs=1e-9)
        assert row.contribution_to_index == pytest.approx(part.wrp.sum() / total_weight, abs=1e-9)


def test_toplines_are_weighted_shares_of_each_question(built_warehouse, raw_tables):
    respondents, responses = raw_tables
    toplines = read_table(built_warehouse, "marts.fct_question_toplines")
    shown = toplines[~toplines.suppressed]
    sums = shown.groupby(
        ["wave_id", "breakdown", "group_label", "question_code"]
    ).weighted_pct.sum()
    np.testing.assert_allclose(sums, 100.0, atol=1e-9)
    answers = responses.merge(respondents, on=["wave_id", "respondent_id"])
    one = answers[(answers.wave_id == "2022-08") & (answers.question_code == "proud_agree")]
    want = one.groupby("response_code").weight.sum() / one.weight.sum() * 100
    got = toplines[
        (toplines.wave_id == "2022-08")
        & (toplines.breakdown == "all")
        & (toplines.question_code == "proud_agree")
    ].set_index("response_code")
    np.testing.assert_allclose(got.weighted_pct.loc[want.index], want, atol=1e-9)
    assert (got.unweighted_base == len(one)).all()


def test_priorities_and_their_emphasis_flags_match_python(built_warehouse, raw_tables):
    respondents, responses = raw_tables
    priorities = read_table(built_warehouse, "marts.fct_priorities")
    assert set(priorities.priority_code) == {
        q.code for q in codebook.questions().values() if q.group == "priority"
    }
    people = pandas_index.with_geography(respondents)
    chosen = responses[responses.question_code == "priority_crime"].merge(
        people, on=["wave_id", "respondent_id"]
    )
    chosen["score"] = 100.0 * (chosen.response_code == 1)
    wave = chosen[chosen.wave_id == "2022-02"]
    rows = priorities[
        (priorities.wave_id == "2022-02") & (priorities.priority_code == "priority_crime")
    ]
    for group, part in wave.groupby("region"):
        row = rows[(rows.breakdown == "region") & (rows.group_label == group)].iloc[0]
        wave_n = int((respondents.wave_id == "2022-02").sum())
        mine, rest = _stats(part, wave_n), _stats(wave[wave.region != group], wave_n)
        assert row.unweighted_base == mine["n"]
        if row.suppressed:
            assert pd.isna(row.pct_chosen) and pd.isna(row.more_emphasis)
            continue
        assert row.pct_chosen == pytest.approx(mine["m"], abs=1e-9)
        assert row.standard_error == pytest.approx(mine["se"], abs=1e-9)
        z = (mine["m"] - rest["m"]) / np.sqrt(mine["se"] ** 2 + rest["se"] ** 2)
        assert bool(row.more_emphasis) == (z > Z)
    uk = rows[rows.breakdown == "all"].iloc[0]
    assert uk.more_emphasis is None or pd.isna(uk.more_emphasis)


def test_dimensions(built_warehouse):
    waves = read_table(built_warehouse, "marts.dim_wave").sort_values("wave_id")
    assert list(waves.wave_id) == sorted(HANDMADE_WAVES)
    assert list(waves.previous_wave_id.fillna("")) == ["", "2022-02", "2022-08"]
    assert (waves.respondents == HANDMADE_RESPONDENTS).all()
    missions = read_table(built_warehouse, "marts.dim_mission")
    assert list(missions.sort_values("mission_id").mission_id) == list(range(1, 13))
    # one row per question; missions x questions in the bridge, as in the codebook
    questions = read_table(built_warehouse, "marts.dim_question")
    assert sorted(questions.question_code) == sorted(codebook.questions())
    bridge = read_table(built_warehouse, "marts.dim_mission_question")
    assert sorted(bridge.itertuples(index=False, name=None)) == sorted(codebook.mission_questions())


def _copy(warehouse: Path, destination: Path) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / "levelling_up.duckdb"
    shutil.copyfile(warehouse, target)
    return target


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(f"select * from marts.{table} order by all").fetchall()
            for table in (
                "fct_mission_index",
                "fct_mission_change_since_baseline",
                "fct_priorities",
                "fct_question_toplines",
                "fct_local_mission_index",
                "fct_local_model_fit",
                "dim_wave",
            )
        }


def test_wave_build_rebuilds_that_wave_and_matches_a_full_build(built_warehouse, tmp_path):
    """Re-land 2022-08 with other answers and build only that wave: 2022-08 and the
    change of 2023-02 follow, 2022-02 is untouched, and the result equals a full build.
    Building again gives identical marts."""
    warehouse = _copy(built_warehouse, tmp_path / "incremental")
    before = read_table(warehouse, "marts.fct_mission_index")
    land(warehouse, "2022-08", make_wave("2022-08", HANDMADE_RESPONDENTS - 100, seed=99))
    dbt_build("2022-08", warehouse=warehouse)
    after = read_table(warehouse, "marts.fct_mission_index")
    first = [
        frame[frame.wave_id == "2022-02"].sort_values(KEYS).reset_index(drop=True)
        for frame in (before, after)
    ]
    pd.testing.assert_frame_equal(first[0], first[1])
    changed = after[(after.wave_id == "2022-08") & (after.breakdown == "all")]
    assert (changed.unweighted_base <= HANDMADE_RESPONDENTS - 100).all()
    incremental = _marts(warehouse)

    full = _copy(warehouse, tmp_path / "full")
    dbt_build(warehouse=full, extra=["--full-refresh"])
    assert _marts(full) == incremental
    dbt_build(warehouse=full)
    assert _marts(full) == incremental


def test_a_warehouse_built_before_a_column_change_says_to_full_refresh(built_warehouse, tmp_path):
    """After an upgrade that changes an incremental table's columns, a build fails with
    the way out; `lui build --full-refresh` rebuilds every table from the raw tables."""
    from lui.warehouse.build import build

    warehouse = _copy(built_warehouse, tmp_path / "upgraded")
    before = _marts(warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table intermediate.int_cells add column dropped_since integer")
    with pytest.raises(LuiError, match="lui build --full-refresh"):
        build(warehouse=warehouse, publish_marts=False, stream=False)
    with pytest.raises(LuiError, match="drop --wave"):
        build("2022-02", warehouse=warehouse, full_refresh=True, publish_marts=False)
    build(warehouse=warehouse, publish_marts=False, stream=False, full_refresh=True)
    assert _marts(warehouse) == before


def test_moving_three_percent_up_one_step_raises_the_index_three_points(built_warehouse, tmp_path):
    """The report's check: 3% of respondents one step up on every question of a mission
    (pride in place: five-step scales, 100 points a step) raises its index by 3."""
    warehouse = _copy(built_warehouse, tmp_path / "check")
    respondents = read_table(warehouse, "raw.respondents")
    responses = read_table(warehouse, "raw.responses")
    mission = 9
    questions = [q for m, q, _, _ in codebook.mission_questions() if m == mission]
    wave = responses[(responses.wave_id == "2022-02") & responses.question_code.isin(questions)]
    people = respondents[respondents.wave_id == "2022-02"].set_index("respondent_id")
    # movable: every answer to the mission is a substantive code below the top step
    movable = wave.groupby("respondent_id").response_code.agg(lambda c: c.between(2, 5).all())
    movable = movable[movable].index.to_series().sample(frac=1.0, random_state=3)
    in_base = people.loc[wave.respondent_id.unique(), "weight"]
    budget, moved, total = 0.03 * in_base.sum(), [], 0.0
    for rid in movable:
        if total + people.at[rid, "weight"] > budget:
            continue
        moved.append(rid)
        total += people.at[rid, "weight"]
    shifted = wave.copy()
    shifted.loc[shifted.respondent_id.isin(moved), "response_code"] -= 1  # code 1 is the top

    frame = people.reset_index()
    for code in questions:
        answers = shifted[shifted.question_code == code].set_index("respondent_id").response_code
        frame[code] = frame.respondent_id.map(answers)
    land(warehouse, "2022-03", frame.drop(columns="wave_id"))
    dbt_build("2022-03", warehouse=warehouse)  # a new wave's build (`lui build --wave`)
    index = read_table(warehouse, "marts.fct_mission_index")
    uk = index[(index.breakdown == "all") & (index.mission_id == mission)].set_index("wave_id")
    rise = uk.at["2022-03", "index_score"] - uk.at["2022-02", "index_score"]
    assert rise == pytest.approx(100 * total / in_base.sum(), abs=1e-9)
    assert rise == pytest.approx(3.0, abs=0.05)


def _break_csv(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


BAD_CODEBOOKS = {
    "question_missing_from_questions": (
        "mission_questions.csv",
        "9,proud_agree,1,1",
        "9,proud_of_area,1,1",
        "relationships_mission_questions_question_code",
    ),
    "points_outside_range": (
        "scale_points.csv",
        "satisfaction5,1,Very satisfied,200,substantive",
        "satisfaction5,1,Very satisfied,250,substantive",
        "accepted_range_scale_points_points",
    ),
    "duplicated_code_in_a_scale": (
        "scale_points.csv",
        "satisfaction5,2,Fairly satisfied,100,substantive",
        "satisfaction5,1,Fairly satisfied,100,substantive",
        "unique_combination_of_columns_scale_points_scale_id__response_code",
    ),
}
# the agency mapping seeds: nothing is built from them (the landing reads them), but a
# build with a contradictory mapping fails and publishes nothing
BAD_MAPPINGS = {
    "two_source_variables_for_one_target_in_a_wave": (
        "source_variables.csv",
        "source_variable,target,first_wave,last_wave\n",
        "source_variable,target,first_wave,last_wave\n"
        "Q1,pay_income_feeling,,2022-08\nq1_new,Pay_Income_Feeling,2022-02,\n",
        "one_per_wave_source_variables_target",
    ),
    "one_source_code_meaning_two_codes": (
        "source_codes.csv",
        "source_variable,source_code,response_code,first_wave,last_wave\n",
        "source_variable,source_code,response_code,first_wave,last_wave\n"
        "Q7_3,1,5,,\nq7_3,1,4,2023-02,\n",
        "one_per_wave_source_codes_source_variable__source_code",
    ),
}


@pytest.fixture(scope="module")
def broken_seeds_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """Every bad seed above broken at once in one project copy, and a small wave built with
    it: dbt's failure (LuiError's text) and the warehouse.

    One build instead of one per case (a build's fixed cost is most of a small wave's): each
    case breaks a row no other case touches, every seed's tests run whatever another seed's
    say, so each case's named test fails as it would alone, and each case checks that
    its own test is named."""
    directory = tmp_path_factory.mktemp("broken_seeds")
    project = copy_project(directory)
    for seed, old, new, _ in (*BAD_MAPPINGS.values(), *BAD_CODEBOOKS.values()):
        _break_csv(project / "seeds" / "codebook" / seed, old, new)
    warehouse = directory / "wh" / "levelling_up.duckdb"
    land(warehouse, "2022-02", make_wave("2022-02", 120, seed=5))
    with pytest.raises(LuiError) as failure:
        dbt_build(warehouse=warehouse, project_dir=project)
    return str(failure.value), warehouse


def _nodes_run(warehouse: Path) -> dict[str, str]:
    """The nodes dbt's last run on `warehouse` ran: unique id -> the file defining it."""
    target = dbt_target_path(warehouse)
    results = json.loads((target / "run_results.json").read_text())
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    return {
        result["unique_id"]: nodes.get(result["unique_id"], {}).get("original_file_path", "")
        for result in results["results"]
    }


def test_a_build_reuses_loaded_seeds_until_a_seed_changes(tmp_path):
    """A second build leaves out the seeds and their tests (loaded and tested by the first)
    but still runs the tests that read a seed beside a model; an edit of a seed loads and
    tests them again, so a broken codebook still fails the build by name."""
    project_copy = copy_project(tmp_path)
    warehouse = tmp_path / "wh" / "levelling_up.duckdb"
    land(warehouse, "2022-02", make_wave("2022-02", 120, seed=5))
    dbt_build(warehouse=warehouse, project_dir=project_copy)
    first = _nodes_run(warehouse)
    assert "seed.levelling_up_index.questions" in first
    seed_tests = {
        node
        for node, path in first.items()
        if node.startswith("test.") and path.startswith("seeds/")
    }
    assert len(seed_tests) > 50

    dbt_build("2022-02", warehouse=warehouse, project_dir=project_copy)
    second = _nodes_run(warehouse)
    assert not {node for node in second if node.startswith("seed.")}
    assert not seed_tests & set(second)
    # every other test still runs, those of a model against a seed included (the answers'
    # codes against the scales, the authorities against the reference list)
    assert {node for node in first if node.startswith("test.")} - seed_tests <= set(second)
    assert any("answer_code_defined_by_scale_stg_raw__responses" in node for node in second)
    assert "model.levelling_up_index.fct_mission_index" in second

    seed, old, new, failing_test = BAD_CODEBOOKS["points_outside_range"]
    _break_csv(project_copy / "seeds" / "codebook" / seed, old, new)
    with pytest.raises(LuiError) as failure:
        dbt_build("2022-02", warehouse=warehouse, project_dir=project_copy)
    assert failing_test in str(failure.value)


@pytest.mark.parametrize("case", sorted(BAD_MAPPINGS))
def test_contradictory_mapping_seed_fails_the_build_with_a_named_test(case, broken_seeds_build):
    failure, _ = broken_seeds_build
    assert BAD_MAPPINGS[case][3] in failure


@pytest.mark.parametrize("case", sorted(BAD_CODEBOOKS))
def test_bad_codebook_fails_the_build_with_a_named_test(case, broken_seeds_build):
    failure, warehouse = broken_seeds_build
    assert BAD_CODEBOOKS[case][3] in failure
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts' "
            "and table_name = 'fct_mission_index'"
        ).fetchone()[0]
    assert marts == 0, "nothing downstream of a failed codebook test is built"


# The data test that checks each answer against its question's scale. The two tests below
# build only what it reads: its generic test's ancestors (the responses' staging model and
# the codebook seeds), the tests of those alone, and itself; the rest of the project (marts,
# the local models) is downstream of it and no part of the check.
ANSWER_CODE_TEST = "answer_code_defined_by_scale_stg_raw__responses"
UP_TO_THE_ANSWER_CODE_TEST = (
    "--select",
    "+test_name:answer_code_defined_by_scale",
    "--indirect-selection",
    "cautious",
)


def _build_up_to_the_answer_code_test(warehouse: Path) -> None:
    with pytest.raises(LuiError) as failure:
        dbt_build(warehouse=warehouse, extra=UP_TO_THE_ANSWER_CODE_TEST)
    assert ANSWER_CODE_TEST in str(failure.value)


def test_answer_code_undefined_by_its_scale_fails_the_build(tmp_path):
    warehouse = tmp_path / "wh" / "levelling_up.duckdb"
    wave = make_wave("2022-02", 120, seed=6)
    wave.loc[wave.index[:3], "town_centre_sat"] = 7  # satisfaction5 has no code 7
    land(warehouse, "2022-02", wave)
    _build_up_to_the_answer_code_test(warehouse)


def test_answer_to_a_question_missing_from_the_codebook_fails_the_build(tmp_path):
    # the landing gate rejects unknown question columns; this is the warehouse's own check
    warehouse = tmp_path / "wh" / "levelling_up.duckdb"
    land(warehouse, "2022-02", make_wave("2022-02", 120, seed=6))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into raw.question_keys values (999, 'not_in_the_codebook')")
        con.execute(
            "insert into raw.answers "
            "select wave_key, respondent_key, 999, 1 from raw.respondent_records limit 2"
        )
    _build_up_to_the_answer_code_test(warehouse)


def test_every_model_and_column_is_described_in_yaml(built_warehouse):
    import yaml

    from lui.paths import PROJECT_ROOT

    described: dict[str, tuple[str | None, dict[str, str | None]]] = {}
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models") or []:
            columns = {c["name"]: c.get("description") for c in model.get("columns", [])}
            described[model["name"]] = (model.get("description"), columns)
    models = sorted(p.stem for p in (PROJECT_ROOT / "models").rglob("*.sql"))
    assert models and set(models) <= set(described), set(models) - set(described)
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        for name in models:
            description, columns = described[name]
            assert description, f"{name} has no description"
            built = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_name = ? "
                    "and table_schema in ('staging', 'intermediate', 'marts')",
                    [name],
                ).fetchall()
            ]
            assert built, f"{name} was not built"
            assert [c for c in built if not columns.get(c)] == [], f"{name}: undocumented columns"
            assert [c for c in columns if c not in built] == [], f"{name}: stale column docs"
