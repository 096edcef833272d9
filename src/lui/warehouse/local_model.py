"""Small-area estimates of the missions for every local authority (docs/local_estimates.md).

The unit-level nested-error model of Battese, Harter and Fuller (1988), per wave and mission:

    y_di = x_di' beta + u_d + e_di,   u_d ~ N(0, sigma_u^2),   e_di ~ N(0, sigma_e^2)

y_di the mission score of respondent i in local authority d, x_di fixed effects for region,
deprivation quintile and urban/rural (all constant inside a cell: authority x quintile x
urban/rural), fitted by REML without survey weights, as R's `lme4::lmer(y ~ region + imd +
urban_rural + (1 | la))` and `sae::eblupBHF` do.

The fit runs on a small table of sufficient statistics computed in SQL
(`int_local_model_cells`: per cell its respondents, sum and sum of squares of the scores).
The REML likelihood of this model depends on the data only through each cell's count and
sum and the total sum of squares, so it is evaluated exactly from them: profiled over beta
and sigma_e^2 (closed form given the variance ratio), it leaves a one-dimensional search.
statsmodels' `MixedLM` on the unit-level data is the reference it is tested against
(tests/python/test_local_model.py); fitted directly it was both slow (10-80 s a fit at
4,162 respondents) and unreliable here (its gradient optimisers stopped at different
points), so it is not the engine.

Each authority's estimate is the EBLUP of its population mean, with the fixed part
poststratified over its population by quintile x urban/rural (the frame seed):

    mu_d = Xbar_d' beta + gamma_d (ybar_d - xbar_d' beta),   gamma_d = su2 / (su2 + se2 / n_d)

(the synthetic estimate Xbar_d' beta where n_d = 0). Its mean squared error is the
Prasad-Rao analytic approximation for REML variance components (Prasad and Rao 1990;
Datta and Lahiri 2000; Rao and Molina 2015, section 7.2):

    mse_d = g1 + g2 + 2 g3,   g1 = gamma_d se2 / n_d,
    g2 = (Xbar_d - gamma_d xbar_d)' V(beta) (Xbar_d - gamma_d xbar_d),
    g3 = n_d^-2 (su2 + se2/n_d)^-3 [se2^2 V(su2) + su2^2 V(se2) - 2 se2 su2 C(su2, se2)],

with V(beta) = (X' V^-1 X)^-1 and the variance components' asymptotic covariance the
inverse of their information matrix; for an authority without respondents
mse_d = su2 + Xbar_d' V(beta) Xbar_d.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Fit:
    """One REML fit: fixed effects with their covariance and the variance components."""

    terms: tuple[str, ...]
    beta: np.ndarray
    beta_cov: np.ndarray
    sigma2_u: float
    sigma2_e: float
    components_cov: np.ndarray  # 2 x 2: (sigma2_u, sigma2_e)
    respondents: int
    areas: int

    def fixed_effects_json(self) -> str:
        return json.dumps(
            {t: round(float(b), 10) for t, b in zip(self.terms, self.beta, strict=True)}
        )


def term_names(regions: list[str]) -> list[str]:
    """Intercept, a dummy per region but the first, quintiles 2-5 and rural."""
    reference, *others = sorted(regions)
    del reference
    return [
        "intercept",
        *(f"region[{r}]" for r in others),
        *(f"imd_quintile[{q}]" for q in range(2, 6)),
        "urban_rural[Rural]",
    ]


def design(rows: pd.DataFrame, terms: list[str]) -> np.ndarray:
    """The covariates of each row (region, imd_quintile, urban_rural) as term columns."""
    out = np.zeros((len(rows), len(terms)))
    region = rows["region"].to_numpy()
    imd = rows["imd_quintile"].astype(int).to_numpy()
    rural = (rows["urban_rural"] == "Rural").to_numpy()
    for j, term in enumerate(terms):
        if term == "intercept":
            out[:, j] = 1.0
        elif term.startswith("region["):
            out[:, j] = region == term[7:-1]
        elif term.startswith("imd_quintile["):
            out[:, j] = imd == int(term[13:-1])
        elif term == "urban_rural[Rural]":
            out[:, j] = rural
    return out


@dataclass(frozen=True)
class Moments:
    """The sufficient statistics of one wave x mission: what the REML likelihood sees."""

    x_cells: np.ndarray  # cell covariates
    n_cells: np.ndarray  # respondents per cell
    sum_y_cells: np.ndarray
    area: np.ndarray  # area number of each cell
    n_areas: np.ndarray  # respondents per area
    sum_x_areas: np.ndarray  # sum over the area's respondents of x
    sum_y_areas: np.ndarray
    sum_y2: float  # total sum of squares of the scores
    xtx: np.ndarray  # X'X over the respondents
    xty: np.ndarray  # X'y over the respondents

    @classmethod
    def of(cls, cells: pd.DataFrame, x_cells: np.ndarray) -> Moments:
        _, area = np.unique(cells["la_code"].to_numpy(), return_inverse=True)
        n_c = cells["respondents"].to_numpy(dtype=float)
        sum_y = cells["sum_score"].to_numpy(dtype=float)
        n_areas = np.bincount(area, weights=n_c)
        sum_x = np.zeros((len(n_areas), x_cells.shape[1]))
        np.add.at(sum_x, area, x_cells * n_c[:, None])
        return cls(
            x_cells=x_cells,
            n_cells=n_c,
            sum_y_cells=sum_y,
            area=area,
            n_areas=n_areas,
            sum_x_areas=sum_x,
            sum_y_areas=np.bincount(area, weights=sum_y),
            sum_y2=float(cells["sum_score_sq"].sum()),
            xtx=np.einsum("ck,c,cl->kl", x_cells, n_c, x_cells),
            xty=np.einsum("ck,c->k", x_cells, sum_y),
        )

    def gls(self, ratio: float) -> tuple[np.ndarray, np.ndarray, float]:
        """(beta, X'H^-1 X, y'H^-1 y - beta'X'H^-1 y) for H = I + ratio J per area."""
        shrink = ratio / (1 + ratio * self.n_areas)  # gamma_d / n_d
        xhx = self.xtx - np.einsum("dk,d,dl->kl", self.sum_x_areas, shrink, self.sum_x_areas)
        xhy = self.xty - np.einsum("dk,d->k", self.sum_x_areas, shrink * self.sum_y_areas)
        yhy = self.sum_y2 - float(np.sum(shrink * self.sum_y_areas**2))
        beta = np.linalg.solve(xhx, xhy)
        return beta, xhx, yhy - float(beta @ xhy)

    def reml_deviance(self, ratio: float) -> float:
        """-2 x the REML log-likelihood profiled over beta and sigma_e^2 (no constant)."""
        _, xhx, quadratic = self.gls(ratio)
        dof = self.n_cells.sum() - self.x_cells.shape[1]
        return float(
            dof * np.log(quadratic / dof)
            + np.sum(np.log1p(ratio * self.n_areas))
            + np.linalg.slogdet(xhx)[1]
        )


def fit(cells: pd.DataFrame, terms: list[str]) -> Fit:
    """REML fit of the nested-error model from the cells of one wave and mission.

    The likelihood is profiled over beta and sigma_e^2 (both closed-form given the ratio
    sigma_u^2 / sigma_e^2), leaving a one-dimensional bounded search (scipy's Brent) over
    the log ratio, with the boundary sigma_u^2 = 0 compared too.
    """
    from scipy.optimize import minimize_scalar

    cells = cells[cells["respondents"] > 0].reset_index(drop=True)
    x_cells = design(cells, terms)
    # a level nobody in the wave has, or one every respondent has (a Scotland-only boost: its
    # region is the intercept): its effect is not estimable, so the term is left out
    used: list[int] = []
    for j in range(len(terms)):
        if np.linalg.matrix_rank(x_cells[:, [*used, j]]) == len(used) + 1:
            used.append(j)
    if len(used) < len(terms):
        terms = [terms[j] for j in used]
        x_cells = x_cells[:, used]
    moments = Moments.of(cells, x_cells)
    search = minimize_scalar(
        lambda log_ratio: moments.reml_deviance(float(np.exp(log_ratio))),
        bounds=(-16.0, 10.0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    ratio = float(np.exp(search.x))
    if moments.reml_deviance(0.0) <= search.fun:
        ratio = 0.0
    beta, xhx, quadratic = moments.gls(ratio)
    sigma2_e = quadratic / (moments.n_cells.sum() - len(terms))
    sigma2_u = ratio * sigma2_e
    return Fit(
        terms=tuple(terms),
        beta=beta,
        beta_cov=sigma2_e * np.linalg.inv(xhx),
        sigma2_u=sigma2_u,
        sigma2_e=sigma2_e,
        components_cov=components_covariance(moments.n_areas, sigma2_u, sigma2_e),
        respondents=int(moments.n_cells.sum()),
        areas=len(moments.n_areas),
    )


def components_covariance(n_d: np.ndarray, sigma2_u: float, sigma2_e: float) -> np.ndarray:
    """Asymptotic covariance of (sigma2_u, sigma2_e): the inverse information matrix,
    I_ab = 1/2 sum_d tr(V_d^-1 dV_d/da V_d^-1 dV_d/db) with V_d = se2 I + su2 J."""
    total = sigma2_e + n_d * sigma2_u
    i_uu = 0.5 * np.sum(n_d**2 / total**2)
    i_ue = 0.5 * np.sum(n_d / total**2)
    i_ee = 0.5 * np.sum((n_d - 1) / sigma2_e**2 + 1 / total**2)
    return np.linalg.inv(np.array([[i_uu, i_ue], [i_ue, i_ee]]))


def eblup(cells: pd.DataFrame, frame: pd.DataFrame, model: Fit) -> pd.DataFrame:
    """Per authority of `frame`: respondents, synthetic and model estimate, MSE, root MSE.

    `cells`: the wave x mission's cells (la_code, region, imd_quintile, urban_rural,
    respondents, sum_score); `frame`: population per la_code x region x imd_quintile x
    urban_rural.
    """
    terms = list(model.terms)
    frame = frame.assign(xrow=range(len(frame)))
    pop = frame["population"].to_numpy(dtype=float)
    x_frame = design(frame, terms) * pop[:, None]
    las = sorted(frame["la_code"].unique())
    index = {code: i for i, code in enumerate(las)}
    pos = frame["la_code"].map(index).to_numpy()
    xbar_pop = np.zeros((len(las), len(terms)))
    np.add.at(xbar_pop, pos, x_frame)
    xbar_pop /= np.bincount(pos, weights=pop)[:, None]

    sampled = cells[cells["respondents"] > 0]
    spos = sampled["la_code"].map(index).to_numpy()
    n_c = sampled["respondents"].to_numpy(dtype=float)
    n_d = np.bincount(spos, weights=n_c, minlength=len(las))
    sum_y = np.bincount(spos, weights=sampled["sum_score"].to_numpy(float), minlength=len(las))
    sum_x = np.zeros((len(las), len(terms)))
    np.add.at(sum_x, spos, design(sampled, terms) * n_c[:, None])
    has = n_d > 0
    safe_n = np.where(has, n_d, 1.0)
    ybar = np.where(has, sum_y / safe_n, np.nan)
    xbar_s = sum_x / safe_n[:, None]

    su2, se2 = model.sigma2_u, model.sigma2_e
    gamma = np.where(has, su2 / (su2 + se2 / safe_n), 0.0)
    synthetic = xbar_pop @ model.beta
    random_effect = np.where(has, gamma * (ybar - xbar_s @ model.beta), 0.0)
    estimate = synthetic + random_effect

    a = xbar_pop - gamma[:, None] * xbar_s
    g2 = np.einsum("dk,kl,dl->d", a, model.beta_cov, a)
    v_uu, v_ue, v_ee = (
        model.components_cov[0, 0],
        model.components_cov[0, 1],
        model.components_cov[1, 1],
    )
    g1 = np.where(has, gamma * se2 / safe_n, su2)
    g3 = np.where(
        has,
        (se2**2 * v_uu + su2**2 * v_ee - 2 * se2 * su2 * v_ue)
        / (safe_n**2 * (su2 + se2 / safe_n) ** 3),
        0.0,
    )
    mse = g1 + g2 + 2 * g3
    rmse = np.sqrt(mse)
    return pd.DataFrame(
        {
            "la_code": las,
            "respondents": n_d.astype(np.int64),
            "sample_mean": ybar,
            "synthetic_estimate": synthetic,
            "random_effect": random_effect,
            "shrinkage": gamma,
            "model_estimate": estimate,
            "model_mse": mse,
            "model_rmse": rmse,
        }
    )


def estimate_all(cells: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Fit and EBLUP for every wave x mission of `cells`; every authority of `frame`.

    One row per wave x authority x mission, with the fit's sigma_u, sigma_e, fixed effects
    (JSON), respondents and areas sampled repeated on each row of its wave x mission.
    """
    terms = term_names(sorted(frame["region"].unique()))
    # a fixed row order: the same sums in the same order, so a wave's fit is identical to
    # the last bit whether it is built alone or with every other wave
    cell_keys = ["la_code", "imd_quintile", "urban_rural"]
    cells = cells.sort_values(["wave_id", "mission_id", *cell_keys], kind="stable")
    frame = frame.sort_values(cell_keys, kind="stable").reset_index(drop=True)
    parts = []
    for (wave_id, mission_id), group in cells.groupby(["wave_id", "mission_id"], sort=True):
        model = fit(group, terms)
        out = eblup(group, frame, model)
        out.insert(0, "mission_id", int(mission_id))
        out.insert(0, "wave_id", wave_id)
        out["sigma_u"] = np.sqrt(model.sigma2_u)
        out["sigma_e"] = np.sqrt(model.sigma2_e)
        out["fixed_effects"] = model.fixed_effects_json()
        out["fit_respondents"] = model.respondents
        out["areas_sampled"] = model.areas
        parts.append(out)
    if not parts:
        # typed, so an empty warehouse builds tables of the contracts' column types
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in OUTPUT_DTYPES.items()})
    return pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]


OUTPUT_DTYPES: dict[str, str] = {
    "wave_id": "string",
    "mission_id": "int64",
    "la_code": "string",
    "respondents": "int64",
    "sample_mean": "float64",
    "synthetic_estimate": "float64",
    "random_effect": "float64",
    "shrinkage": "float64",
    "model_estimate": "float64",
    "model_mse": "float64",
    "model_rmse": "float64",
    "sigma_u": "float64",
    "sigma_e": "float64",
    "fixed_effects": "string",
    "fit_respondents": "int64",
    "areas_sampled": "int64",
}
OUTPUT_COLUMNS = list(OUTPUT_DTYPES)
