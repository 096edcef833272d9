"""How the respondents of a demo wave answer: latent attitudes turned into answer codes.

Each mission has a latent attitude per respondent (group effects, drift and a centred
person effect); each question's latent is its missions' mean attitude plus the question's
own offset and group shifts; balanced uniform draws pick a skip, a refusal, a don't-know or
an ordered-logit answer code. Priorities are a Gumbel top-k draw. The model's numbers are
in `lui.demo.model`; who answers is `lui.demo.sample`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from lui import codebook, contract
from lui.demo import model as demo_model
from lui.demo.sample import Sample, geography

LOGISTIC_SCALE = np.sqrt(3.0) / np.pi  # a logistic with this scale has unit variance


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
            return np.asarray(contract.SUPERGROUPS, dtype=object)[self.sample.supergroup]
        if factor == "age_band":
            return np.asarray(contract.AGE_BANDS, dtype=object)[self.sample.age]
        if factor == "gender":
            return np.asarray(contract.GENDERS, dtype=object)[self.sample.gender]
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


@cache
def la_effects(seed: int) -> dict[str, np.ndarray]:
    """mission_key -> each local authority's effect (geography().las order), latent units.

    Normal draws (sd `LA_EFFECT_SD`) from a stream of their own, so the same for every
    wave of a seed and leaving the waves' draws untouched; then centred, population-
    weighted, inside each supergroup, so no supergroup's expectation moves.
    """
    geo = geography()
    rng = np.random.default_rng(np.random.SeedSequence([seed, demo_model.LA_EFFECT_STREAM]))
    n_la = len(geo.las)
    population = np.bincount(geo.la_idx, weights=geo.population, minlength=n_la)
    supergroup = np.zeros(n_la, dtype=np.int64)
    supergroup[geo.la_idx] = geo.supergroup_idx
    out = {}
    for key in demo_model.mission_attitudes():
        effect = demo_model.LA_EFFECT_SD * rng.standard_normal(n_la)
        out[key] = _centre(effect, supergroup, population)
    return out


def mission_attitudes(
    ctx: Context, wave_id: str, rng: np.random.Generator, strata: np.ndarray, seed: int
) -> dict[str, np.ndarray]:
    """Latent attitude per mission and respondent (100-point units).

    The person-level part is centred (weighted) inside each balancing cell in `strata`.
    """
    s = ctx.sample
    n = len(s)
    params = demo_model.mission_attitudes()
    drift = demo_model.wave_drift(wave_id)
    la = geography().la_idx[s.area]
    effects = la_effects(seed)
    general = rng.standard_normal(n)
    share = demo_model.PERSON_GENERAL_SHARE
    out = {}
    for key, p in params.items():
        sg = np.array([p[f"sg:{name}"] for name in contract.SUPERGROUPS])
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
            + effects[key][la]
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
    sample: Sample, wave_id: str, rng: np.random.Generator, seed: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """question_code -> (answer codes, missing mask) for every question of the wave.

    `seed` picks the local-authority effects (`la_effects`), the same in every wave.
    """
    geo = geography()
    ctx = Context(
        sample=sample,
        nation=np.asarray(geo.region_nation, dtype=object)[sample.region],
        imd=geo.imd_quintile[sample.area].astype(np.int64),
        rural=geo.rural[sample.area],
    )
    # balancing cells: supergroup x deprivation quintile x urban/rural
    strata = (sample.supergroup * 5 + ctx.imd - 1) * 2 + ctx.rural
    attitudes = mission_attitudes(ctx, wave_id, rng, strata, seed)
    q_drift = demo_model.question_drift(wave_id)
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
