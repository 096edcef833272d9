"""Every query the app and the report run: named functions over the published marts,
cached per copy.

Rules this module keeps (and the pages rely on):
- it reads only the published file (`LUI_MARTS`, default warehouse/published.duckdb);
- each query opens a short-lived read-only connection and closes it; no connection is
  ever cached, so nothing pins an old copy of the file;
- every value that comes from a user (widget, query parameter) is a `?` parameter;
- results are cached with the published file's identity (path, inode, mtime, size) as an
  argument, so a newly published copy is picked up on the next rerun, without a restart,
  and results are reused until a new copy is published.

Caching is an adapter: outside Streamlit (the report, the CLI, the tests) a small LRU
cache that hands out copies; the app installs `st.cache_data` with `use_cache` (see
streamlit_app/app.py), so its sessions share one cache. Each function's `__wrapped__` is
the uncached query (bench/stages.py times those).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import pandas as pd

from lui import contract
from lui.paths import marts_path
from lui.present.formatting import UK

P = ParamSpec("P")
R = TypeVar("R")
CacheFactory = Callable[[Callable[..., Any], int], Callable[..., Any]]


def lru_copies(function: Callable[..., Any], max_entries: int) -> Callable[..., Any]:
    """The default cache: an LRU of `max_entries` results that returns a copy of each, so a
    caller that changes a frame does not change the cached one (as st.cache_data does)."""
    remembered = functools.lru_cache(maxsize=max_entries)(function)

    def call(*args: Any) -> Any:
        return copy.deepcopy(remembered(*args))

    call.cache_clear = remembered.cache_clear  # type: ignore[attr-defined]
    return call


_factory: CacheFactory = lru_copies
_cached_functions: list[Callable[..., Any]] = []


def use_cache(factory: CacheFactory) -> None:
    """Cache every query with `factory(function, max_entries)` from now on (the app passes
    st.cache_data); calling it again with the same factory keeps the caches."""
    global _factory
    if factory is _factory:
        return
    _factory = factory
    for function in _cached_functions:
        function._cache = None  # type: ignore[attr-defined]


def cached(max_entries: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a query (keyed by its arguments, the first being the copy's identity) with the
    installed cache factory, made on first call."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            if call._cache is None:  # type: ignore[attr-defined]
                call._cache = _factory(function, max_entries)  # type: ignore[attr-defined]
            return call._cache(*args, **kwargs)  # type: ignore[attr-defined]

        call._cache = None  # type: ignore[attr-defined]
        _cached_functions.append(call)
        return call

    return decorate


BREAKDOWN_ORDER: tuple[str, ...] = contract.REPORTED_BREAKDOWNS
# Groups in the report's order: English regions north to south (London last), then the
# nations; the other breakdowns in their natural order. Groups not named here follow,
# numerically then alphabetically.
GROUP_ORDER: tuple[str, ...] = (
    UK,
    "England",
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "South East",
    "South West",
    "London",
    "Scotland",
    "Northern Ireland",
    "Wales",
    "Urban",
    "Rural",
    "16-24",
    "25-34",
    "35-44",
    "45-54",
    "55-64",
    "65+",
    "Male",
    "Female",
    "Other",
)


def _group_sort(column: str) -> str:
    """An order clause putting `column`'s groups in GROUP_ORDER (bind GROUP_ORDER first)."""
    return (
        f"list_position(?, {column}) nulls last, try_cast({column} as integer) nulls last, {column}"
    )


class MartsUnavailable(Exception):
    """The published file exists but cannot be read as marts (not built, or being replaced)."""


class MartsOutdated(MartsUnavailable):
    """The published copy was written by an older version: a table or column is missing."""

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(
            f"The published copy {path} was written by an older version of lui: it lacks a "
            f"table or column this version reads ({detail}). Run `lui publish` to refresh it "
            "(after `lui build --full-refresh` if the warehouse was built by that version too)."
        )


@dataclass(frozen=True)
class Marts:
    """Identity of one published copy: a new copy (os.replace) changes inode and mtime."""

    path: str
    inode: int
    mtime_ns: int
    size: int


