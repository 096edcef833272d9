"""Weighting to the population at landing: targets, raking, replicate weights, the report.

docs/weighting.md says what and why; in short:

- **Targets** are data: `seeds/weighting/targets.csv` (variable, category, share, wave_id
  blank for every wave or a wave's own targets, which replace the variable's general ones
  for that wave). Each variable is a respondent column, or `region` (from `la_code` through
  seeds/reference/local_authorities.csv). The raking settings (tolerance, iteration limit,
  cap, replicate groups, delivered replicate weights) are the `meta` of the seed's YAML.
- **Raking** when a delivery has no final `weight` (or the settings ask to re-weight):
  from the design weight (a column mapped to `design_weight`, else 1) to the targets, by
  iterative proportional fitting (`rake_cells`, the library chosen in docs/weighting.md),
  with an optional cap on the largest weight and re-raking; final weights have mean 1.
- **Replicate weights**: the delete-a-group jackknife (JK1) over `replicate_groups` groups
  (respondents in respondent_id order dealt round-robin, kept in `replicate_group`), each
  replicate raked again to the same targets. Delivered replicate weights (a column name
  pattern, their method and scale in the settings) and delivered strata and PSUs are kept
  as they come.
- **What lands** beside the wave, in the same transaction (`Weighting.write`):
  raw.respondent_design, raw.replicate_weights, raw.weighting_margins and
  raw.weighting_waves (`WEIGHTING_DDL`).

A wave that cannot be weighted is refused in one line, and nothing lands: a target category
with no respondents, a respondent in a category without a target, shares that do not sum
to 1, raking that does not converge.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from lui import codebook, contract
from lui.errors import LuiError
from lui.landing.mapping import cut_list
from lui.paths import SEEDS_DIR

if TYPE_CHECKING:
    from lui.landing.wavefile import WaveFile

WEIGHTING_DIR = SEEDS_DIR / "weighting"
TARGETS_CSV = WEIGHTING_DIR / "targets.csv"
SETTINGS_YML = WEIGHTING_DIR / "_weighting__seeds.yml"
SHARE_TOLERANCE = 1e-6  # how far a variable's shares may sum from 1
DERIVED = ("region",)  # target variables derived from la_code

# se_method values (dim_wave.se_method)
SE_TAYLOR_WEIGHTS = "taylor_weights"  # final weights only: weights-only linearisation (as before)
SE_TAYLOR_DESIGN = "taylor_strata_psu"  # delivered strata and PSUs
SE_JK1_RAKED = "jk1_raked"  # raked here: JK1 replicates, each re-raked
SE_REPLICATES_DELIVERED = "replicates_delivered"  # delivered replicate weights
METHOD_RAKED, METHOD_DELIVERED = "raked", "delivered"

WEIGHTING_DDL = """
create table if not exists raw.respondent_design (
    wave_id varchar not null,
    respondent_key integer not null,
    respondent_id varchar not null,
    design_weight double,
    replicate_group integer,
    stratum varchar,
    psu varchar
);
create table if not exists raw.replicate_weights (
    wave_id varchar not null,
    respondent_key integer not null,
    replicate smallint not null,
    weight double not null
);
create table if not exists raw.weighting_margins (
    wave_id varchar not null,
    variable varchar not null,
    category varchar not null,
    target_share double not null,
    respondents bigint not null,
    unweighted_share double not null,
    design_weighted_share double,
    weighted_share double not null
);
create table if not exists raw.weighting_waves (
    wave_id varchar not null,
    method varchar not null,
    design_weight_source varchar not null,
    iterations integer,
    converged boolean,
    tolerance double,
    kish_efficiency double not null,
    min_weight double not null,
    max_weight double not null,
    weight_cap double,
    weights_capped integer not null,
    se_method varchar not null,
    replicates integer,
    replicate_method varchar,
    replicate_scale double
);
"""
"""The raw tables weighting writes (raw.ensure_schema creates them with the others)."""
WEIGHTING_TABLES = (
    "respondent_design",
    "replicate_weights",
    "weighting_margins",
    "weighting_waves",
)


# --------------------------------------------------------------------------------------------
# Settings and targets
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    """How waves are weighted: the `meta.raking` of seeds/weighting/_weighting__seeds.yml."""

    tolerance: float = 1e-10  # largest relative gap between a weighted margin and its target
    max_iterations: int = 1000  # raking passes over all the variables
    cap: float | None = None  # largest weight, as a multiple of the mean weight (None: none)
    cap_rounds: int = 50  # cap-and-re-rake rounds before giving up
    replicate_groups: int = 50  # JK1 groups of the replicate weights made here
    reweight_delivered: bool = False  # rake even when a final weight is delivered
    replicate_pattern: str | None = None  # delivered replicate weight columns (a regex)
    replicate_method: str = "JK1"  # their method: JK1, JKn, BRR, Fay, bootstrap, ...
    replicate_scale: float | None = None  # their variance multiplier (None: from the method)


@cache
def load_settings(path: Path = SETTINGS_YML) -> Settings:
    """The raking settings the targets seed's YAML keeps beside the targets."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for seed in document.get("seeds", []):
        if seed.get("name") == "targets":
            meta = ((seed.get("config") or {}).get("meta") or {}).get("raking") or {}
            known = set(Settings.__dataclass_fields__)
            unknown = sorted(set(meta) - known)
            if unknown:
                raise LuiError(
                    f"{path}: unknown raking setting {', '.join(unknown)}; the settings are "
                    + ", ".join(sorted(known))
                )
            return Settings(**meta)
    return Settings()


