"""Who is sampled in a demo wave: small areas by population, demographics and raked weights.

Small areas are drawn with probability proportional to population inside each region x
supergroup cell, with the baseline's cell sizes fitted to the published report's bases
(`baseline_allocation`); age band and gender get a panel-like skew; weights are raked to
population margins and trimmed. The model's numbers are in `lui.demo.model`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from lui import codebook, contract
from lui.demo import model as demo_model
from lui.errors import LuiError


@dataclass(frozen=True)
class Geography:
    """Small areas with their local authority's nation, region and (synthetic) supergroup."""

    la_code: np.ndarray  # per small area
    la_idx: np.ndarray  # per small area: index into `las`
    las: tuple[str, ...]  # local authority codes, sorted
    imd_quintile: np.ndarray
    rural: np.ndarray  # bool
    population: np.ndarray
    region_idx: np.ndarray
    supergroup_idx: np.ndarray
    regions: tuple[str, ...]
    region_nation: tuple[str, ...]
    region_population: np.ndarray
    la_supergroup: dict[str, str]


@cache
def geography() -> Geography:
    areas = pd.read_csv(demo_model.DATA_DIR / "small_areas.csv", dtype={"la_code": str})
    las = pd.DataFrame(codebook.local_authorities().values())
    las["population"] = las["population"].astype(float)
    areas["rural_pop"] = areas["population"] * (areas["urban_rural"] == "Rural")
    areas["imd_pop"] = areas["population"] * areas["imd_quintile"]
    stats = areas.groupby("la_code")[["population", "rural_pop", "imd_pop"]].sum()
    las = las.join(stats, on="la_code", rsuffix="_sa")
    la_supergroup = {
        row.la_code: demo_model.assign_supergroup(
            row.la_name,
            row.nation,
            row.region,
            row.rural_pop / row.population_sa,
            row.imd_pop / row.population_sa,
        )
        for row in las.itertuples()
    }
    regions = tuple(
        las.drop_duplicates("region").sort_values(["nation", "region"])["region"].tolist()
    )
    region_nation = tuple(
        las.drop_duplicates("region").set_index("region").loc[list(regions)].nation
    )
    la_region = dict(zip(las["la_code"], las["region"], strict=True))
    region_index = {r: i for i, r in enumerate(regions)}
    sg_index = {s: i for i, s in enumerate(contract.SUPERGROUPS)}
    region_pop = las.groupby("region")["population"].sum().reindex(list(regions)).to_numpy()
    las_sorted = tuple(sorted(areas["la_code"].unique()))
    la_index = {code: i for i, code in enumerate(las_sorted)}
    return Geography(
        la_code=areas["la_code"].to_numpy(dtype=object),
        la_idx=areas["la_code"].map(la_index).to_numpy(dtype=np.int64),
        las=las_sorted,
        imd_quintile=areas["imd_quintile"].to_numpy(dtype=np.int8),
        rural=(areas["urban_rural"] == "Rural").to_numpy(),
        population=areas["population"].to_numpy(dtype=float),
        region_idx=areas["la_code"].map(la_region).map(region_index).to_numpy(dtype=np.int16),
        supergroup_idx=areas["la_code"].map(la_supergroup).map(sg_index).to_numpy(dtype=np.int16),
        regions=regions,
        region_nation=region_nation,
        region_population=region_pop,
        la_supergroup=la_supergroup,
    )


def published_bases() -> pd.DataFrame:
    return pd.read_csv(demo_model.DATA_DIR / "published_wave1_bases.csv")


def _region_key(name: str) -> str:
    return name.casefold()