def published() -> Marts | None:
    """The published copy as it is now, or None when nothing has been published yet."""
    path: Path = marts_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    if not path.is_file():
        return None
    return Marts(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _query(marts: Marts, sql: str, params: list[object] | None = None) -> pd.DataFrame:
    """Run one parameterised query on a fresh read-only connection, then close it."""
    try:
        con = duckdb.connect(marts.path, read_only=True)
    except duckdb.Error as error:
        raise MartsUnavailable(str(error).splitlines()[0]) from error
    try:
        return con.execute(sql, params or []).df()
    except duckdb.BinderException as error:
        raise MartsOutdated(marts.path, _first_line(error)) from error
    except duckdb.CatalogException as error:
        if _has_marts(con):  # marts, but not the one asked for: an older copy
            raise MartsOutdated(marts.path, _first_line(error)) from error
        raise MartsUnavailable(_first_line(error)) from error
    finally:
        con.close()


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0]


def _has_marts(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'marts'"
    ).fetchone()
    return bool(found and found[0])


# --------------------------------------------------------------------------------------
# Dimensions and choices
# --------------------------------------------------------------------------------------
@cached(32)
def waves(marts: Marts) -> pd.DataFrame:
    """dim_wave in wave order."""
    return _query(
        marts,
        """
        select wave_id, wave_number, previous_wave_id, fieldwork_start, fieldwork_end,
               respondents, weighted_base, effective_base, weighting_design_effect,
               answers, source_file,
               source_sha256, landed_at, validation_outcome
        from marts.dim_wave
        order by wave_number
        """,
    )


@cached(32)
def missions(marts: Marts) -> pd.DataFrame:
    """dim_mission in mission order."""
    return _query(
        marts,
        """
        select mission_id, mission_name, white_paper_area, mission_statement, question_count
        from marts.dim_mission
        order by mission_id
        """,
    )


@cached(32)
def breakdowns(marts: Marts) -> list[str]:
    """Breakdowns present in the index, in the report's order."""
    found = set(
        _query(marts, "select distinct breakdown from marts.fct_mission_index")["breakdown"]
    )
    known = [b for b in BREAKDOWN_ORDER if b in found]
    return known + sorted(found - set(known))


@cached(256)
def groups(marts: Marts, breakdown: str) -> list[str]:
    """Groups of one breakdown in the report's order (GROUP_ORDER)."""
    frame = _query(
        marts,
        f"""
        select distinct group_label from marts.fct_mission_index
        where breakdown = ?
        order by {_group_sort("group_label")}
        """,
        [breakdown, list(GROUP_ORDER)],
    )
    return frame["group_label"].tolist()


# --------------------------------------------------------------------------------------
# The index
# --------------------------------------------------------------------------------------
_INDEX_COLUMNS = """
    i.wave_id, w.wave_number, w.fieldwork_start, w.fieldwork_end, i.breakdown,
    i.group_label, i.mission_id, i.mission_name, i.index_score, i.ci_low, i.ci_high,
    i.standard_error, i.unweighted_base, i.weighted_base, i.effective_base,
    i.design_effect, i.vs_rest,
    i.previous_wave_id, i.change_vs_previous, i.change_significant, i.trend_break,
    i.low_base, i.suppressed, i.change_standard_error, i.change_ci_low, i.change_ci_high
"""
_INDEX_FROM = "from marts.fct_mission_index as i join marts.dim_wave as w using (wave_id)"


@cached(256)
def mission_trends(marts: Marts, breakdown: str, group_labels: tuple[str, ...]) -> pd.DataFrame:
    """fct_mission_index for some groups of a breakdown, every wave and mission."""
    return _query(
        marts,
        f"""
        select {_INDEX_COLUMNS} {_INDEX_FROM}
        where i.breakdown = ? and list_contains(?, i.group_label)
        order by i.mission_id, i.group_label, w.wave_number
        """,
        [breakdown, list(group_labels)],
    )