@dataclass(frozen=True)
class Target:
    variable: str
    categories: tuple[str, ...]
    shares: np.ndarray


def targets(wave_id: str, path: Path = TARGETS_CSV) -> list[Target]:
    """The targets of one wave: a variable's rows for the wave, else its rows for every wave.

    Refused in one line when a variable's shares do not sum to 1 (within 1e-6; they are
    then normalised) or a variable is neither a respondent column nor derived.
    """
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    general: dict[str, dict[str, float]] = {}
    own: dict[str, dict[str, float]] = {}
    for row in rows:
        wave = (row.get("wave_id") or "").strip()
        if wave and wave != wave_id:
            continue
        into = own if wave else general
        variable = row["variable"].strip()
        category = row["category"].strip()
        if category in into.setdefault(variable, {}):
            raise LuiError(f"{path}: {variable} = {category!r} is listed twice; keep one row")
        into[variable][category] = float(row["share"])
    chosen = {**general, **own}
    out = []
    known = set(contract.RESPONDENT_COLUMNS) | set(DERIVED)
    for variable, shares in chosen.items():
        if variable not in known:
            raise LuiError(
                f"{path}: {variable} is not a respondent column (or region); the target "
                f"variables can be {', '.join(sorted(known - {'respondent_id', 'weight'}))}"
            )
        total = sum(shares.values())
        if abs(total - 1) > SHARE_TOLERANCE or min(shares.values()) < 0:
            raise LuiError(
                f"{path}: the shares of {variable} for wave {wave_id} sum to {total:.6f}, "
                "not 1 (or one is negative): correct them"
            )
        values = np.array(list(shares.values())) / total
        out.append(Target(variable, tuple(shares), values))
    return out


def respondent_categories(table: pa.Table, variable: str) -> pa.ChunkedArray:
    """Each respondent's category of a target variable, as text (empty when it has none)."""
    if variable == "region":
        authorities = codebook.local_authorities()
        codes = pa.array(list(authorities), pa.string())
        regions = pa.array([row["region"] for row in authorities.values()], pa.string())
        index = pc.index_in(pc.cast(table.column("la_code"), pa.string()), value_set=codes)
        return pc.take(regions, index).fill_null("")
    return pc.cast(table.column(variable), pa.string()).fill_null("")


@dataclass(frozen=True)
class Margins:
    """Respondents' category codes (into each target's categories) for every target."""

    targets: list[Target]
    codes: list[np.ndarray]

    @cached_property
    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """(cell of each respondent, each cell's category codes (cells x variables)): the
        respondents cross-classified by every target variable, computed once per wave."""
        return _cells(self.codes)


def margins(table: pa.Table, wave_id: str, wanted: list[Target], strict: bool = True) -> Margins:
    """Code the respondents into the targets' categories; refuse empty or missing categories.

    Not `strict` (a wave that keeps its delivered weights, reported only): a variable whose
    categories do not fit the respondents is left out of the report instead.
    """
    codes = []
    kept = []
    for target in wanted:
        try:
            codes.append(_coded(table, wave_id, target))
            kept.append(target)
        except LuiError:
            if strict:
                raise
    return Margins(kept, codes)


