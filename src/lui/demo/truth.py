"""The truth a demo wave's local estimates are tested against: each authority's index.

An authority's true index on a mission is the mean mission score of its population under
the generator's model for that wave. No closed form exists (ordered answers, don't-knows,
questions answered or skipped, renormalised question weights), so it is estimated from a
separate draw of `RESPONDENTS_PER_LA` respondents in every authority: small areas by
population inside the authority, age band and gender from the population margins that
the wave's weights are raked to, the wave's latent model with the seed's local-authority
effects, and balanced draws as in a wave. The draw's own error is about 1 index point
(sd), small beside the estimates' (docs/local_estimates.md).

    lui generate --wave 2022-02 --out wave.csv --truth truth.csv
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lui import codebook, contract
from lui.demo import model as demo_model
from lui.demo.answers import answer_chunk
from lui.demo.sample import Sample, geography

RESPONDENTS_PER_LA = 2000
LAS_PER_CHUNK = 50  # 100,000 respondents in memory at a time
TRUTH_STREAM = 29  # spawn key of the truth draw's random stream


def _points_lookup(scale_id: str) -> np.ndarray:
    """Points by answer code (NaN where the answer does not count), indexable by code."""
    points = codebook.scale_points()[scale_id]
    lookup = np.full(max(p.code for p in points) + 1, np.nan)
    for p in points:
        if p.points is not None:
            lookup[p.code] = p.points
    return lookup


def mission_scores(
    answers: dict[str, tuple[np.ndarray, np.ndarray]], wave_id: str
) -> dict[int, np.ndarray]:
    """mission_id -> each respondent's mission score (NaN: no counted answer).

    The README's scoring: the weighted mean of the counted answers' points (direction
    applied), the question weights renormalised over the questions answered.
    """
    asked = {q.code: q for q in codebook.questions_for_wave(wave_id)}
    n = len(next(iter(answers.values()))[0])
    sums: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for mission_id, code, weight, direction in codebook.mission_questions():
        if code not in asked or code not in answers:
            continue
        codes, missing = answers[code]
        points = _points_lookup(asked[code].scale_id)[codes.astype(np.int64)]
        counted = ~missing & ~np.isnan(points)
        total, weights = sums.setdefault(mission_id, (np.zeros(n), np.zeros(n)))
        total += np.where(counted, weight * direction * np.nan_to_num(points), 0.0)
        weights += np.where(counted, weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {m: np.where(w > 0, t / w, np.nan) for m, (t, w) in sums.items()}


def _population_sample(
    las: np.ndarray, per_la: int, rng: np.random.Generator
) -> tuple[Sample, np.ndarray]:
    """`per_la` people in each of the authorities `las` (indices into geography().las)."""
    geo = geography()
    areas = []
    for la in las:
        members = np.flatnonzero(geo.la_idx == la)
        cum = np.cumsum(geo.population[members])
        picks = np.searchsorted(cum, rng.random(per_la) * cum[-1], side="right")
        areas.append(members[np.minimum(picks, len(members) - 1)])
    area = np.concatenate(areas)
    n = len(area)
    # age x sex from the population margins; "Other" at the panel's share
    pop = np.array([demo_model.POPULATION_AGE_SEX[a] for a in contract.AGE_BANDS]).T
    other = demo_model.SAMPLE_GENDER_SHARES["Other"]
    cells = np.append(pop.reshape(-1) / pop.sum() * (1 - other), other)
    cell = rng.choice(len(cells), size=n, p=cells / cells.sum())
    n_age = len(contract.AGE_BANDS)
    gender = np.where(cell == 2 * n_age, contract.GENDERS.index("Other"), cell // n_age)
    age = np.where(cell == 2 * n_age, rng.choice(n_age, size=n), cell % n_age)
    sample = Sample(
        area=area,
        region=geo.region_idx[area].astype(np.int64),
        supergroup=geo.supergroup_idx[area].astype(np.int64),
        age=age.astype(np.int64),
        gender=gender.astype(np.int64),
        day=np.zeros(n, dtype=np.int64),
        weight=np.ones(n),
    )
    return sample, geo.la_idx[area]


def true_index(
    wave_id: str, seed: int = demo_model.DEMO_SEED, per_la: int | None = None
) -> pd.DataFrame:
    """(la_code, mission_id, true_index) for every authority and mission of the wave, from
    `per_la` (default RESPONDENTS_PER_LA) people drawn in each authority."""
    per_la = per_la or RESPONDENTS_PER_LA
    geo = geography()
    stream = np.random.SeedSequence([seed, int(wave_id.replace("-", "")), TRUTH_STREAM])
    n_la = len(geo.las)
    chunks = [np.arange(lo, min(n_la, lo + LAS_PER_CHUNK)) for lo in range(0, n_la, LAS_PER_CHUNK)]
    totals: dict[int, np.ndarray] = {}
    counts: dict[int, np.ndarray] = {}
    for las, seq in zip(chunks, stream.spawn(len(chunks)), strict=True):
        rng = np.random.default_rng(seq)
        people, la = _population_sample(las, per_la, rng)
        scores = mission_scores(answer_chunk(people, wave_id, rng, seed), wave_id)
        for mission_id, score in scores.items():
            counted = ~np.isnan(score)
            totals.setdefault(mission_id, np.zeros(n_la))
            counts.setdefault(mission_id, np.zeros(n_la))
            totals[mission_id] += np.bincount(la[counted], weights=score[counted], minlength=n_la)
            counts[mission_id] += np.bincount(la[counted], minlength=n_la)
    rows = [
        pd.DataFrame(
            {
                "la_code": list(geo.las),
                "mission_id": mission_id,
                "true_index": totals[mission_id] / counts[mission_id],
            }
        )
        for mission_id in sorted(totals)
    ]
    return pd.concat(rows, ignore_index=True)


def write_truth(out: Path, wave_id: str, seed: int = demo_model.DEMO_SEED) -> Path:
    """Write `true_index` as CSV (la_code, mission_id, true_index)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    true_index(wave_id, seed).to_csv(out, index=False, float_format="%.6f")
    return out