@cached(256)
def breakdown_index(marts: Marts, breakdown: str, wave_id: str) -> pd.DataFrame:
    """One wave's index for every group of a breakdown, with the UK row first."""
    return _query(
        marts,
        f"""
        select {_INDEX_COLUMNS} {_INDEX_FROM}
        where i.wave_id = ? and (i.breakdown = ? or i.breakdown = 'all')
        order by i.breakdown <> 'all', {_group_sort("i.group_label")}, i.mission_id
        """,
        [wave_id, breakdown, list(GROUP_ORDER)],
    )


@cached(256)
def scorecard(marts: Marts, breakdown: str, group_label: str) -> pd.DataFrame:
    """The latest wave's 12 missions for one group, with change since the baseline.

    The baseline, its change, the change's significance and `break_since_baseline` come
    from marts.fct_mission_change_since_baseline; the app only picks the group's latest wave.
    """
    return _query(
        marts,
        """
        with rows as (
            select i.*, w.wave_number, w.fieldwork_start, w.fieldwork_end
            from marts.fct_mission_index as i
            join marts.dim_wave as w using (wave_id)
            where i.breakdown = ? and i.group_label = ?
        )
        select
            l.mission_id, l.mission_name, l.wave_id, l.fieldwork_start, l.fieldwork_end,
            l.index_score, l.ci_low, l.ci_high, l.standard_error, l.unweighted_base,
            l.effective_base, l.design_effect, l.vs_rest, l.low_base, l.suppressed,
            l.previous_wave_id, l.change_vs_previous, l.change_significant, l.trend_break,
            c.baseline_wave_id, c.baseline_index_score as baseline_score,
            c.change_vs_baseline, c.change_vs_baseline_significant, c.break_since_baseline,
            l.change_ci_low, l.change_ci_high, c.change_vs_baseline_ci_low,
            c.change_vs_baseline_ci_high
        from rows as l
        join marts.fct_mission_change_since_baseline as c
            using (wave_id, breakdown, group_label, mission_id)
        where l.wave_number = (select max(wave_number) from rows)
        order by l.mission_id
        """,
        [breakdown, group_label],
    )


@cached(64)
def wave_index(marts: Marts, wave_id: str) -> pd.DataFrame:
    """One wave's index for every breakdown, group and mission (mission pages, overview,
    key findings, the wave report), UK first, groups in the report's order."""
    return _query(
        marts,
        f"""
        select {_INDEX_COLUMNS} {_INDEX_FROM}
        where i.wave_id = ?
        order by i.mission_id, list_position(?, i.breakdown), {_group_sort("i.group_label")}
        """,
        [wave_id, list(BREAKDOWN_ORDER), list(GROUP_ORDER)],
    )


@cached(64)
def since_baseline(marts: Marts, wave_id: str, breakdown: str) -> pd.DataFrame:
    """One wave's change since each group's baseline (fct_mission_change_since_baseline) for
    the UK and every group of a breakdown, with its interval, in mission order."""
    return _query(
        marts,
        f"""
        select wave_id, breakdown, group_label, mission_id, mission_name, baseline_wave_id,
               change_vs_baseline, change_vs_baseline_significant, break_since_baseline,
               change_vs_baseline_ci_low, change_vs_baseline_ci_high
        from marts.fct_mission_change_since_baseline
        where wave_id = ? and (breakdown = ? or breakdown = 'all')
        order by mission_id, breakdown <> 'all', {_group_sort("group_label")}
        """,
        [wave_id, breakdown, list(GROUP_ORDER)],
    )


TEST_COLUMNS = [
    "wave_id",
    "test_kind",
    "breakdown",
    "group_label",
    "mission_id",
    "mission_name",
    "compared_wave_id",
    "unweighted_base",
    "estimate",
    "standard_error",
    "z",
    "p_value",
    "significant_raw",
    "tests_in_wave",
    "p_value_fdr",
    "significant_fdr",
]