def _coded(table: pa.Table, wave_id: str, target: Target) -> np.ndarray:
    values = respondent_categories(table, target.variable)
    categories = pa.array(target.categories, pa.string())
    coded = pc.index_in(values, value_set=categories).fill_null(-1).to_numpy().astype(np.int64)
    if (coded < 0).any():
        stray = sorted(set(pc.filter(values, pa.array(coded < 0)).to_pylist()))
        raise LuiError(
            f"wave {wave_id} cannot be weighted: {int((coded < 0).sum()):,} respondents "
            f"have {target.variable} = {', '.join(map(repr, stray[:5]))}, which has no "
            f"target in seeds/weighting/targets.csv: add it (or map those respondents)"
        )
    counts = np.bincount(coded, minlength=len(target.categories))
    if (counts == 0).any():
        empty = [c for c, k in zip(target.categories, counts, strict=True) if k == 0]
        raise LuiError(
            f"wave {wave_id} cannot be weighted: no respondent has {target.variable} = "
            f"{empty[0]!r}, a category of seeds/weighting/targets.csv: merge it with "
            "another or drop it from the targets"
        )
    return coded


# --------------------------------------------------------------------------------------------
# Raking
# --------------------------------------------------------------------------------------------
@dataclass
class RakeResult:
    weights: np.ndarray  # summing to the respondents n (mean 1)
    iterations: int
    converged: bool
    capped: int  # respondents held at the cap
    gap: float  # largest relative gap between a weighted margin and its target


