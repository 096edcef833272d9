"""The local-authority model (issue 17): the fit, the EBLUP and its MSE, and the marts.

The REML fit on sufficient statistics is checked against statsmodels' unit-level MixedLM,
the EBLUP and the Prasad-Rao MSE against numbers worked by hand, and the published marts
of a generated wave of 4,162 respondents against the generator's truth.
"""

from __future__ import annotations

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
    terms = local_model.term_names(REGIONS)
    mine = local_model.fit(_cells(units), terms)
    reference = MixedLM(
        units["score"].to_numpy(), local_model.design(units, terms), groups=units["la_code"]
    ).fit(reml=True, method=["nm"], maxiter=20000)
    assert mine.sigma2_e == pytest.approx(reference.scale, rel=1e-4)
    assert mine.sigma2_u == pytest.approx(float(np.asarray(reference.cov_re)[0, 0]), rel=1e-3)
    np.testing.assert_allclose(mine.beta, reference.fe_params, rtol=1e-4, atol=1e-4)
    # V(beta) = (X' V^-1 X)^-1 at the estimates, with V built unit by unit
    x = local_model.design(units, terms)
    same_area = units["la_code"].to_numpy()[:, None] == units["la_code"].to_numpy()[None, :]
    v = mine.sigma2_e * np.eye(len(units)) + mine.sigma2_u * same_area
    np.testing.assert_allclose(mine.beta_cov, np.linalg.inv(x.T @ np.linalg.solve(v, x)))
    assert mine.respondents == len(units) and mine.areas == units["la_code"].nunique()


def _hand_fit(components_cov: np.ndarray) -> local_model.Fit:
    return local_model.Fit(
        terms=("intercept",),
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
        fit = con.execute("select * from marts.fct_local_model_fit where wave_id = ?", [WAVE]).df()
    return index, fit


@pytest.fixture(scope="module")
def true_index() -> pd.DataFrame:
    return truth.true_index(WAVE, demo_model.DEMO_SEED)


@pytest.mark.slow
def test_every_authority_and_mission_has_a_row(local_marts) -> None:
    index, fit = local_marts
    assert len(index) == 361 * 12
    assert set(index.la_code) == set(codebook.local_authorities())
    assert index.model_estimate.notna().all() and (index.model_rmse > 0).all()
    assert index.loc[index.respondents < 2, "direct_se"].isna().all()
    assert index.loc[index.respondents >= 2, "direct_se"].notna().all()
    assert index.loc[index.respondents == 0, "direct_estimate"].isna().all()
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
    direct_rmse = np.sqrt(np.mean((sampled.direct_estimate - sampled.true_index) ** 2))
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