@cached(64)
def significance_tests(marts: Marts, wave_id: str) -> pd.DataFrame:
    """Every significance test of one wave (fct_significance_tests) with its raw and its
    false-discovery-rate flag, smallest p first; empty for a copy without that mart."""
    if not _has_table(marts, "fct_significance_tests"):
        return pd.DataFrame(columns=[*TEST_COLUMNS, "index_score", "ci_low", "ci_high"])
    columns = ", ".join(f"m.{c}" if c == "mission_name" else f"t.{c}" for c in TEST_COLUMNS)
    return _query(
        marts,
        f"""
        select {columns}, i.index_score,
            case t.test_kind
                when 'change_vs_previous' then i.change_ci_low
                when 'change_vs_baseline' then c.change_vs_baseline_ci_low
            end as ci_low,
            case t.test_kind
                when 'change_vs_previous' then i.change_ci_high
                when 'change_vs_baseline' then c.change_vs_baseline_ci_high
            end as ci_high
        from marts.fct_significance_tests as t
        join marts.dim_mission as m on t.mission_id = m.mission_id
        left join marts.fct_mission_index as i
            on i.wave_id = t.wave_id and i.breakdown = t.breakdown
            and i.group_label = t.group_label and i.mission_id = t.mission_id
        left join marts.fct_mission_change_since_baseline as c
            on c.wave_id = t.wave_id and c.breakdown = t.breakdown
            and c.group_label = t.group_label and c.mission_id = t.mission_id
        where t.wave_id = ?
        order by t.p_rank
        """,
        [wave_id],
    )


@cached(64)
def mission_questions(marts: Marts, mission_id: int) -> pd.DataFrame:
    """The questions behind one mission with their weights, in questionnaire order."""
    return _query(
        marts,
        """
        select q.question_code, q.short_label, q.question_text, mq.question_weight,
               mq.direction, q.first_wave, q.last_wave, q.display_order
        from marts.dim_mission_question as mq
        inner join marts.dim_question as q on mq.question_code = q.question_code
        where mq.mission_id = ?
        order by q.display_order, q.question_code
        """,
        [mission_id],
    )


# --------------------------------------------------------------------------------------
# Priorities
# --------------------------------------------------------------------------------------
@cached(256)
def priorities(marts: Marts, breakdown: str, wave_id: str) -> pd.DataFrame:
    """fct_priorities for one wave and breakdown, with the UK's rows and rank."""
    return _query(
        marts,
        f"""
        select p.wave_id, p.breakdown, p.group_label, p.priority_code, p.priority_label,
               p.pct_chosen, p.rest_pct_chosen, p.standard_error, p.more_emphasis,
               p.rank_in_group, p.unweighted_base, p.weighted_base, p.effective_base,
               p.design_effect, p.low_base, p.suppressed, uk.rank_in_group as uk_rank
        from marts.fct_priorities as p
        left join marts.fct_priorities as uk
            on uk.wave_id = p.wave_id and uk.breakdown = 'all'
            and uk.priority_code = p.priority_code
        where p.wave_id = ? and (p.breakdown = ? or p.breakdown = 'all')
        order by uk.rank_in_group, p.priority_code, p.breakdown <> 'all',
                 {_group_sort("p.group_label")}
        """,
        [wave_id, breakdown, list(GROUP_ORDER)],
    )


@cached(256)
def top_priorities(marts: Marts, wave_id: str, breakdown: str, top: int) -> pd.DataFrame:
    """Each group's `top` priorities by the mart's rank_in_group (the report's "top five
    answers in each nation"), groups in the report's order."""
    return _query(
        marts,
        f"""
        select wave_id, breakdown, group_label, priority_code, priority_label, pct_chosen,
               more_emphasis, rank_in_group, unweighted_base, low_base, suppressed
        from marts.fct_priorities
        where wave_id = ? and breakdown = ? and rank_in_group <= ?
        order by {_group_sort("group_label")}, rank_in_group, priority_code
        """,
        [wave_id, breakdown, top, list(GROUP_ORDER)],
    )


@cached(32)
def priority_waves(marts: Marts) -> list[str]:
    """Waves that have priorities, newest first."""
    frame = _query(
        marts,
        """
        select distinct p.wave_id, w.wave_number
        from marts.fct_priorities as p join marts.dim_wave as w using (wave_id)
        order by w.wave_number desc
        """,
    )
    return frame["wave_id"].tolist()


