"""The local-authority model (issue 17): the fit, the EBLUP and its MSE, and the marts.

The REML fit on sufficient statistics is checked against statsmodels' unit-level MixedLM,
the EBLUP and the Prasad-Rao MSE against numbers worked by hand, and the published marts
of a generated wave of 4,162 respondents against the generator's truth.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from lui import codebook
from lui.demo import model as demo_model
from lui.demo import truth
from lui.warehouse import local_model

REGIONS = ["East", "North", "South"]


def _units(seed: int = 3, areas: int = 40) -> pd.DataFrame:
    """A small unit-level data set from the nested-error model itself."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(areas):
        region = REGIONS[d % 3]
        u = rng.normal(0, 6)
        for _ in range(int(rng.integers(1, 14))):
            imd = int(rng.integers(1, 6))
            rural = rng.random() < 0.3
            mean = 5 + {"East": 0, "North": -8, "South": 4}[region] + 3 * imd - 6 * rural
            rows.append(
                {
                    "la_code": f"A{d:02d}",
                    "region": region,
                    "imd_quintile": imd,
                    "urban_rural": "Rural" if rural else "Urban",
                    "score": mean + u + rng.normal(0, 20),
                }
            )
    return pd.DataFrame(rows)


def _cells(units: pd.DataFrame) -> pd.DataFrame:
    return units.groupby(["la_code", "region", "imd_quintile", "urban_rural"], as_index=False).agg(
        respondents=("score", "size"),
        sum_score=("score", "sum"),
        sum_score_sq=("score", lambda s: float((s**2).sum())),
    )


def test_the_fit_on_sufficient_statistics_equals_statsmodels_unit_level_reml() -> None:
    from statsmodels.regression.mixed_linear_model import MixedLM

    units = _units()
    mine = local_model.fit(_cells(units), REGIONS)
    reference = MixedLM(
        units["score"].to_numpy(), mine.levels.design(units), groups=units["la_code"]
    ).fit(reml=True, method=["nm"], maxiter=20000)
    assert mine.sigma2_e == pytest.approx(reference.scale, rel=1e-4)
    assert mine.sigma2_u == pytest.approx(float(np.asarray(reference.cov_re)[0, 0]), rel=1e-3)
    np.testing.assert_allclose(mine.beta, reference.fe_params, rtol=1e-4, atol=1e-4)
    # V(beta) = (X' V^-1 X)^-1 at the estimates, with V built unit by unit
    x = mine.levels.design(units)
    same_area = units["la_code"].to_numpy()[:, None] == units["la_code"].to_numpy()[None, :]
    v = mine.sigma2_e * np.eye(len(units)) + mine.sigma2_u * same_area
    np.testing.assert_allclose(mine.beta_cov, np.linalg.inv(x.T @ np.linalg.solve(v, x)))
    assert mine.respondents == len(units) and mine.areas == units["la_code"].nunique()


def _hand_fit(components_cov: np.ndarray) -> local_model.Fit:
    return local_model.Fit(
        levels=local_model.Levels(
            regions=("East",),
            dropped_regions=(),
            quintile_map=dict.fromkeys(local_model.QUINTILES, 1),
            urban_rural=("Urban",),
        ),
        beta=np.array([10.0]),
        beta_cov=np.array([[4.0]]),
        sigma2_u=100.0,
        sigma2_e=400.0,
        components_cov=components_cov,
        respondents=4,
        areas=1,
    )


def _hand_example(components_cov: np.ndarray) -> pd.DataFrame:
    cells = pd.DataFrame(
        {
            "la_code": ["A"],
            "region": ["East"],
            "imd_quintile": [1],
            "urban_rural": ["Urban"],
            "respondents": [4],
            "sum_score": [120.0],
        }
    )
    frame = pd.DataFrame(
        {
            "la_code": ["A", "B"],
            "region": ["East", "East"],
            "imd_quintile": [1, 1],
            "urban_rural": ["Urban", "Urban"],
            "population": [1000, 500],
        }
    )
    return local_model.eblup(cells, frame, _hand_fit(components_cov)).set_index("la_code")