def _cells(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(cell of each respondent, the cell's category code per variable (cells x variables))."""
    stacked = np.column_stack(codes)
    sizes = stacked.max(axis=0) + 1
    flat = np.ravel_multi_index(stacked.T, tuple(int(s) for s in sizes))
    unique, cell = np.unique(flat, return_inverse=True)
    return cell.reshape(-1), np.column_stack(np.unravel_index(unique, tuple(sizes)))


def rake_cells(
    start: np.ndarray, cell_codes: np.ndarray, totals: list[np.ndarray], settings: Settings
) -> tuple[np.ndarray, int, bool, float]:
    """Iterative proportional fitting of cell totals `start` to the margins `totals`.

    Returns (raked cell totals, iterations, converged, largest relative gap). The raking of
    respondents is the raking of their cells: every respondent of a cell gets the same
    factor, so raking the (at most a few thousand) cells is exact and fast.
    """
    w = start.astype(float).copy()
    gap = np.inf
    for iteration in range(1, settings.max_iterations + 1):
        for v, target in enumerate(totals):
            now = np.bincount(cell_codes[:, v], w, len(target))
            factor = np.divide(target, now, out=np.zeros_like(target), where=now > 0)
            w *= factor[cell_codes[:, v]]
        gap = max(
            float(np.max(np.abs(np.bincount(cell_codes[:, v], w, len(t)) - t) / t))
            for v, t in enumerate(totals)
        )
        if gap <= settings.tolerance:
            return w, iteration, True, gap
    return w, settings.max_iterations, False, gap


def rake(
    start: np.ndarray, found: Margins, settings: Settings, what: str = "the wave"
) -> RakeResult:
    """Rake respondent weights `start` to the targets; with a cap, cap and re-rake.

    The targets are shares of the n respondents, so the weights sum to n (mean 1).
    Respondents with start weight 0 (a jackknife replicate's dropped group) keep weight 0.
    The cap (settings.cap times the mean positive weight) is the usual trimming by
    re-raking: a respondent whose raked weight passes it is held at it, and the others are
    raked again to what remains of each target; until no weight passes the cap.
    """
    n = len(start)
    cell, cell_codes = found.cells
    totals = [t.shares * n for t in found.targets]
    limit = None if settings.cap is None else settings.cap * n / np.count_nonzero(start)
    held = np.zeros(n, dtype=bool)
    w = start.astype(float).copy()
    iterations = 0
    gap = 0.0
    for _ in range(settings.cap_rounds):
        free = ~held
        goal = [
            total - np.bincount(codes, np.where(held, w, 0.0), len(total))
            for codes, total in zip(found.codes, totals, strict=True)
        ]
        if any((g <= 0).any() for g in goal):
            raise LuiError(
                f"raking {what}: the weights held at the cap of {settings.cap} times the mean "
                "already exceed a target: raise the cap in seeds/weighting/_weighting__seeds.yml"
            )
        before = np.bincount(cell, np.where(free, w, 0.0), len(cell_codes))
        after, used, converged, gap = rake_cells(before, cell_codes, goal, settings)
        iterations += used
        if not converged:
            raise _not_converged(what, settings, gap)
        factor = np.divide(after, before, out=np.zeros_like(after), where=before > 0)
        w = np.where(free, w * factor[cell], w)
        if limit is None:
            break
        over = free & (w > limit)
        if not over.any():
            break
        w[over] = limit
        held |= over
    else:
        raise LuiError(
            f"raking {what} with weights capped at {settings.cap} times the mean did not "
            f"settle in {settings.cap_rounds} rounds of capping and raking: raise the cap "
            "or cap_rounds in seeds/weighting/_weighting__seeds.yml"
        )
    return RakeResult(w, iterations, True, int(held.sum()), gap)


# --------------------------------------------------------------------------------------------
# Replicates
# --------------------------------------------------------------------------------------------
def replicate_groups(respondent_ids: pa.Array | pa.ChunkedArray, groups: int) -> np.ndarray:
    """Deterministic JK1 groups 1..G: respondents in respondent_id order dealt round-robin."""
    order = pc.sort_indices(pa.table({"id": respondent_ids}), sort_keys=[("id", "ascending")])
    group = np.empty(len(respondent_ids), dtype=np.int32)
    group[order.to_numpy()] = np.arange(len(respondent_ids)) % groups + 1
    return group


def jk1_replicates(
    design_weight: np.ndarray,
    group: np.ndarray,
    found: Margins,
    settings: Settings,
    wave_id: str,
) -> np.ndarray:
    """(respondents, G) replicate weights: group g dropped, the rest times G/(G-1), re-raked.

    Without a cap every replicate is raked on the cells: the cells' design-weight totals
    by replicate group are summed once, and replicate g's cell totals are all groups but
    g's. With a cap each replicate is raked (and capped) respondent by respondent.
    """
    labels, index = np.unique(group, return_inverse=True)
    index = index.reshape(-1)
    g_count = len(labels)
    inflate = g_count / (g_count - 1)
    out = np.empty((len(design_weight), g_count))
    cell, cell_codes = found.cells
    by_group = np.bincount(
        cell * g_count + index, design_weight, len(cell_codes) * g_count
    ).reshape(len(cell_codes), g_count)
    whole = by_group.sum(axis=1)
    n = len(design_weight)
    totals = [t.shares * n for t in found.targets]
    for j, label in enumerate(labels):
        what = f"replicate {label} of wave {wave_id}"
        before = (whole - by_group[:, j]) * inflate
        for v, (target, total) in enumerate(zip(found.targets, totals, strict=True)):
            sums = np.bincount(cell_codes[:, v], before, len(total))
            if (sums <= 0).any():
                raise LuiError(
                    f"wave {wave_id}: without replicate group {label} no respondent has "
                    f"{target.variable} = {target.categories[int(np.argmin(sums))]!r}, so its "
                    "jackknife replicate cannot be raked: merge small target categories"
                )
        if settings.cap is not None:
            start = np.where(index == j, 0.0, design_weight * inflate)
            out[:, j] = rake(start, found, settings, what).weights
            continue
        after, _, converged, gap = rake_cells(before, cell_codes, totals, settings)
        if not converged:
            raise _not_converged(what, settings, gap)
        factor = np.divide(after, before, out=np.zeros_like(after), where=before > 0)
        out[:, j] = np.where(index == j, 0.0, design_weight * inflate * factor[cell])
    return out


def _not_converged(what: str, settings: Settings, gap: float) -> LuiError:
    return LuiError(
        f"raking {what} did not converge in {settings.max_iterations:,} iterations "
        f"(a weighted margin is still {gap:.2g} off its target): raise max_iterations "
        "or loosen tolerance in seeds/weighting/_weighting__seeds.yml, or merge "
        "small target categories"
    )


# --------------------------------------------------------------------------------------------
# The design a delivery carries, taken out of the wave before the gate
# --------------------------------------------------------------------------------------------
@dataclass
class Design:
    """What the delivery says about its design, beyond the final weight."""

    delivered_weight: bool
    design_weight: np.ndarray | None = None
    stratum: np.ndarray | None = None
    psu: np.ndarray | None = None
    replicate_group: np.ndarray | None = None
    replicate_weights: np.ndarray | None = None
    replicate_names: list[str] = field(default_factory=list)

    def rakes(self, settings: Settings) -> bool:
        return not self.delivered_weight or settings.reweight_delivered


def _number_column(wave: WaveFile, name: str) -> np.ndarray:
    column = wave.table.column(name)
    try:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
        raise LuiError(f"{name} must be a number for every respondent ({error})") from error
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise LuiError(
            f"{name}: {int(bad.sum()):,} respondents have no valid value (a finite number, "
            "0 or more): correct the file"
        )
    return values


def _text_column(wave: WaveFile, name: str) -> np.ndarray:
    column = pc.cast(wave.table.column(name), pa.string())
    if column.null_count:
        raise LuiError(f"{name}: {column.null_count:,} respondents have none; every one needs one")
    return np.array(column.to_pylist(), dtype=object)


def _refuse_lonely_psus(stratum: np.ndarray, psu: np.ndarray | None) -> None:
    """Refuse strata of a single primary sampling unit (each respondent is a PSU when none
    is mapped): a stratum's variance needs two (n_h / (n_h - 1)), and R survey stops there
    too (its default survey.lonely.psu = "fail")."""
    units = pd.DataFrame(
        {"stratum": stratum, "psu": np.arange(len(stratum)) if psu is None else psu}
    )
    counts = units.groupby("stratum")["psu"].nunique()
    lonely = sorted(str(s) for s in counts.index[counts < 2])
    if lonely:
        raise LuiError(
            f"stratum {cut_list(lonely)}: one primary sampling unit (psu) each; a stratified "
            "standard error needs two or more in every stratum: merge such strata with a "
            "neighbouring one in the file"
        )


def take_design(wave: WaveFile, wave_id: str, settings: Settings | None = None) -> Design:
    """Take the design columns (design_weight, stratum, psu, replicate_group and delivered
    replicate weights) out of the wave's table, so the gate sees the wave format only.

    When the wave has no final `weight` (or the settings re-weight), `weight` is set to the
    design weight (or 1) for the gate; `weigh` replaces it with the raked weight.
    """
    settings = settings or load_settings()
    names = wave.table.column_names
    design = Design(delivered_weight="weight" in names)
    taken = []
    for column in contract.DESIGN:
        if column.name in names:
            wave.type_problems.pop(column.name, None)
            taken.append(column.name)
    if "design_weight" in taken:
        design.design_weight = _number_column(wave, "design_weight")
    if "stratum" in taken:
        design.stratum = _text_column(wave, "stratum")
    if "psu" in taken:
        design.psu = _text_column(wave, "psu")
    if "replicate_group" in taken:
        design.replicate_group = _number_column(wave, "replicate_group").astype(np.int32)
    if design.stratum is not None:
        _refuse_lonely_psus(design.stratum, design.psu)
    if settings.replicate_pattern:
        pattern = re.compile(settings.replicate_pattern, re.IGNORECASE)
        design.replicate_names = [n for n in names if pattern.fullmatch(n)]
        for name in design.replicate_names:
            wave.type_problems.pop(name, None)
        if design.replicate_names:
            design.replicate_weights = np.column_stack(
                [_number_column(wave, n) for n in design.replicate_names]
            )
        taken += design.replicate_names
    if taken:
        keep = [i for i, n in enumerate(names) if n not in set(taken)]
        wave.table = wave.table.select(keep)
    if design.rakes(settings):
        start = design.design_weight
        weight = pa.array(np.ones(wave.table.num_rows) if start is None else start, pa.float64())
        if "weight" in wave.table.column_names:
            index = wave.table.column_names.index("weight")
            wave.table = wave.table.set_column(index, "weight", weight)
        else:
            wave.table = wave.table.append_column("weight", weight)
        wave.type_problems.pop("weight", None)
    return design


# --------------------------------------------------------------------------------------------
# Weighting a validated wave, and what lands
# --------------------------------------------------------------------------------------------
@dataclass
class Weighting:
    """The weights of one wave and everything the weighting report keeps."""

    wave_id: str
    respondent_id: pa.ChunkedArray
    weight: np.ndarray
    design_weight: np.ndarray | None
    replicate_group: np.ndarray | None
    stratum: np.ndarray | None
    psu: np.ndarray | None
    replicate_weights: np.ndarray | None  # (respondents, R)
    margins: list[tuple[str, str, float, int, float, float | None, float]]
    method: str
    design_weight_source: str
    iterations: int | None
    converged: bool | None
    tolerance: float | None
    cap: float | None
    capped: int
    se_method: str
    replicate_method: str | None
    replicate_scale: float | None

    @property
    def kish_efficiency(self) -> float:
        """Kish's efficiency of the weights, sum(w)^2 / (n sum(w^2)): the effective base
        over the respondents (1 / the design effect due to weighting)."""
        w = self.weight
        return float(w.sum() ** 2 / (len(w) * np.sum(w**2)))

    def _respondent_keys(self, con: duckdb.DuckDBPyConnection) -> np.ndarray:
        """Each respondent's key (in the file's order) as the raw storage assigned it in
        this transaction (raw.respondent_records: 1..n by respondent_id), so the weighting
        tables join the answers on the same integer key."""
        ids = pa.table(
            {
                "position": pa.array(np.arange(len(self.weight), dtype=np.int64)),
                "respondent_id": pc.cast(self.respondent_id, pa.string()),
            }
        )
        con.register("weighting_ids", ids)
        try:
            keys = con.execute(
                "select records.respondent_key "
                "from weighting_ids as ids "
                "inner join raw.respondent_records as records "
                "on ids.respondent_id = records.respondent_id "
                "inner join raw.wave_keys as waves on records.wave_key = waves.wave_key "
                "where waves.wave_id = ? order by ids.position",
                [self.wave_id],
            ).fetchnumpy()["respondent_key"]
        finally:
            con.unregister("weighting_ids")
        if len(keys) != len(self.weight):
            raise LuiError(
                f"wave {self.wave_id}: {len(self.weight) - len(keys)} weighted respondents "
                "have no row in raw.respondent_records; nothing was landed"
            )
        return np.asarray(keys, dtype=np.int32)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        """Replace the wave's rows in the weighting tables (inside the caller's transaction)."""
        con.execute(WEIGHTING_DDL)
        for table in WEIGHTING_TABLES:
            con.execute(f"delete from raw.{table} where wave_id = ?", [self.wave_id])
        n = len(self.weight)
        key = pa.array(self._respondent_keys(con), pa.int32())

        def text(values: np.ndarray | None) -> pa.Array:
            return pa.nulls(n, pa.string()) if values is None else pa.array(values, pa.string())

        design = pa.table(
            {
                "respondent_key": key,
                "respondent_id": pc.cast(self.respondent_id, pa.string()),
                "design_weight": pa.array(self.design_weight, pa.float64())
                if self.design_weight is not None
                else pa.nulls(n, pa.float64()),
                "replicate_group": pa.array(self.replicate_group, pa.int32())
                if self.replicate_group is not None
                else pa.nulls(n, pa.int32()),
                "stratum": text(self.stratum),
                "psu": text(self.psu),
            }
        )
        con.register("weighting_design", design)
        con.execute(
            "insert into raw.respondent_design select ? as wave_id, * from weighting_design",
            [self.wave_id],
        )
        con.unregister("weighting_design")
        if self.replicate_weights is not None:
            reps = self.replicate_weights
            count = reps.shape[1]
            long = pa.table(
                {
                    "respondent_key": pa.array(np.tile(key.to_numpy(), count)),
                    "replicate": pa.array(np.repeat(np.arange(1, count + 1, dtype=np.int16), n)),
                    "weight": pa.array(reps.reshape(-1, order="F")),
                }
            )
            con.register("weighting_replicates", long)
            con.execute(
                "insert into raw.replicate_weights select ? as wave_id, * "
                "from weighting_replicates",
                [self.wave_id],
            )
            con.unregister("weighting_replicates")
        if self.margins:
            con.executemany(
                "insert into raw.weighting_margins values (?, ?, ?, ?, ?, ?, ?, ?)",
                [[self.wave_id, *row] for row in self.margins],
            )
        w = self.weight
        con.execute(
            "insert into raw.weighting_waves values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.wave_id,
                self.method,
                self.design_weight_source,
                self.iterations,
                self.converged,
                self.tolerance,
                self.kish_efficiency,
                float(w.min()),
                float(w.max()),
                self.cap,
                self.capped,
                self.se_method,
                None if self.replicate_weights is None else self.replicate_weights.shape[1],
                self.replicate_method,
                self.replicate_scale,
            ],
        )


def _margin_rows(
    found: Margins, design_weight: np.ndarray | None, weight: np.ndarray
) -> list[tuple[str, str, float, int, float, float | None, float]]:
    rows = []
    n = len(weight)
    for target, codes in zip(found.targets, found.codes, strict=True):
        k = len(target.categories)
        counts = np.bincount(codes, minlength=k)
        weighted = np.bincount(codes, weight, k) / weight.sum()
        designed = (
            np.bincount(codes, design_weight, k) / design_weight.sum()
            if design_weight is not None
            else None
        )
        for i, category in enumerate(target.categories):
            rows.append(
                (
                    target.variable,
                    category,
                    float(target.shares[i]),
                    int(counts[i]),
                    float(counts[i] / n),
                    None if designed is None else float(designed[i]),
                    float(weighted[i]),
                )
            )
    return rows


def weigh(
    wave: WaveFile,
    wave_id: str,
    design: Design,
    settings: Settings | None = None,
    targets_csv: Path | None = None,
) -> Weighting:
    """Weight a validated wave (when it needs it) and say how its SEs are to be made.

    The raked weight replaces the table's `weight` column. Raises LuiError (nothing lands)
    when the wave cannot be weighted to its targets.
    """
    settings = settings or load_settings()
    table = wave.table
    n = table.num_rows
    wanted = targets(wave_id, targets_csv or TARGETS_CSV)
    rakes = design.rakes(settings)
    if rakes and not wanted:
        raise LuiError(
            f"wave {wave_id} has no final weight and seeds/weighting/targets.csv has no "
            "targets for it: add targets, or deliver a weight column"
        )
    found = margins(table, wave_id, wanted, strict=rakes)
    delivered = table.column("weight").to_numpy()
    source = "delivered design_weight" if design.design_weight is not None else "none (1)"
    start = design.design_weight if design.design_weight is not None else np.ones(n)
    group = design.replicate_group
    replicates = design.replicate_weights
    replicate_method = settings.replicate_method if replicates is not None else None
    scale = settings.replicate_scale
    iterations: int | None = None
    converged: bool | None = None
    capped = 0
    if rakes:
        if (start <= 0).any():
            raise LuiError(
                f"wave {wave_id}: {int((start <= 0).sum()):,} respondents have a design "
                "weight of 0 or less: every respondent needs a positive design weight"
            )
        raked = rake(start, found, settings, f"wave {wave_id}")
        weight = raked.weights
        iterations, converged, capped = raked.iterations, raked.converged, raked.capped
        wave.table = table.set_column(
            table.column_names.index("weight"), "weight", pa.array(weight, pa.float64())
        )
        if replicates is None:
            if group is None:
                group = replicate_groups(table.column("respondent_id"), settings.replicate_groups)
            replicates = jk1_replicates(start, group, found, settings, wave_id)
            replicate_method = "JK1"
            scale = (replicates.shape[1] - 1) / replicates.shape[1]
    else:
        source = "delivered weight"
        weight = delivered
    if replicates is not None and scale is None:
        count = replicates.shape[1]
        scale = (count - 1) / count if replicate_method == "JK1" else 1.0 / count
    if design.replicate_weights is not None:
        se_method = SE_REPLICATES_DELIVERED
    elif rakes:
        se_method = SE_JK1_RAKED
    elif design.stratum is not None or design.psu is not None:
        se_method = SE_TAYLOR_DESIGN
    else:
        se_method = SE_TAYLOR_WEIGHTS
    return Weighting(
        wave_id=wave_id,
        respondent_id=table.column("respondent_id"),
        weight=weight,
        design_weight=design.design_weight,
        replicate_group=group,
        stratum=design.stratum,
        psu=design.psu,
        replicate_weights=replicates,
        margins=_margin_rows(found, start if rakes else design.design_weight, weight)
        if wanted
        else [],
        method=METHOD_RAKED if rakes else METHOD_DELIVERED,
        design_weight_source=source,
        iterations=iterations,
        converged=converged,
        tolerance=settings.tolerance if rakes else None,
        cap=settings.cap if rakes else None,
        capped=capped,
        se_method=se_method,
        replicate_method=replicate_method,
        replicate_scale=scale,
    )