# --------------------------------------------------------------------------------------
# Perceptions
# --------------------------------------------------------------------------------------
# Mission questions the report also charts as perceptions (support for devolution).
PERCEPTION_EXTRAS: tuple[str, ...] = ("support_la_control", "support_mayor")


@cached(32)
def perception_questions(marts: Marts) -> pd.DataFrame:
    """The perception questions, then the devolution questions, one row each."""
    return _query(
        marts,
        """
        select question_code, short_label, question_text, topic, scale_label,
               question_group, display_order
        from marts.dim_question
        where question_group = 'perception' or list_contains(?, question_code)
        order by question_group <> 'perception', display_order, question_code
        """,
        [list(PERCEPTION_EXTRAS)],
    )


@cached(256)
def question_toplines(
    marts: Marts, question_code: str, breakdown: str, wave_id: str
) -> pd.DataFrame:
    """One question's answers in one wave for the UK and every group of a breakdown,
    UK first, answers in scale order."""
    return _query(
        marts,
        f"""
        select t.wave_id, t.breakdown, t.group_label, t.question_code, t.response_code,
               t.response_label, t.answer_kind, t.unweighted_count, t.weighted_count,
               t.weighted_pct, t.unweighted_base, t.weighted_base, t.low_base, t.suppressed
        from marts.fct_question_toplines as t
        where t.wave_id = ? and t.question_code = ? and (t.breakdown = ? or t.breakdown = 'all')
        order by t.breakdown <> 'all', {_group_sort("t.group_label")}, t.response_code
        """,
        [wave_id, question_code, breakdown, list(GROUP_ORDER)],
    )


@cached(256)
def question_over_time(marts: Marts, question_code: str) -> pd.DataFrame:
    """One question's answers for the UK in every wave that asked it, waves in order,
    answers in scale order."""
    return _query(
        marts,
        """
        select t.wave_id, t.breakdown, t.group_label, t.question_code, t.response_code,
               t.response_label, t.answer_kind, t.weighted_pct, t.unweighted_base,
               t.low_base, t.suppressed
        from marts.fct_question_toplines as t
        join marts.dim_wave as w using (wave_id)
        where t.question_code = ? and t.breakdown = 'all'
        order by w.wave_number, t.response_code
        """,
        [question_code],
    )


# --------------------------------------------------------------------------------------
# Data quality
# --------------------------------------------------------------------------------------
@cached(32)
def landings(marts: Marts) -> pd.DataFrame:
    """The landing log: every successful landing, newest first."""
    return _query(
        marts,
        """
        select wave_id, landed_at, file_name, file_format, file_sha256, respondents,
               answers, questions, validation_outcome, validation_report, replaced_previous
        from marts.fct_landings
        order by landed_at desc, wave_id desc
        """,
    )


@cached(32)
def wave_weighting(marts: Marts) -> pd.DataFrame:
    """How each wave was weighted and what it cost (docs/weighting.md), newest first."""
    return _query(
        marts,
        """
        select wave_id, weighting_method, design_weight_source, raking_iterations,
               raking_converged, kish_efficiency, min_weight, max_weight, weights_capped,
               se_method, replicates
        from marts.fct_wave_weighting
        order by wave_id desc
        """,
    )


@cached(32)
def weighting_margins(marts: Marts) -> pd.DataFrame:
    """The weighting report: target, unweighted and weighted share per wave and category."""
    return _query(
        marts,
        """
        select wave_id, target_variable, category, target_share, respondents,
               unweighted_share, weighted_share
        from marts.fct_weighting_margins
        order by wave_id desc, target_variable, target_share desc
        """,
    )


@cached(32)
def publication(marts: Marts) -> pd.DataFrame:
    """The publication row written by `lui publish` (empty when the file has none)."""
    if not _has_table(marts, "publication"):
        return pd.DataFrame(columns=["published_at", "source_warehouse", "waves", "latest_wave"])
    return _query(
        marts,
        "select published_at, source_warehouse, waves, latest_wave from marts.publication",
    )


