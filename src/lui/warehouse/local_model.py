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
and sigma_e^2 (closed form given the variance ratio sigma_u^2 / sigma_e^2), it leaves one
equation, the REML score in the ratio, also closed form in the same statistics, whose root
is solved by a bracketing root finder (scipy's brentq) to machine precision (`reml_ratio`).
R's lme4 at the same root is the reference (tests/r/local_model_lme4.R); statsmodels'
`MixedLM` on the unit-level data is checked too.

Only the levels the wave x mission's respondents support are fitted (`Levels`): an empty
region is dropped (its authorities not estimable), an empty quintile merged into its
neighbour, urban/rural with one level empty merged; a design still short of full rank, or
too small a sample, is refused (`NotEstimable`): every authority of that wave x mission is
then marked not estimable and the reason published, and the rest of the wave builds.

Each authority's estimate (the default estimand, `model_mean`) is the EBLUP of its
population mean under the model, with the fixed part poststratified over its population
by quintile x urban/rural (the frame seed):

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

The other estimand, `finite_population_mean` (var local_estimand), is the mean of the
authority's N_d residents as `sae::eblupBHF` estimates it: the sampled share f_d = n_d / N_d
is known, the rest predicted,

    mu_d = f_d ybar_d + (1 - f_d) (Xbar_rd' beta + u_d),
    mse_d = (1 - f_d)^2 (g1 + g2 + 2 g3 + se2 / (N_d - n_d)),

with Xbar_rd the unsampled residents' mean covariates (in g2 in place of Xbar_d).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import duckdb

SCORE_RANGE = (-200.0, 200.0)
QUINTILES = (1, 2, 3, 4, 5)
# the estimands of var local_estimand (docs/local_estimates.md)
MODEL_MEAN = "model_mean"
FINITE_POPULATION_MEAN = "finite_population_mean"
ESTIMANDS = (MODEL_MEAN, FINITE_POPULATION_MEAN)


class NotEstimable(ValueError):
    """The wave x mission's sample cannot support the model (the reason is the message)."""


@dataclass(frozen=True)
class Levels:
    """The fixed-effect levels one wave x mission's respondents can support.

    A region with no respondents is dropped: its authorities are not estimable (no data
    says anything about that region's effect, and giving them the reference region's would
    be a guess presented as an estimate). A deprivation quintile with no respondents is
    merged into the nearest quintile that has some (the lower on a tie); urban/rural with
    one of its two levels empty is merged into the other (no urban/rural term). The
    reference levels are the first region alphabetically with respondents, the lowest
    fitted quintile and Urban (or the one urban/rural level present).
    """

    regions: tuple[str, ...]  # the fitted regions, the reference first
    dropped_regions: tuple[str, ...]
    quintile_map: dict[int, int] = field(default_factory=dict)  # every quintile -> fitted as
    urban_rural: tuple[str, ...] = ("Urban", "Rural")  # the fitted levels, the reference first

    @classmethod
    def of(cls, cells: pd.DataFrame, regions: list[str]) -> Levels:
        """The levels of `regions` (every region of the frame) that `cells` can support."""
        sampled = cells[cells["respondents"] > 0]
        present = set(sampled["region"])
        fitted = tuple(r for r in sorted(regions) if r in present)
        quintiles = sorted({int(q) for q in sampled["imd_quintile"]})
        if not fitted or not quintiles:
            raise NotEstimable("no respondents with a score")
        quintile_map = {q: min(quintiles, key=lambda f, q=q: (abs(f - q), f)) for q in QUINTILES}
        seen = set(sampled["urban_rural"])
        urban_rural = tuple(level for level in ("Urban", "Rural") if level in seen)
        return cls(
            regions=fitted,
            dropped_regions=tuple(r for r in sorted(regions) if r not in present),
            quintile_map=quintile_map,
            urban_rural=urban_rural,
        )

    @property
    def terms(self) -> list[str]:
        """Intercept, a dummy per fitted region but the reference, per fitted quintile but
        the lowest, and Rural when both urban and rural respondents were sampled."""
        return [
            "intercept",
            *(f"region[{r}]" for r in self.regions[1:]),
            *(f"imd_quintile[{q}]" for q in sorted(set(self.quintile_map.values()))[1:]),
            *(["urban_rural[Rural]"] if len(self.urban_rural) == 2 else []),
        ]

    def design(self, rows: pd.DataFrame) -> np.ndarray:
        """The covariates of each row (region, imd_quintile, urban_rural) as term columns;
        rows of a dropped region get the reference region's columns (see `estimable`)."""
        terms = self.terms
        out = np.zeros((len(rows), len(terms)))
        region = rows["region"].to_numpy()
        imd = rows["imd_quintile"].astype(int).map(self.quintile_map).to_numpy()
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

    def estimable(self, rows: pd.DataFrame) -> np.ndarray:
        """Whether each row's region was fitted."""
        return rows["region"].isin(self.regions).to_numpy()

    def dropped(self) -> list[str]:
        return [f"region[{r}]" for r in self.dropped_regions]

    def merged(self) -> list[str]:
        """'level -> level it was fitted as', for every merged level."""
        out = [
            f"imd_quintile[{q}] -> imd_quintile[{f}]"
            for q, f in self.quintile_map.items()
            if q != f
        ]
        if len(self.urban_rural) == 1:
            other = "Rural" if self.urban_rural[0] == "Urban" else "Urban"
            out.append(f"urban_rural[{other}] -> urban_rural[{self.urban_rural[0]}]")
        return out


@dataclass(frozen=True)
class Fit:
    """One REML fit: fixed effects with their covariance and the variance components."""

    levels: Levels
    beta: np.ndarray
    beta_cov: np.ndarray
    sigma2_u: float
    sigma2_e: float
    components_cov: np.ndarray  # 2 x 2: (sigma2_u, sigma2_e)
    respondents: int
    areas: int

    @property
    def terms(self) -> list[str]:
        return self.levels.terms

    def fixed_effects_json(self) -> str:
        return json.dumps(
            {t: round(float(b), 10) for t, b in zip(self.terms, self.beta, strict=True)}
        )


@dataclass(frozen=True)
class Moments:
    """The sufficient statistics of one wave x mission: what the REML likelihood sees."""

    n_areas: np.ndarray  # respondents per area
    sum_x_areas: np.ndarray  # sum over the area's respondents of x
    sum_y_areas: np.ndarray
    respondents: float
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
            n_areas=n_areas,
            sum_x_areas=sum_x,
            sum_y_areas=np.bincount(area, weights=sum_y),
            respondents=float(n_c.sum()),
            sum_y2=float(cells["sum_score_sq"].sum()),
            xtx=(x_cells * n_c[:, None]).T @ x_cells,
            xty=x_cells.T @ sum_y,
        )

    @property
    def dof(self) -> float:
        return self.respondents - self.xtx.shape[0]

    def gls(self, ratio: float) -> tuple[np.ndarray, np.ndarray, float]:
        """(beta, X'H^-1 X, y'H^-1 y - beta'X'H^-1 y) for H = I + ratio J per area."""
        shrink = ratio / (1 + ratio * self.n_areas)  # gamma_d / n_d
        xhx = self.xtx - (self.sum_x_areas * shrink[:, None]).T @ self.sum_x_areas
        xhy = self.xty - self.sum_x_areas.T @ (shrink * self.sum_y_areas)
        yhy = self.sum_y2 - float(np.sum(shrink * self.sum_y_areas**2))
        beta = np.linalg.solve(xhx, xhy)
        return beta, xhx, yhy - float(beta @ xhy)

    def reml_deviance(self, ratio: float) -> float:
        """-2 x the REML log-likelihood profiled over beta and sigma_e^2 (no constant):
        D = (n - p) log(Q / (n - p)) + sum_d log(1 + ratio n_d) + log det X'H^-1 X."""
        _, xhx, quadratic = self.gls(ratio)
        return float(
            self.dof * np.log(quadratic / self.dof)
            + np.sum(np.log1p(ratio * self.n_areas))
            + np.linalg.slogdet(xhx)[1]
        )

    def reml_score(self, ratio: float) -> float:
        """dD/d ratio, in closed form from the same statistics (H^-1 = I - s_d J per area):

        (n - p) Q'/Q + sum_d n_d / (1 + ratio n_d) - sum_d w_d' (X'H^-1 X)^-1 w_d,
        Q' = -sum_d a_d^2,  a_d = (sum_d y - sum_d x' beta) / (1 + ratio n_d),
        w_d = sum_d x / (1 + ratio n_d).
        """
        beta, xhx, quadratic = self.gls(ratio)
        scale = 1 / (1 + ratio * self.n_areas)
        a = (self.sum_y_areas - self.sum_x_areas @ beta) * scale
        w = self.sum_x_areas * scale[:, None]
        trace = float(np.sum(w * np.linalg.solve(xhx, w.T).T))
        return float(-self.dof * np.sum(a**2) / quadratic + np.sum(self.n_areas * scale) - trace)


# where the REML ratio sigma_u^2 / sigma_e^2 is looked for: exp(-20) to exp(20)
LOG_RATIO_GRID = np.linspace(-20.0, 20.0, 41)


def reml_ratio(moments: Moments) -> float:
    """The REML estimate of sigma_u^2 / sigma_e^2: a root of the REML score equation.

    The score is evaluated on a grid of log ratios; every sign change from - to + (a local
    minimum of the deviance) is solved by Brent's bracketing method (scipy's brentq) to
    machine precision, and the root of least deviance is kept, or the boundary 0 when the
    deviance is least there (score >= 0 at the grid's start: no between-area variance).
    """
    from scipy.optimize import brentq

    def score(log_ratio: float) -> float:
        return moments.reml_score(float(np.exp(log_ratio)))

    scores = np.array([score(x) for x in LOG_RATIO_GRID])
    candidates = [0.0]
    for lo, hi, s_lo, s_hi in zip(
        LOG_RATIO_GRID[:-1], LOG_RATIO_GRID[1:], scores[:-1], scores[1:], strict=True
    ):
        if s_lo < 0 <= s_hi:
            root = brentq(score, lo, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200)
            candidates.append(float(np.exp(root)))
    if scores[-1] < 0:
        raise NotEstimable("the REML deviance still falls at sigma_u^2 / sigma_e^2 = e^20")
    deviances = [moments.reml_deviance(r) for r in candidates]
    return candidates[int(np.argmin(deviances))]


def design_rank(xtx: np.ndarray) -> int:
    """The column rank of the design X from X'X: the eigenvalues of X'X scaled to unit
    diagonal (its correlation form) above 1e-10 of the largest. The columns are 0/1
    indicators, so a collinear design has an eigenvalue of 0 to rounding (about 1e-16)."""
    scale = 1 / np.sqrt(np.diag(xtx))
    eigenvalues = np.linalg.eigvalsh(xtx * scale[:, None] * scale[None, :])
    return int(np.sum(eigenvalues > 1e-10 * eigenvalues.max()))


def fit(cells: pd.DataFrame, regions: list[str]) -> Fit:
    """REML fit of the nested-error model from the cells of one wave and mission.

    The levels the sample supports are fitted (Levels); a design of less than full column
    rank, or without residual degrees of freedom, raises NotEstimable. The likelihood is
    profiled over beta and sigma_e^2 (closed form given the ratio sigma_u^2 / sigma_e^2);
    the ratio is the root of the REML score equation (reml_ratio).
    """
    cells = cells[cells["respondents"] > 0].reset_index(drop=True)
    levels = Levels.of(cells, regions)
    x_cells = levels.design(cells)
    moments = Moments.of(cells, x_cells)
    rank = design_rank(moments.xtx)
    if rank < x_cells.shape[1]:
        raise NotEstimable(
            f"the fixed effects are collinear in this sample (rank {rank} of {x_cells.shape[1]})"
        )
    if moments.dof < 1 or len(moments.n_areas) < 2:
        raise NotEstimable(
            f"{int(moments.respondents)} respondents in {len(moments.n_areas)} authorities "
            f"cannot fit {x_cells.shape[1]} fixed effects and two variance components"
        )
    ratio = reml_ratio(moments)
    beta, xhx, quadratic = moments.gls(ratio)
    sigma2_e = quadratic / moments.dof
    sigma2_u = ratio * sigma2_e
    if not sigma2_e > 0:
        raise NotEstimable("no residual variance: every respondent's score is fitted exactly")
    return Fit(
        levels=levels,
        beta=beta,
        beta_cov=sigma2_e * np.linalg.inv(xhx),
        sigma2_u=sigma2_u,
        sigma2_e=sigma2_e,
        components_cov=components_covariance(moments.n_areas, sigma2_u, sigma2_e),
        respondents=int(moments.respondents),
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


def eblup(
    cells: pd.DataFrame, frame: pd.DataFrame, model: Fit, estimand: str = MODEL_MEAN
) -> pd.DataFrame:
    """Per authority of `frame`: respondents, synthetic and model estimate, MSE, root MSE.

    `cells`: the wave x mission's cells (la_code, region, imd_quintile, urban_rural,
    respondents, sum_score); `frame`: population per la_code x region x imd_quintile x
    urban_rural. `estimand`: MODEL_MEAN, the mean of the authority's population under the
    model (Xbar_d' beta + u_d), or FINITE_POPULATION_MEAN, the mean of its N_d residents'
    scores, as sae::eblupBHF: f_d ybar_d + (1 - f_d) (Xbar_rd' beta + u_d), with f_d =
    n_d / N_d and Xbar_rd the mean covariates of its unsampled residents. An authority of a
    dropped region, or whose estimate falls outside -200..200, is not estimable: null
    estimate and MSE, model_estimable false.
    """
    if estimand not in ESTIMANDS:
        raise ValueError(f"local_estimand is {estimand!r}: use one of {', '.join(ESTIMANDS)}")
    levels = model.levels
    pop = frame["population"].to_numpy(dtype=float)
    x_frame = levels.design(frame) * pop[:, None]
    las = sorted(frame["la_code"].unique())
    index = {code: i for i, code in enumerate(las)}
    pos = frame["la_code"].map(index).to_numpy()
    population = np.bincount(pos, weights=pop, minlength=len(las))
    xbar_pop = np.zeros((len(las), len(model.terms)))
    np.add.at(xbar_pop, pos, x_frame)
    xbar_pop /= population[:, None]
    estimable = np.bincount(pos, weights=levels.estimable(frame), minlength=len(las)) > 0

    sampled = cells[cells["respondents"] > 0]
    spos = sampled["la_code"].map(index).to_numpy()
    n_c = sampled["respondents"].to_numpy(dtype=float)
    n_d = np.bincount(spos, weights=n_c, minlength=len(las))
    sum_y = np.bincount(spos, weights=sampled["sum_score"].to_numpy(float), minlength=len(las))
    sum_x = np.zeros((len(las), len(model.terms)))
    np.add.at(sum_x, spos, levels.design(sampled) * n_c[:, None])
    has = n_d > 0
    safe_n = np.where(has, n_d, 1.0)
    ybar = np.where(has, sum_y / safe_n, np.nan)
    xbar_s = sum_x / safe_n[:, None]

    su2, se2 = model.sigma2_u, model.sigma2_e
    gamma = np.where(has, su2 / (su2 + se2 / safe_n), 0.0)
    synthetic = xbar_pop @ model.beta
    random_effect = np.where(has, gamma * (ybar - xbar_s @ model.beta), 0.0)
    if estimand == FINITE_POPULATION_MEAN:
        sampled_share = np.minimum(n_d / population, 1.0)
        unsampled = np.maximum(population - n_d, 0.0)
        xbar_target = np.where(
            (unsampled > 0)[:, None],
            (population[:, None] * xbar_pop - n_d[:, None] * xbar_s)
            / np.where(unsampled > 0, unsampled, 1.0)[:, None],
            xbar_pop,
        )
    else:
        sampled_share = np.zeros(len(las))
        xbar_target = xbar_pop
    keep = 1 - sampled_share
    estimate = np.where(
        has,
        sampled_share * np.nan_to_num(ybar) + keep * (xbar_target @ model.beta + random_effect),
        synthetic,
    )

    a = xbar_target - gamma[:, None] * xbar_s
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
    if estimand == FINITE_POPULATION_MEAN:
        # the unsampled residents' own errors: their mean has variance se2 / (N_d - n_d)
        residual = np.where(unsampled > 0, se2 / np.where(unsampled > 0, unsampled, 1.0), 0.0)
        mse = keep**2 * (mse + residual)
    low, high = SCORE_RANGE
    estimable &= (estimate >= low) & (estimate <= high)
    return pd.DataFrame(
        {
            "la_code": las,
            "respondents": n_d.astype(np.int64),
            "sample_mean": ybar,
            "synthetic_estimate": np.where(estimable, synthetic, np.nan),
            "random_effect": np.where(estimable, random_effect, np.nan),
            "shrinkage": gamma,
            "model_estimable": estimable,
            "model_estimate": np.where(estimable, estimate, np.nan),
            "model_mse": np.where(estimable, mse, np.nan),
            "model_rmse": np.where(estimable, np.sqrt(mse), np.nan),
        }
    )


def _not_estimable(cells: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """Every authority of `frame` with the model's columns null (a refused fit)."""
    sampled = cells[cells["respondents"] > 0]
    n_d = sampled.groupby("la_code")["respondents"].sum()
    sums = sampled.groupby("la_code")["sum_score"].sum()
    las = sorted(frame["la_code"].unique())
    respondents = n_d.reindex(las, fill_value=0).to_numpy(dtype=np.int64)
    nan = np.full(len(las), np.nan)
    return pd.DataFrame(
        {
            "la_code": las,
            "respondents": respondents,
            "sample_mean": (sums.reindex(las) / n_d.reindex(las)).to_numpy(dtype=float),
            "synthetic_estimate": nan,
            "random_effect": nan,
            "shrinkage": nan,
            "model_estimable": np.zeros(len(las), dtype=bool),
            "model_estimate": nan,
            "model_mse": nan,
            "model_rmse": nan,
        }
    )


def warehouse_inputs(
    con: duckdb.DuckDBPyConnection, wave_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What int_local_eblup fits one wave on, read from a built warehouse: the wave's cells
    (int_local_model_cells) and the frame with each authority's region."""
    cells = con.execute(
        "select * from intermediate.int_local_model_cells where wave_id = ?", [wave_id]
    ).df()
    frame = con.execute(
        "select f.*, a.region from reference.local_authority_frame as f "
        "join reference.local_authorities as a using (la_code)"
    ).df()
    return cells, frame


def estimate_all(
    cells: pd.DataFrame, frame: pd.DataFrame, estimand: str = MODEL_MEAN
) -> pd.DataFrame:
    """Fit and EBLUP for every wave x mission of `cells`; every authority of `frame`.

    One row per wave x authority x mission, with the fit's sigma_u, sigma_e, fixed effects
    (JSON), respondents and areas sampled, the levels dropped and merged and, for a wave x
    mission the model cannot be fitted on, the reason (its authorities not estimable),
    repeated on each row of its wave x mission.
    """
    regions = sorted(frame["region"].unique())
    # a fixed row order: the same sums in the same order, so a wave's fit is identical to
    # the last bit whether it is built alone or with every other wave
    cell_keys = ["la_code", "imd_quintile", "urban_rural"]
    cells = cells.sort_values(["wave_id", "mission_id", *cell_keys], kind="stable")
    frame = frame.sort_values(cell_keys, kind="stable").reset_index(drop=True)
    parts = []
    for (wave_id, mission_id), group in cells.groupby(["wave_id", "mission_id"], sort=True):
        try:
            model = fit(group, regions)
        except NotEstimable as refusal:
            out = _not_estimable(group, frame)
            out = out.assign(
                sigma_u=np.nan,
                sigma_e=np.nan,
                fixed_effects=None,
                fit_respondents=int(group["respondents"].sum()),
                areas_sampled=int(group.loc[group["respondents"] > 0, "la_code"].nunique()),
                levels_dropped=None,
                levels_merged=None,
                not_estimable_reason=str(refusal),
            )
        else:
            out = eblup(group, frame, model, estimand)
            out = out.assign(
                sigma_u=np.sqrt(model.sigma2_u),
                sigma_e=np.sqrt(model.sigma2_e),
                fixed_effects=model.fixed_effects_json(),
                fit_respondents=model.respondents,
                areas_sampled=model.areas,
                levels_dropped=json.dumps(model.levels.dropped()),
                levels_merged=json.dumps(model.levels.merged()),
                not_estimable_reason=None,
            )
        out.insert(0, "mission_id", int(mission_id))
        out.insert(0, "wave_id", wave_id)
        out["estimand"] = estimand
        parts.append(out)
    if not parts:
        # typed, so an empty warehouse builds tables of the contracts' column types
        return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in OUTPUT_DTYPES.items()})
    return pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS].astype(OUTPUT_DTYPES)


OUTPUT_DTYPES: dict[str, str] = {
    "wave_id": "string",
    "mission_id": "int64",
    "la_code": "string",
    "respondents": "int64",
    "sample_mean": "float64",
    "synthetic_estimate": "float64",
    "random_effect": "float64",
    "shrinkage": "float64",
    "model_estimable": "bool",
    "model_estimate": "float64",
    "model_mse": "float64",
    "model_rmse": "float64",
    "sigma_u": "float64",
    "sigma_e": "float64",
    "fixed_effects": "string",
    "fit_respondents": "int64",
    "areas_sampled": "int64",
    "levels_dropped": "string",
    "levels_merged": "string",
    "not_estimable_reason": "string",
    "estimand": "string",
}
OUTPUT_COLUMNS = list(OUTPUT_DTYPES)