def test_eblup_and_prasad_rao_mse_by_hand() -> None:
    # su2 100, se2 400, n 4: gamma = 100 / (100 + 400/4) = 0.5; ybar 30, beta 10:
    # estimate 10 + 0.5 (30 - 10) = 20; g1 = 0.5 x 400 / 4 = 50; g2 = (1 - 0.5)^2 x 4 = 1.
    out = _hand_example(np.zeros((2, 2)))
    a = out.loc["A"]
    assert a.shrinkage == pytest.approx(0.5)
    assert a.model_estimate == pytest.approx(20.0)
    assert a.random_effect == pytest.approx(10.0)
    assert a.model_mse == pytest.approx(51.0)
    # g3 = (se2^2 V(su2) + su2^2 V(se2) - 2 se2 su2 C) / (n^2 (su2 + se2/n)^3)
    #    = (160000 x 25 + 10000 x 100 + 400000) / (16 x 200^3) = 0.0421875
    with_g3 = _hand_example(np.array([[25.0, -5.0], [-5.0, 100.0]]))
    assert with_g3.loc["A"].model_mse == pytest.approx(51.0 + 2 * 0.0421875)


def test_an_authority_without_respondents_gets_the_synthetic_estimate_and_a_wider_interval() -> (
    None
):
    out = _hand_example(np.zeros((2, 2)))
    b = out.loc["B"]
    assert b.respondents == 0 and np.isnan(b.sample_mean)
    assert b.model_estimate == b.synthetic_estimate == pytest.approx(10.0)
    assert b.random_effect == 0 and b.shrinkage == 0
    assert b.model_mse == pytest.approx(100.0 + 4.0)  # su2 + Xbar' V(beta) Xbar
    assert b.model_rmse > out.loc["A"].model_rmse


def test_components_covariance_is_the_inverse_information() -> None:
    n_d = np.array([3.0, 5.0, 10.0])
    cov = local_model.components_covariance(n_d, 50.0, 200.0)
    total = 200.0 + n_d * 50.0
    info = 0.5 * np.array(
        [
            [np.sum(n_d**2 / total**2), np.sum(n_d / total**2)],
            [np.sum(n_d / total**2), np.sum((n_d - 1) / 200.0**2 + 1 / total**2)],
        ]
    )
    np.testing.assert_allclose(cov @ info, np.eye(2), atol=1e-12)


# --- the marts of a generated wave against the generator's truth ---------------------------------
WAVE = demo_model.BASELINE_WAVE


@pytest.fixture(scope="module")
def local_marts(demo_run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The local marts of the demo's first wave (the session's `lui demo`, conftest.py):
    the generator's wave WAVE of 4,162 respondents, seed 1, whose truth is known."""
    with duckdb.connect(str(demo_run.warehouse), read_only=True) as con:
        index = con.execute(
            "select * from marts.fct_local_mission_index where wave_id = ?", [WAVE]
        ).df()
        # the direct estimates before suppression (the mart publishes them from 50 up)
        unsuppressed = con.execute(
            "select la_code, mission_id, direct_estimate as direct_unsuppressed, direct_se "
            "as direct_se_unsuppressed from intermediate.int_local_direct_estimates "
            "where wave_id = ?",
            [WAVE],
        ).df()
        fit = con.execute("select * from marts.fct_local_model_fit where wave_id = ?", [WAVE]).df()
    index = index.merge(unsuppressed, on=["la_code", "mission_id"], how="left")
    return index, fit


@pytest.fixture(scope="module")
def true_index() -> pd.DataFrame:
    return truth.true_index(WAVE, demo_model.DEMO_SEED)