@cached(32)
def thresholds(marts: Marts) -> contract.Thresholds:
    """The low-base and suppression thresholds and the critical value the copy was built with.

    `lui publish` records them in marts.publication; a copy published before they were
    recorded is read with the project's (dbt_project.yml), which built it.
    """
    recorded = _query(
        marts,
        """
        select column_name from duckdb_columns()
        where schema_name = 'marts' and table_name = 'publication'
        """,
    )
    if not set(contract.THRESHOLD_VARS) <= set(recorded["column_name"]):
        return contract.thresholds()
    columns = ", ".join(contract.THRESHOLD_VARS)
    row = _query(marts, f"select {columns} from marts.publication").iloc[0]
    return contract.Thresholds(
        low_base_threshold=int(row["low_base_threshold"]),
        suppression_threshold=int(row["suppression_threshold"]),
        z_critical=float(row["z_critical"]),
    )


# --------------------------------------------------------------------------------------
# Local areas (small-area estimates, marts.fct_local_mission_index)
# --------------------------------------------------------------------------------------
@cached(32)
def local_waves(marts: Marts) -> list[str]:
    """Waves with local-authority estimates, oldest first (none on a copy without them)."""
    if not _has_table(marts, "fct_local_mission_index"):
        return []
    frame = _query(
        marts, "select distinct wave_id from marts.fct_local_mission_index order by wave_id"
    )
    return frame["wave_id"].tolist()


@cached(32)
def local_authorities(marts: Marts) -> pd.DataFrame:
    """Every authority with estimates: la_code, la_name, region, nation, by name."""
    return _query(
        marts,
        """
        select distinct la_code, la_name, region, nation
        from marts.fct_local_mission_index
        order by la_name, la_code
        """,
    )


@cached(256)
def local_authority_index(marts: Marts, la_code: str, wave_id: str) -> pd.DataFrame:
    """One authority's 12 missions in a wave: model and direct estimates, beside its
    region's and the UK's index (fct_mission_index) for the same wave."""
    return _query(
        marts,
        """
        select l.mission_id, l.mission_name, l.la_name, l.region, l.respondents,
               l.model_estimate, l.model_rmse, l.ci_low, l.ci_high,
               l.direct_estimate, l.direct_se,
               r.index_score as region_index, u.index_score as uk_index
        from marts.fct_local_mission_index as l
        left join marts.fct_mission_index as r
            on r.wave_id = l.wave_id and r.mission_id = l.mission_id
            and r.breakdown = 'region' and r.group_label = l.region
        left join marts.fct_mission_index as u
            on u.wave_id = l.wave_id and u.mission_id = l.mission_id and u.breakdown = 'all'
        where l.la_code = ? and l.wave_id = ?
        order by l.mission_id
        """,
        [la_code, wave_id],
    )


@cached(256)
def local_ranking(marts: Marts, mission_id: int, wave_id: str) -> pd.DataFrame:
    """Every authority's model estimate on one mission in a wave, highest first and ranked
    (those the model could not estimate last, unranked), with whether its interval lies
    wholly above or below its region's (vs_region): the rows of the map and the ranking."""
    return _query(
        marts,
        """
        select case when model_estimable
                    then rank() over (order by model_estimate desc nulls last) end as rank,
               la_code, la_name, region, nation, model_estimate, ci_low, ci_high,
               vs_region, model_rmse, direct_estimate, respondents, wave_id, mission_id
        from marts.fct_local_mission_index
        where mission_id = ? and wave_id = ?
        order by model_estimate desc nulls last, la_name
        """,
        [int(mission_id), wave_id],
    )


@cached(256)
def higher_than(marts: Marts, breakdown: str, wave_id: str) -> pd.DataFrame:
    """Each pair of groups of a breakdown in a wave where the first is significantly higher
    than the second on a mission (fct_group_comparisons: group_label, other_group_label,
    mission_name): what a breakdown table shows as column letters."""
    return _query(
        marts,
        """
        select group_label, other_group_label, mission_name
        from marts.fct_group_comparisons
        where breakdown = ? and wave_id = ? and comparison = 'higher'
        order by mission_name, group_label, other_group_label
        """,
        [breakdown, wave_id],
    )