@cache
def baseline_allocation() -> np.ndarray:
    """Respondents per region x supergroup cell with the report's exact marginal bases.

    Iterative proportional fitting of the population table to the published bases by
    region (which add up to the nation bases) and by supergroup, then controlled rounding.
    """
    geo = geography()
    n_r, n_s = len(geo.regions), len(contract.SUPERGROUPS)
    table = np.zeros((n_r, n_s))
    np.add.at(table, (geo.region_idx, geo.supergroup_idx), geo.population)
    bases = published_bases()
    by_group = {
        (b, _region_key(g) if b == "region" else g): int(n)
        for b, g, n in bases[["breakdown", "group", "unweighted_base"]].itertuples(index=False)
    }
    row_target = np.array(
        [
            by_group.get(("region", _region_key(r)), by_group.get(("nation", r), 0))
            for r in geo.regions
        ],
        dtype=float,
    )
    col_target = np.array([by_group[("supergroup", s)] for s in contract.SUPERGROUPS], float)
    if row_target.sum() != col_target.sum():
        raise LuiError("published bases by region and by supergroup do not add up")
    fit = table.copy()
    for _ in range(2000):
        fit *= (row_target / fit.sum(axis=1))[:, None]
        fit *= col_target / fit.sum(axis=0)
        if np.abs(fit.sum(axis=1) - row_target).max() < 1e-9:
            break
    else:
        raise LuiError("supergroup assignment cannot reproduce the published bases")
    return _controlled_round(fit, row_target.astype(int), col_target.astype(int))


