"""Write a realistic synthetic wave file (csv, parquet or sav) in the DESIGN.md wave format.

The generator samples small areas by population (so la_code, imd_quintile and urban_rural
agree), gives each local authority one synthetic ONS supergroup, draws a panel-like age and
gender profile, rakes weights to population margins and turns latent attitudes by group into
answer codes defined by the codebook's scales. The model and its calibration to the
published July 2022 report are in `lui.demo.model` and docs/demo_generator.md.

Output is deterministic for a given wave, size and seed. Large waves are produced in chunks
(vectorised numpy, one chunk of answers in memory at a time): a 1,000,000-respondent parquet
or csv file takes well under a minute.

    lui generate --wave 2022-02 --respondents 4162 --seed 1 --out waves/2022-02.parquet
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lui import codebook
from lui.demo import model as demo_model
from lui.errors import LuiError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".sav": "sav"}
CHUNK_SIZE = 200_000
MAX_RESPONDENTS = 20_000_000
LOGISTIC_SCALE = np.sqrt(3.0) / np.pi  # a logistic with this scale has unit variance


# ---------------------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geography:
    """Small areas with their local authority's nation, region and (synthetic) supergroup."""

    la_code: np.ndarray  # per small area
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
    sg_index = {s: i for i, s in enumerate(codebook.SUPERGROUPS)}
    region_pop = las.groupby("region")["population"].sum().reindex(list(regions)).to_numpy()
    return Geography(
        la_code=areas["la_code"].to_numpy(dtype=object),
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
    n_r, n_s = len(geo.regions), len(codebook.SUPERGROUPS)
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
    col_target = np.array([by_group[("supergroup", s)] for s in codebook.SUPERGROUPS], float)
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
    """Integer table with the given margins, each cell the floor or ceiling of `fit`."""
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


# ---------------------------------------------------------------------------------------------
# Respondents: who they are and their weights
# ---------------------------------------------------------------------------------------------
@dataclass
class Sample:
    """Respondent-level arrays of one wave (everything but the answers)."""

    area: np.ndarray  # index into the small areas
    region: np.ndarray
    supergroup: np.ndarray
    age: np.ndarray  # index into codebook.AGE_BANDS
    gender: np.ndarray  # index into codebook.GENDERS
    day: np.ndarray  # fieldwork day 0..6
    weight: np.ndarray

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
    age_shares = np.array([demo_model.SAMPLE_AGE_SHARES[a] for a in codebook.AGE_BANDS])
    tilt = np.array(
        [
            demo_model.SUPERGROUP_AGE_TILT.get(s, (1.0,) * len(codebook.AGE_BANDS))
            for s in codebook.SUPERGROUPS
        ]
    )
    age_probs = age_shares * tilt
    age_probs /= age_probs.sum(axis=1, keepdims=True)
    age = _draw_categorical(rng, age_probs[supergroup])
    gender_probs = np.array([demo_model.SAMPLE_GENDER_SHARES[g] for g in codebook.GENDERS])
    gender = _draw_categorical(rng, np.broadcast_to(gender_probs, (len(area), 3)))
    day = _draw_categorical(
        rng,
        np.broadcast_to(np.array(demo_model.DAY_SHARES), (len(area), demo_model.FIELDWORK_DAYS)),
    )
    panel_weight = rng.lognormal(0.0, demo_model.PANEL_WEIGHT_SIGMA, len(area))
    region = geo.region_idx[area].astype(np.int64)
    sample = Sample(area, region, supergroup, age, gender, day, panel_weight)
    sample.weight = rake(sample, panel_weight)
    return sample


def raking_margins(sample: Sample) -> list[tuple[np.ndarray, np.ndarray]]:
    """(cell index per respondent, population share per cell) for region and age x gender."""
    geo = geography()
    region_share = geo.region_population / geo.region_population.sum()
    n_age = len(codebook.AGE_BANDS)
    other = codebook.GENDERS.index("Other")
    # age x gender cells for Male/Female; "Other" is one cell kept at its sample share.
    cell = np.where(sample.gender == other, 2 * n_age, sample.gender * n_age + sample.age)
    pop = np.array([demo_model.POPULATION_AGE_SEX[a] for a in codebook.AGE_BANDS]).T.reshape(-1)
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


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScaleCoding:
    """A scale's substantive codes in ascending order of points, and its special codes."""

    codes: np.ndarray
    thresholds: np.ndarray  # latent cut points (points / 100) between adjacent codes
    dont_know: int | None
    refused: int | None


@cache
def scale_coding(scale_id: str) -> ScaleCoding:
    points = codebook.scale_points()[scale_id]
    substantive = sorted(
        (p for p in points if p.kind == "substantive"), key=lambda p: (p.points or 0, -p.code)
    )
    values = np.array([p.points or 0.0 for p in substantive]) / 100
    special = {p.kind: p.code for p in points if p.kind != "substantive"}
    return ScaleCoding(
        codes=np.array([p.code for p in substantive], dtype=np.int8),
        thresholds=(values[1:] + values[:-1]) / 2,
        dont_know=special.get("dont_know"),
        refused=special.get("refused"),
    )


@cache
def question_missions() -> dict[str, tuple[list[str], int]]:
    """question_code -> (mission keys it belongs to, scoring direction)."""
    keys = demo_model.mission_keys()
    out: dict[str, tuple[list[str], int]] = {}
    for mission_id, code, _weight, direction in codebook.mission_questions():
        out.setdefault(code, ([], direction))[0].append(keys[mission_id])
    return out


BLOCK_SIZE = 10  # respondents per balancing block


@dataclass(frozen=True)
class Blocks:
    """Respondents sorted by balancing cell and latent value, cut into small blocks."""

    order: np.ndarray  # respondent index, in sorted order
    block: np.ndarray  # block number of each sorted position
    count: int


def latent_blocks(
    rng: np.random.Generator, latent: np.ndarray, cells: np.ndarray, size: int = BLOCK_SIZE
) -> Blocks:
    """Blocks of `size` respondents with similar latent values inside each balancing cell."""
    n = len(latent)
    # cell first, then latent (squashed into the cell's unit interval), ties at random
    squashed = 0.5 + 0.49 * np.tanh(latent / 4.0) + 1e-9 * rng.random(n)
    order = np.argsort(cells + squashed)
    sorted_cells = cells[order]
    cell_start = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
    rank = np.arange(n) - np.repeat(cell_start, np.diff(np.r_[cell_start, n]))
    slot = rank % size
    block = np.cumsum(slot == 0) - 1
    count = int(block[-1]) + 1 if n else 0
    # shuffle respondents inside each block (a small argsort per block, vectorised)
    block_start = np.flatnonzero(slot == 0)
    block_size = np.diff(np.r_[block_start, n])
    keys = rng.random((count, size))
    keys[np.arange(size)[None, :] >= block_size[:, None]] = 2.0  # empty slots sort last
    shuffled = block_start[:, None] + np.argsort(keys, axis=1)
    valid = np.arange(size)[None, :] < block_size[:, None]
    return Blocks(order=order[shuffled[valid]], block=block, count=count)


def balanced_uniform(rng: np.random.Generator, blocks: Blocks, weights: np.ndarray) -> np.ndarray:
    """One uniform per respondent, spread evenly (by weight) over [0, 1) inside each block.

    Systematic sampling with a random start: inside a block each respondent owns a slice of
    [0, 1) as wide as its share of the block's weight, and a random rotation per block
    moves every slice. Each value is exactly uniform on its own, so answers keep their
    expected distribution, but a block's weighted answer shares land very close to that
    expectation, which keeps small groups (London Cosmopolitan has 104 respondents) near
    their calibrated values.
    """
    n = len(blocks.order)
    w = weights[blocks.order]
    cum = np.cumsum(w)
    totals = np.bincount(blocks.block, weights=w, minlength=blocks.count)
    before = np.r_[0.0, np.cumsum(totals)[:-1]]
    position = (cum - w * rng.random(n) - before[blocks.block]) / totals[blocks.block]
    rotated = (position + rng.random(blocks.count)[blocks.block]) % 1.0
    u = np.empty(n)
    u[blocks.order] = rotated
    return u


def _logistic(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.log(u / (1 - u)) * LOGISTIC_SCALE


@dataclass
class Context:
    """Respondent attributes of one chunk, as lookups for the effect tables."""

    sample: Sample
    nation: np.ndarray
    imd: np.ndarray  # 1..5
    rural: np.ndarray
    _coded: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)

    def levels(self, factor: str) -> np.ndarray:
        geo = geography()
        if factor == "nation":
            return self.nation
        if factor == "region":
            return np.asarray(geo.regions, dtype=object)[self.sample.region]
        if factor == "supergroup":
            return np.asarray(codebook.SUPERGROUPS, dtype=object)[self.sample.supergroup]
        if factor == "age_band":
            return np.asarray(codebook.AGE_BANDS, dtype=object)[self.sample.age]
        if factor == "gender":
            return np.asarray(codebook.GENDERS, dtype=object)[self.sample.gender]
        if factor == "imd_quintile":
            return self.imd.astype(str).astype(object)
        if factor == "urban_rural":
            return np.where(self.rural, "Rural", "Urban").astype(object)
        raise KeyError(factor)

    def effect(self, factor: str, table: dict[str, float]) -> np.ndarray:
        """Per-respondent shift from a level -> shift table (missing levels: 0)."""
        codes, names = self.coded(factor)
        lookup = np.array([table.get(name, 0.0) for name in names])
        return lookup[codes]

    def coded(self, factor: str) -> tuple[np.ndarray, list[str]]:
        """(level index per respondent, level names) for a factor, computed once."""
        if factor not in self._coded:
            names, codes = np.unique(self.levels(factor), return_inverse=True)
            self._coded[factor] = (codes, [str(n) for n in names])
        return self._coded[factor]


def _centre(values: np.ndarray, groups: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Remove each group's weighted mean (balances the random effects within groups)."""
    totals = np.bincount(groups, weights=values * weights)
    wsum = np.bincount(groups, weights=weights)
    means = np.divide(totals, wsum, out=np.zeros_like(totals), where=wsum > 0)
    return values - means[groups]


def mission_attitudes(
    ctx: Context, wave_id: str, rng: np.random.Generator, strata: np.ndarray
) -> dict[str, np.ndarray]:
    """Latent attitude per mission and respondent (100-point units).

    The person-level part is centred (weighted) inside each balancing cell in `strata`.
    """
    s = ctx.sample
    n = len(s)
    params = demo_model.mission_attitudes()
    drift = demo_model.WAVE_DRIFT.get(wave_id, {})
    general = rng.standard_normal(n)
    share = demo_model.PERSON_GENERAL_SHARE
    out = {}
    for key, p in params.items():
        sg = np.array([p[f"sg:{name}"] for name in codebook.SUPERGROUPS])
        imd = np.array([p[f"imd:{q}"] for q in range(1, 6)])
        person = demo_model.PERSON_SD * (
            np.sqrt(share) * general + np.sqrt(1 - share) * rng.standard_normal(n)
        )
        person = _centre(person, strata, s.weight)
        out[key] = (
            p["intercept"]
            + sg[s.supergroup]
            + imd[ctx.imd - 1]
            + p["rural"] * ctx.rural
            + ctx.effect(
                "nation", {k: v.get(key, 0.0) for k, v in demo_model.NATION_EFFECTS.items()}
            )
            + ctx.effect("age_band", demo_model.AGE_EFFECTS.get(key, {}))
            + drift.get(key, 0.0)
            + person
        )
    return out


def _answer_codes(
    latent: np.ndarray,
    coding: ScaleCoding,
    model: demo_model.QuestionModel,
    u: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Answer codes and the missing mask of one question, from one uniform per respondent.

    The uniform first decides a skip, a refusal or a don't-know (with the question's
    probabilities); otherwise, rescaled, it is the item noise of an ordered logit around
    `latent`.
    """
    refused = model.refused if coding.refused is not None else 0.0
    dont_know = model.dont_know if coding.dont_know is not None else 0.0
    cuts = np.cumsum([model.skipped, refused, dont_know])
    substantive = np.clip((u - cuts[-1]) / (1.0 - cuts[-1]), 0.0, 1.0)
    noise = demo_model.ITEM_SD * _logistic(substantive)
    codes = coding.codes[np.searchsorted(coding.thresholds, latent + noise)]
    if coding.refused is not None:
        codes[(u >= cuts[0]) & (u < cuts[1])] = coding.refused
    if coding.dont_know is not None:
        codes[(u >= cuts[1]) & (u < cuts[2])] = coding.dont_know
    return codes, u < cuts[0]


def answer_chunk(
    sample: Sample, wave_id: str, rng: np.random.Generator
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """question_code -> (answer codes, missing mask) for every question of the wave."""
    geo = geography()
    ctx = Context(
        sample=sample,
        nation=np.asarray(geo.region_nation, dtype=object)[sample.region],
        imd=geo.imd_quintile[sample.area].astype(np.int64),
        rural=geo.rural[sample.area],
    )
    # balancing cells: supergroup x deprivation quintile x urban/rural
    strata = (sample.supergroup * 5 + ctx.imd - 1) * 2 + ctx.rural
    attitudes = mission_attitudes(ctx, wave_id, rng, strata)
    q_drift = demo_model.QUESTION_DRIFT.get(wave_id, {})
    general = (
        _centre(rng.standard_normal(len(sample)), strata, sample.weight) * demo_model.PERSON_SD
    )
    memberships = question_missions()
    blocks: dict[tuple[str, ...], Blocks] = {}  # one blocking per set of missions
    answers: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    priorities = [q for q in codebook.questions_for_wave(wave_id) if q.group == "priority"]
    for question in codebook.questions_for_wave(wave_id):
        if question.group == "priority":
            continue
        coding = scale_coding(question.scale_id)
        if question.group == "perception":
            pm = demo_model.PERCEPTION_MODELS[question.code]
            latent = pm.intercept + 0.5 * general
            for factor, table in pm.effects.items():
                latent = latent + ctx.effect(factor, table)
            model = demo_model.QuestionModel(dont_know=pm.dont_know, refused=0.0)
            block_key: tuple[str, ...] = (question.code,)
            blocks[block_key] = latent_blocks(rng, latent, strata)
        else:
            keys, direction = memberships[question.code]
            model = demo_model.question_model(question.code)
            attitude = sum(attitudes[k] for k in keys) / len(keys)
            block_key = tuple(keys)
            if block_key not in blocks:
                blocks[block_key] = latent_blocks(rng, attitude, strata)
            latent = attitude + model.offset
            for factor, table in model.effects.items():
                latent = latent + ctx.effect(factor, table)
            latent = latent * direction
        latent = latent + q_drift.get(question.code, 0.0)
        u = balanced_uniform(rng, blocks[block_key], sample.weight)
        codes, missing = _answer_codes(latent, coding, model, u)
        nations = demo_model.routed_nations(question.code, wave_id)
        if nations is not None:
            missing = missing | ~np.isin(ctx.nation, nations)
        answers[question.code] = (codes, missing)
    answers.update(priority_answers(ctx, priorities, rng))
    return answers


def priority_answers(
    ctx: Context, priorities: list[codebook.Question], rng: np.random.Generator
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Choose 3 or 4 priorities per respondent (Gumbel top-k on group-tilted propensities)."""
    n = len(ctx.sample)
    codes = [q.code for q in priorities]
    if not codes:
        return {}
    logp = np.log(np.array([demo_model.PRIORITY_BASE[c] for c in codes]))[None, :].repeat(n, 0)
    for factor, by_level in demo_model.PRIORITY_TILTS.items():
        level_codes, names = ctx.coded(factor)
        tilt = np.zeros((len(names), len(codes)))
        for level, tilts in by_level.items():
            for option, factor_value in tilts.items():
                if level in names and option in codes:
                    tilt[names.index(level), codes.index(option)] = np.log(factor_value)
        logp += tilt[level_codes]
    keys = logp + rng.gumbel(size=logp.shape)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    k = rng.choice(np.array(demo_model.PRIORITY_CHOICES), size=n)
    k[rng.random(n) < demo_model.PRIORITY_NONE] = 0
    chosen = (rank < k[:, None]).astype(np.int8)
    skipped = rng.random(n) < 0.003
    return {code: (chosen[:, j], skipped) for j, code in enumerate(codes)}


# ---------------------------------------------------------------------------------------------
# Assembling the wave
# ---------------------------------------------------------------------------------------------
def _check_arguments(wave_id: str, respondents: int) -> None:
    if not codebook.is_wave_id(wave_id):
        raise LuiError(f"wave id {wave_id!r} is not of the form YYYY-MM (e.g. 2022-02)")
    if not 1 <= respondents <= MAX_RESPONDENTS:
        raise LuiError(f"--respondents must be between 1 and {MAX_RESPONDENTS:,}")


def _rng(wave_id: str, seed: int) -> np.random.SeedSequence:
    return np.random.SeedSequence([seed, int(wave_id.replace("-", ""))])


def wave_chunks(
    wave_id: str, respondents: int, seed: int, chunk_size: int = CHUNK_SIZE
) -> Iterator[pa.Table]:
    """The wave as Arrow tables of at most `chunk_size` rows, in file column order."""
    _check_arguments(wave_id, respondents)
    sample_seq, *chunk_seqs = _rng(wave_id, seed).spawn(1 + -(-respondents // chunk_size))
    sample = draw_sample(respondents, np.random.default_rng(sample_seq))
    geo = geography()
    start = demo_model.fieldwork_start(wave_id)
    dates = np.array(
        [start + timedelta(days=d) for d in range(demo_model.FIELDWORK_DAYS)], dtype="datetime64[D]"
    )
    prefix = f"{wave_id.replace('-', '')}-"
    questions = [q.code for q in codebook.questions_for_wave(wave_id)]
    for number, seq in enumerate(chunk_seqs):
        lo, hi = number * chunk_size, min(respondents, (number + 1) * chunk_size)
        part = Sample(**{k: v[lo:hi] for k, v in vars(sample).items()})
        answers = answer_chunk(part, wave_id, np.random.default_rng(seq))
        ids = np.char.add(prefix, np.char.zfill(np.arange(lo + 1, hi + 1).astype(str), 7))
        columns = {
            "respondent_id": pa.array(ids, pa.string()),
            "weight": pa.array(np.round(part.weight, 6), pa.float64()),
            "interview_date": pa.array(dates[part.day], pa.date32()),
            "la_code": pa.array(geo.la_code[part.area], pa.string()),
            "imd_quintile": pa.array(geo.imd_quintile[part.area], pa.int8()),
            "urban_rural": pa.array(np.where(geo.rural[part.area], "Rural", "Urban"), pa.string()),
            "supergroup": pa.array(np.asarray(codebook.SUPERGROUPS)[part.supergroup], pa.string()),
            "age_band": pa.array(np.asarray(codebook.AGE_BANDS)[part.age], pa.string()),
            "gender": pa.array(np.asarray(codebook.GENDERS)[part.gender], pa.string()),
        }
        for code in questions:
            values, missing = answers[code]
            columns[code] = pa.array(values, pa.int8(), mask=missing)
        yield pa.table(columns)


def generate_frame(
    wave_id: str, respondents: int, seed: int = demo_model.DEMO_SEED
) -> pd.DataFrame:
    """The whole wave as a DataFrame (answers as nullable Int8), for tests and calibration."""
    tables = list(wave_chunks(wave_id, respondents, seed))
    return pa.concat_tables(tables).to_pandas(types_mapper=_pandas_types)


def _pandas_types(arrow_type: pa.DataType) -> object:
    if pa.types.is_int8(arrow_type):
        return pd.Int8Dtype()
    return None


def value_labels(wave_id: str) -> dict[str, dict[int, str]]:
    """SPSS value labels for the question columns, from the codebook's scale points."""
    return {
        q.code: {p.code: p.label for p in codebook.scale_points()[q.scale_id]}
        for q in codebook.questions_for_wave(wave_id)
    }


def write_wave(out: Path, wave_id: str, respondents: int, seed: int = demo_model.DEMO_SEED) -> Path:
    """Write the wave to `out` in the format given by its extension."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise LuiError(f"cannot tell the format of {out.name}: use .csv, .parquet or .sav")
    _check_arguments(wave_id, respondents)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        _write(tmp, fmt, wave_id, wave_chunks(wave_id, respondents, seed))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return out


def _write(tmp: Path, fmt: str, wave_id: str, chunks: Iterator[pa.Table]) -> None:
    """Stream the chunks to `tmp` (parquet row groups, csv appends; .sav in one go)."""
    if fmt == "sav":
        _write_sav(tmp, wave_id, pa.concat_tables(list(chunks)))
        return
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    first = next(chunks)
    writer = (
        pq.ParquetWriter(tmp, first.schema, compression="zstd")
        if fmt == "parquet"
        else pcsv.CSVWriter(
            tmp, first.schema, write_options=pcsv.WriteOptions(quoting_style="needed")
        )
    )
    with writer:
        writer.write_table(first)
        for table in chunks:
            writer.write_table(table)


def _write_sav(tmp: Path, wave_id: str, table: pa.Table) -> None:
    """SPSS file with question texts as variable labels and scale labels as value labels."""
    import pyreadstat

    frame = table.to_pandas()
    frame["interview_date"] = pd.to_datetime(frame["interview_date"])
    labelled = value_labels(wave_id)
    for code in labelled:  # SPSS numerics are doubles; empty answers are system-missing
        frame[code] = frame[code].astype("float64")
    labels = {q.code: q.text[:255] for q in codebook.questions_for_wave(wave_id)}
    pyreadstat.write_sav(
        frame,
        str(tmp),
        column_labels={c: labels.get(c, c) for c in frame.columns},
        variable_value_labels={
            code: {float(k): label for k, label in mapping.items()}
            for code, mapping in labelled.items()
        },
    )


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wave", required=True, help="wave id YYYY-MM, e.g. 2022-02")
    parser.add_argument(
        "--respondents",
        type=int,
        default=demo_model.BASELINE_RESPONDENTS,
        help="number of respondents (default 4162, the report's sample)",
    )
    parser.add_argument(
        "--seed", type=int, default=demo_model.DEMO_SEED, help="random seed (default 1)"
    )
    parser.add_argument(
        "--out", required=True, type=Path, help="output file: .csv, .parquet or .sav"
    )


def run(args: argparse.Namespace) -> int:
    if args.seed < 0:
        raise LuiError("--seed must be a non-negative integer")
    path = write_wave(args.out, args.wave, args.respondents, args.seed)
    print(f"wrote {args.respondents:,} respondents of wave {args.wave} to {path}")
    return 0