@pytest.mark.slow
def test_every_authority_and_mission_has_a_row(local_marts) -> None:
    index, fit = local_marts
    assert len(index) == 361 * 12
    assert set(index.la_code) == set(codebook.local_authorities())
    assert index.model_estimable.all()
    assert index.model_estimate.notna().all() and (index.model_rmse > 0).all()
    # published from 50 respondents up (var suppression_threshold), as in every mart
    assert (index.direct_suppressed == (index.respondents < 50)).all()
    assert index.loc[index.respondents < 50, ["direct_estimate", "direct_se"]].isna().all().all()
    published = index[index.respondents >= 50]
    assert len(published) > 0 and published[["direct_estimate", "direct_se"]].notna().all().all()
    assert (published.direct_estimate == published.direct_unsuppressed).all()
    assert index.loc[index.respondents < 2, "direct_se_unsuppressed"].isna().all()
    assert index.loc[index.respondents >= 2, "direct_se_unsuppressed"].notna().all()
    assert (fit.fitted).all() and (fit.levels_dropped == "[]").all()
    assert set(index.vs_region.dropna()) <= {"above", "below"}
    assert len(fit) == 12 and (fit.respondents > 4000).all() and (fit.areas_sampled > 250).all()
    assert (fit.sigma_u > 0).all() and (fit.sigma_e > fit.sigma_u).all()


@pytest.mark.slow
def test_model_estimates_beat_direct_ones_and_their_intervals_cover_the_truth(
    local_marts, true_index
) -> None:
    index, _ = local_marts
    merged = index.merge(true_index, on=["la_code", "mission_id"], validate="one_to_one")
    model_rmse = np.sqrt(np.mean((merged.model_estimate - merged.true_index) ** 2))
    sampled = merged[merged.respondents >= 2]
    direct_rmse = np.sqrt(np.mean((sampled.direct_unsuppressed - sampled.true_index) ** 2))
    assert model_rmse <= 0.5 * direct_rmse, (model_rmse, direct_rmse)
    covered = (merged.ci_low <= merged.true_index) & (merged.true_index <= merged.ci_high)
    assert 0.90 <= covered.mean() <= 0.98, covered.mean()


@pytest.mark.slow
def test_unsampled_authorities_get_wider_intervals(local_marts) -> None:
    index, fit = local_marts
    unsampled = index.respondents == 0
    assert unsampled.any()
    sigma_u = index.merge(fit, on=["wave_id", "mission_id"])["sigma_u"]
    # no respondents: MSE = sigma_u^2 + the synthetic part's variance, never less
    assert (index.model_rmse[unsampled] >= sigma_u[unsampled]).all()
    width = (index.ci_high - index.ci_low).groupby(index.mission_id)
    for mission_id, widths in width:
        rows = index[index.mission_id == mission_id]
        assert widths[rows.respondents == 0].mean() > widths[rows.respondents >= 5].mean()


def test_truth_draw_is_large_enough() -> None:
    assert truth.RESPONDENTS_PER_LA >= 2000


def test_estimates_do_not_depend_on_the_order_of_the_cells() -> None:
    """A wave built alone or with every other wave gives the same marts, to the last bit."""
    cells = _cells(_units()).assign(wave_id="2022-02", mission_id=1)
    frame = cells.groupby(["la_code", "region", "imd_quintile", "urban_rural"], as_index=False)[
        "respondents"
    ].sum()
    frame = frame.rename(columns={"respondents": "population"})
    first = local_model.estimate_all(cells, frame)
    shuffled = local_model.estimate_all(cells.sample(frac=1, random_state=5), frame[::-1])
    pd.testing.assert_frame_equal(first, shuffled, check_exact=True)


# --- the exact REML root, against R lme4 ---------------------------------------------------------
R_SCRIPT = Path(__file__).parents[1] / "r" / "local_model_lme4.R"


def _frame_of(units: pd.DataFrame, seed: int = 11) -> pd.DataFrame:
    """A population frame for the areas of `units` and two unsampled ones: every
    quintile x urban/rural cell of each area, with populations from 20 to 400 (small
    enough that the sampled share n/N matters for the finite-population mean)."""
    rng = np.random.default_rng(seed)
    areas = units.groupby("la_code")["region"].first()
    areas = pd.concat([areas, pd.Series({"Z98": "North", "Z99": "South"})])
    rows = [
        {
            "la_code": code,
            "region": region,
            "imd_quintile": q,
            "urban_rural": ur,
            "population": int(rng.integers(20, 400)),
        }
        for code, region in areas.items()
        for q in local_model.QUINTILES
        for ur in ("Urban", "Rural")
    ]
    return pd.DataFrame(rows)