@cached(256)
def cross_tab(marts: Marts, wave_id: str, mission_id: int, rows: str, columns: str) -> pd.DataFrame:
    """One mission's index in every cell of two breakdowns crossed (a published
    cross-breakdown of fct_mission_index, var cross_breakdowns) in a wave, one row per cell
    with its row_group and column_group, in the groups' order."""
    breakdown, columns_first = contract.cross_breakdown_of(rows, columns)
    frame = _query(
        marts,
        f"""
        select {_INDEX_COLUMNS} {_INDEX_FROM}
        where i.wave_id = ? and i.mission_id = ? and i.breakdown = ?
        order by i.group_label
        """,
        [wave_id, int(mission_id), breakdown],
    )
    parts = frame["group_label"].str.split(contract.CROSS_SEPARATOR, n=1, expand=True, regex=False)
    first, second = (parts[0], parts[1]) if len(frame) else ([], [])
    return frame.assign(
        row_group=second if columns_first else first,
        column_group=first if columns_first else second,
    )


@cached(256)
def local_authority_trend(marts: Marts, la_code: str, mission_id: int) -> pd.DataFrame:
    """One authority's model estimate on one mission in every wave, with its interval and
    its region's published index in the same wave, oldest first."""
    return _query(
        marts,
        """
        select l.wave_id, l.la_name, l.region, l.model_estimate, l.ci_low, l.ci_high,
               r.index_score as region_index
        from marts.fct_local_mission_index as l
        left join marts.fct_mission_index as r
            on r.wave_id = l.wave_id and r.mission_id = l.mission_id
            and r.breakdown = 'region' and r.group_label = l.region
        where l.la_code = ? and l.mission_id = ?
        order by l.wave_id
        """,
        [la_code, int(mission_id)],
    )


def _has_table(marts: Marts, table: str) -> bool:
    """Whether the published copy has marts.<table> (a mart added after it was published)."""
    found = _query(
        marts,
        """
        select count(*) as n from duckdb_tables()
        where schema_name = 'marts' and table_name = ?
        """,
        [table],
    )
    return int(found["n"].iloc[0]) > 0


NET_COLUMNS = [
    "wave_id",
    "net_code",
    "net_label",
    "pct",
    "unweighted_base",
    "previous_wave_id",
    "change_vs_previous",
    "change_significant",
    "low_base",
    "suppressed",
]


@cached(256)
def question_nets(marts: Marts, question_code: str) -> pd.DataFrame:
    """The report's nets of one question ("know at least a fair amount", "support", ...)
    for the UK in every wave, from fct_question_nets; empty for a copy without that mart."""
    if not _has_table(marts, "fct_question_nets"):
        return pd.DataFrame(columns=NET_COLUMNS)
    columns = ", ".join(f"n.{c}" for c in NET_COLUMNS)
    return _query(
        marts,
        f"""
        select {columns}
        from marts.fct_question_nets as n
        join marts.dim_wave as w using (wave_id)
        where n.question_code = ? and n.breakdown = 'all'
        order by n.net_code, w.wave_number
        """,
        [question_code],
    )


CONTRIBUTION_COLUMNS = [
    "question_code",
    "question_text",
    "answered_respondents",
    "mean_points",
    "weight_share",
    "contribution_to_index",
    "previous_wave_id",
    "contribution_to_change",
    "composition_effect",
    "suppressed",
]


@cached(256)
def mission_contributions(
    marts: Marts, wave_id: str, mission_id: int, breakdown: str, group_label: str
) -> pd.DataFrame:
    """What moved a group's mission index: each question's contribution to the index and to
    its change since the previous wave (fct_mission_question_contributions); empty for a
    copy without that mart."""
    if not _has_table(marts, "fct_mission_question_contributions"):
        return pd.DataFrame(columns=CONTRIBUTION_COLUMNS)
    return _query(
        marts,
        f"""
        select {", ".join(CONTRIBUTION_COLUMNS)}
        from marts.fct_mission_question_contributions
        where wave_id = ? and mission_id = ? and breakdown = ? and group_label = ?
        order by abs(contribution_to_change) desc nulls last, question_code
        """,
        [wave_id, mission_id, breakdown, group_label],
    )