def _controlled_round(fit: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Integer table with the given margins, close to `fit`, zero where `fit` is zero.

    Largest fractional parts first; where that gets stuck, an augmenting path (add to one
    cell, take one from another cell of the same column, add in that row, ...) finishes.
    """
    out = np.floor(fit).astype(int)
    frac = fit - out
    for flat in np.argsort(-frac, axis=None, kind="stable"):
        i, j = np.unravel_index(flat, fit.shape)
        if frac[i, j] > 0 and out[i].sum() < rows[i] and out[:, j].sum() < cols[j]:
            out[i, j] += 1
    while (out.sum(axis=1) < rows).any():
        start = int(np.flatnonzero(out.sum(axis=1) < rows)[0])
        path = _augmenting_path(fit > 0, out, start, cols - out.sum(axis=0))
        if path is None:
            raise LuiError("controlled rounding of the baseline allocation failed")
        for step, (i, j) in enumerate(path):
            out[i, j] += 1 if step % 2 == 0 else -1
    return out


def _augmenting_path(
    allowed: np.ndarray, table: np.ndarray, start: int, col_deficit: np.ndarray
) -> list[tuple[int, int]] | None:
    """Cells to add/remove alternately, from row `start` to a column short of its total."""
    parent: dict[int, tuple[int, int | None]] = {}  # column -> (row it was reached from, col)
    frontier = [(start, None)]
    seen_rows = {start}
    while frontier:
        next_frontier = []
        for row, via in frontier:
            for col in np.flatnonzero(allowed[row]):
                if col in parent:
                    continue
                parent[col] = (row, via)
                if col_deficit[col] > 0:
                    path, c = [], int(col)
                    while c is not None:
                        r, prev = parent[c]
                        path.append((r, c))
                        if prev is not None:
                            path.append((r, prev))
                        c = prev
                    return path[::-1]
                for other in np.flatnonzero(table[:, col] > 0):
                    if other not in seen_rows:
                        seen_rows.add(other)
                        next_frontier.append((int(other), int(col)))
        frontier = next_frontier
    return None


def allocation(respondents: int) -> np.ndarray:
    """The baseline cell allocation scaled to `respondents` by largest remainder."""
    base = baseline_allocation()
    if respondents == base.sum():
        return base.copy()
    quota = base * (respondents / base.sum())
    out = np.floor(quota).astype(int)
    remainder = respondents - out.sum()
    order = np.argsort(-(quota - out), axis=None, kind="stable")[:remainder]
    np.add.at(out.reshape(-1), order, 1)
    return out


@dataclass
class Sample:
    """Respondent-level arrays of one wave (everything but the answers)."""

    area: np.ndarray  # index into the small areas
    region: np.ndarray
    supergroup: np.ndarray
    age: np.ndarray  # index into contract.AGE_BANDS
    gender: np.ndarray  # index into contract.GENDERS
    day: np.ndarray  # fieldwork day 0..6
    weight: np.ndarray
    design_weight: np.ndarray | None = None  # the panel design weight the weight is raked from

    def __len__(self) -> int:
        return len(self.area)


def _draw_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of `probs` (rows sum to 1), vectorised."""
    cum = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def draw_sample(respondents: int, rng: np.random.Generator) -> Sample:
    geo = geography()
    cells = allocation(respondents)
    areas = []
    for (r, s), count in np.ndenumerate(cells):
        if count == 0:
            continue
        members = np.flatnonzero((geo.region_idx == r) & (geo.supergroup_idx == s))
        cum = np.cumsum(geo.population[members])
        picks = np.searchsorted(cum, rng.random(count) * cum[-1], side="right")
        areas.append(members[np.minimum(picks, len(members) - 1)])
    area = rng.permutation(np.concatenate(areas))
    supergroup = geo.supergroup_idx[area].astype(np.int64)
    age_shares = np.array([demo_model.SAMPLE_AGE_SHARES[a] for a in contract.AGE_BANDS])
    tilt = np.array(
        [
            demo_model.SUPERGROUP_AGE_TILT.get(s, (1.0,) * len(contract.AGE_BANDS))
            for s in contract.SUPERGROUPS
        ]
    )
    age_probs = age_shares * tilt
    age_probs /= age_probs.sum(axis=1, keepdims=True)
    age = _draw_categorical(rng, age_probs[supergroup])
    gender_probs = np.array([demo_model.SAMPLE_GENDER_SHARES[g] for g in contract.GENDERS])
    gender = _draw_categorical(rng, np.broadcast_to(gender_probs, (len(area), 3)))
    day = _draw_categorical(
        rng,
        np.broadcast_to(np.array(demo_model.DAY_SHARES), (len(area), demo_model.FIELDWORK_DAYS)),
    )
    panel_weight = rng.lognormal(0.0, demo_model.PANEL_WEIGHT_SIGMA, len(area))
    region = geo.region_idx[area].astype(np.int64)
    sample = Sample(area, region, supergroup, age, gender, day, panel_weight, panel_weight)
    sample.weight = rake(sample, panel_weight)
    return sample


def raking_margins(sample: Sample) -> list[tuple[np.ndarray, np.ndarray]]:
    """(cell index per respondent, population share per cell) for region and age x gender."""
    geo = geography()
    region_share = geo.region_population / geo.region_population.sum()
    n_age = len(contract.AGE_BANDS)
    other = contract.GENDERS.index("Other")
    # age x gender cells for Male/Female; "Other" is one cell kept at its sample share.
    cell = np.where(sample.gender == other, 2 * n_age, sample.gender * n_age + sample.age)
    pop = np.array([demo_model.POPULATION_AGE_SEX[a] for a in contract.AGE_BANDS]).T.reshape(-1)
    other_share = float(np.mean(sample.gender == other))
    age_sex_share = np.append(pop / pop.sum() * (1 - other_share), other_share)
    return [(sample.region, region_share), (cell, age_sex_share)]


def rake(sample: Sample, start: np.ndarray, iterations: int = 100) -> np.ndarray:
    """Rake `start` weights to the population margins, trimming extremes; mean weight 1."""
    margins = raking_margins(sample)
    w = start / start.mean()
    n = len(w)
    for _ in range(iterations):
        worst = 0.0
        for index, share in margins:
            totals = np.bincount(index, weights=w, minlength=len(share))
            factor = np.divide(share * n, totals, out=np.ones_like(share), where=totals > 0)
            worst = max(worst, float(np.abs(factor[totals > 0] - 1).max()))
            w = w * factor[index]
        w = np.clip(w / w.mean(), demo_model.TRIM_LOW, demo_model.TRIM_HIGH)
        if worst < 1e-7:
            break
    return w / w.mean()


def design_effect(weights: np.ndarray) -> float:
    """Kish's design effect due to weighting: n * sum(w^2) / sum(w)^2."""
    return float(len(weights) * np.sum(weights**2) / np.sum(weights) ** 2)