def _lme4(units: pd.DataFrame, frame: pd.DataFrame, estimand: str, tmp: Path):
    """R's estimates (la_code -> estimate, mse) and fit (term -> value): lme4 at the exact
    REML root, the Prasad-Rao MSE by unit-level matrix algebra (tests/r/local_model_lme4.R)."""
    units.to_csv(tmp / "units.csv", index=False)
    frame.to_csv(tmp / "frame.csv", index=False)
    done = subprocess.run(
        ["Rscript", str(R_SCRIPT), "units.csv", "frame.csv", estimand, "r"],
        cwd=tmp,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    areas = pd.read_csv(tmp / "r-areas.csv").set_index("la_code")
    fit = pd.read_csv(tmp / "r-fit.csv").set_index("term")["value"]
    return areas, fit


def _python(units: pd.DataFrame, frame: pd.DataFrame, estimand: str) -> pd.DataFrame:
    cells = _cells(units).assign(wave_id="2022-02", mission_id=1)
    return local_model.estimate_all(cells, frame, estimand).set_index("la_code")


@pytest.mark.parametrize("estimand", local_model.ESTIMANDS)
def test_estimates_equal_lme4_at_the_exact_reml_root(estimand: str, tmp_path: Path) -> None:
    """EBLUP and MSE equal R's to 1e-6: lme4 evaluated at the REML root solved by uniroot
    on the unit-level score, the MSE by matrix algebra; the finite-population mean as
    sae::eblupBHF defines it (f ybar + (1 - f) (Xbar_r' beta + u))."""
    units = _units(seed=5, areas=30)
    frame = _frame_of(units)
    mine = _python(units, frame, estimand)
    theirs, fit = _lme4(units, frame, estimand, tmp_path)
    assert abs(fit["score_at_root"]) < 1e-8
    model = local_model.fit(_cells(units), REGIONS)
    assert np.sqrt(model.sigma2_u / model.sigma2_e) == pytest.approx(fit["theta_root"], rel=1e-9)
    # lmer's own optimiser gets no lower REML criterion than the root
    assert fit["deviance_at_root"] <= fit["deviance_lmer"] + 1e-9
    assert model.sigma2_u == pytest.approx(fit["sigma2_u"], rel=1e-9)
    assert model.sigma2_e == pytest.approx(fit["sigma2_e"], rel=1e-9)
    joined = mine.join(theirs, how="inner")
    assert len(joined) == len(frame["la_code"].unique()) == 32
    np.testing.assert_allclose(joined["model_estimate"], joined["estimate"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(joined["model_mse"], joined["mse"], rtol=0, atol=1e-6)
    if estimand == local_model.FINITE_POPULATION_MEAN:
        # the sampled share pulls towards the sample mean: not the model mean
        model_mean = _python(units, frame, local_model.MODEL_MEAN)
        assert not np.allclose(model_mean["model_estimate"], mine["model_estimate"])


def test_the_ratio_is_a_root_of_the_reml_score_and_the_deviance_is_least_there() -> None:
    cells = _cells(_units())
    levels = local_model.Levels.of(cells, REGIONS)
    moments = local_model.Moments.of(cells, levels.design(cells))
    ratio = local_model.reml_ratio(moments)
    assert ratio > 0
    assert abs(moments.reml_score(ratio)) < 1e-9 * moments.respondents
    for step in (1e-4, 1e-2):
        assert moments.reml_deviance(ratio) < moments.reml_deviance(ratio * (1 + step))
        assert moments.reml_deviance(ratio) < moments.reml_deviance(ratio * (1 - step))
    # the score is the deviance's derivative
    h = ratio * 1e-5
    slope = (moments.reml_deviance(ratio * 1.5 + h) - moments.reml_deviance(ratio * 1.5 - h)) / (
        2 * h
    )
    assert moments.reml_score(ratio * 1.5) == pytest.approx(slope, rel=1e-5)


def test_no_between_area_variance_gives_the_boundary() -> None:
    units = _units()
    rng = np.random.default_rng(0)
    units["score"] = rng.normal(0, 20, len(units))  # no area effects at all
    cells = _cells(units)
    levels = local_model.Levels.of(cells, REGIONS)
    moments = local_model.Moments.of(cells, levels.design(cells))
    ratio = local_model.reml_ratio(moments)
    if ratio == 0:
        assert moments.reml_score(0.0) >= 0
    else:
        assert abs(moments.reml_score(ratio)) < 1e-9 * moments.respondents


# --- empty levels and samples that cannot support the model ------------------------------------
def test_a_wave_without_the_reference_region_drops_it_and_stays_in_range(tmp_path: Path) -> None:
    """Nobody from East (the reference region): East is dropped, its authorities are not
    estimable (never the reference's effect), North becomes the reference, every other
    estimate stays inside -200..200 and equals lme4 on the same data."""
    units = _units(seed=5, areas=30)
    frame = _frame_of(units)
    without = units[units["region"] != "East"]
    out = _python(without, frame, local_model.MODEL_MEAN)
    east = frame.groupby("la_code")["region"].first() == "East"
    assert not out.loc[east[east].index, "model_estimable"].any()
    assert out.loc[east[east].index, "model_estimate"].isna().all()
    kept = out[out["model_estimable"]]
    assert len(kept) == (~east).sum()
    assert kept["model_estimate"].between(-200, 200).all()
    assert kept["model_rmse"].notna().all()
    assert json.loads(out["levels_dropped"].iloc[0]) == ["region[East]"]
    assert "region[South]" in json.loads(out["fixed_effects"].iloc[0])
    theirs, _ = _lme4(without, frame[~frame["region"].eq("East")], "model_mean", tmp_path)
    joined = kept.join(theirs, how="inner")
    assert len(joined) == len(kept)
    np.testing.assert_allclose(joined["model_estimate"], joined["estimate"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(joined["model_mse"], joined["mse"], rtol=0, atol=1e-6)


def test_an_empty_quintile_is_merged_into_its_neighbour_and_said_so() -> None:
    units = _units()
    units = units[units["imd_quintile"] != 3]
    out = _python(units, _frame_of(units), local_model.MODEL_MEAN)
    assert json.loads(out["levels_merged"].iloc[0]) == ["imd_quintile[3] -> imd_quintile[2]"]
    assert out["model_estimable"].all()
    assert out["model_estimate"].between(-200, 200).all()
    assert "imd_quintile[3]" not in json.loads(out["fixed_effects"].iloc[0])


def test_a_collinear_design_is_refused_and_every_authority_marked_not_estimable() -> None:
    """Rural respondents only in South, and every South respondent rural: region[South]
    and urban_rural[Rural] are the same column. No solve on that system: a refusal."""
    units = _units()
    units["urban_rural"] = np.where(units["region"] == "South", "Rural", "Urban")
    cells = _cells(units)
    with pytest.raises(local_model.NotEstimable, match="collinear"):
        local_model.fit(cells, REGIONS)
    out = _python(units, _frame_of(units), local_model.MODEL_MEAN)
    assert not out["model_estimable"].any()
    assert out[["model_estimate", "model_rmse", "sigma_u"]].isna().all().all()
    assert out["not_estimable_reason"].str.contains("collinear").all()
    assert (out["respondents"].sum()) == len(units)


def test_too_few_respondents_for_the_model_is_a_refusal() -> None:
    units = _units().head(6)
    with pytest.raises(local_model.NotEstimable):
        local_model.fit(_cells(units), REGIONS)


def test_an_unknown_estimand_is_one_clear_error() -> None:
    units = _units()
    with pytest.raises(ValueError, match="local_estimand"):
        _python(units, _frame_of(units), "population")


@pytest.mark.slow
def test_a_wave_without_the_reference_region_or_wales_builds_and_publishes(tmp_path: Path) -> None:
    """Nobody from the East Midlands (the reference region) or Wales: the wave builds
    through dbt with every data test, its national figures are published, the two regions'
    authorities are marked not estimable and said so in the fit mart, every other model
    estimate stays inside -200..200, and no direct estimate under 50 respondents is shown."""
    from handmade import land, make_wave

    from lui.warehouse.dbt import dbt_build

    wave_id = "2022-02"
    wave = make_wave(wave_id, 1600, seed=4)
    regions = {code: row["region"] for code, row in codebook.local_authorities().items()}
    empty = {"East Midlands", "Wales"}
    wave = wave[~wave["la_code"].map(regions).isin(empty)].reset_index(drop=True)
    warehouse = tmp_path / "levelling_up.duckdb"
    land(warehouse, wave_id, wave)
    dbt_build(warehouse=warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        uk = con.execute(
            "select count(*) from marts.fct_mission_index where breakdown = 'all' and wave_id = ?",
            [wave_id],
        ).fetchone()
        local = con.execute(
            "select * from marts.fct_local_mission_index where wave_id = ?", [wave_id]
        ).df()
        fit = con.execute(
            "select * from marts.fct_local_model_fit where wave_id = ?", [wave_id]
        ).df()
    assert uk == (12,)
    assert len(local) == 361 * 12
    dropped = local["region"].isin(empty)
    assert not local.loc[dropped, "model_estimable"].any()
    assert local.loc[dropped, ["model_estimate", "ci_low", "vs_region"]].isna().all().all()
    kept = local[~dropped]
    assert kept["model_estimable"].all()
    assert kept["model_estimate"].between(-200, 200).all()
    assert kept["model_rmse"].lt(100).all()
    assert local.loc[local["respondents"] < 50, "direct_estimate"].isna().all()
    assert (fit["fitted"]).all() and len(fit) == 12
    for listed in fit["levels_dropped"]:
        assert json.loads(listed) == ["region[East Midlands]", "region[Wales]"]
    assert fit["fixed_effects"].map(lambda j: "region[East of England]" not in j).all()


@pytest.mark.slow
def test_var_local_estimand_publishes_the_finite_population_mean(demo_run, tmp_path) -> None:
    """`--vars '{local_estimand: finite_population_mean}'` rebuilds the local models with
    sae::eblupBHF's estimand: said so in the fit mart, and each estimate is the model's
    for that estimand on the wave's cells (tested against R above)."""
    from demo_fixtures import copy_demo

    from lui.warehouse.dbt import dbt_build

    demo = copy_demo(demo_run, tmp_path)
    query = "select * from marts.fct_local_mission_index where wave_id = ? order by all"
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        before = con.execute(query, [WAVE]).df()
    dbt_build(
        warehouse=demo.warehouse,
        extra=[
            "--select",
            "int_local_eblup+",
            "--vars",
            "{local_estimand: finite_population_mean}",
        ],
    )
    with duckdb.connect(str(demo.warehouse), read_only=True) as con:
        after = con.execute(query, [WAVE]).df()
        fit = con.execute("select * from marts.fct_local_model_fit").df()
        cells, frame = local_model.warehouse_inputs(con, WAVE)
    assert (fit["estimand"] == local_model.FINITE_POPULATION_MEAN).all()
    expected = local_model.estimate_all(cells, frame, local_model.FINITE_POPULATION_MEAN)
    merged = after.merge(expected, on=["la_code", "mission_id"], suffixes=("", "_expected"))
    assert len(merged) == 361 * 12
    np.testing.assert_allclose(merged.model_estimate, merged.model_estimate_expected, atol=1e-9)
    # a sampled share of about 1e-4: the estimand moves the estimates, but only just
    shift = (after.model_estimate - before.model_estimate).abs()
    assert shift.max() > 0 and shift.max() < 0.5
