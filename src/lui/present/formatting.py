"""How the app and the wave report print the marts' values: numbers, flags, marks, labels.

Pure functions over values and frames (no Streamlit, no SQL), shared by the pages, the
charts and the PDF / Excel report, so a cell reads the same on screen and on paper.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from lui import contract
from lui.contract import Thresholds

UK = "UK"
UK_ROW = "All UK"
SUPPRESSED = "suppressed"
LOW_BASE_MARK = "†"
EMPHASIS_MARK = "●"
RISE_MARK = "▲"
FALL_MARK = "▼"
ABOVE_MARK = "▲"
BELOW_MARK = "▼"
BREAK_MARK = "‡"

_SINGLE_LABELS: dict[str, str] = {
    "all": UK_ROW,
    "nation": "Nation",
    "region": "Region",
    "supergroup": "ONS area classification (supergroup)",
    "imd_quintile": "Deprivation quintile (IMD)",
    "urban_rural": "Urban / rural",
    "age_band": "Age band",
    "gender": "Gender",
}
_SHORT_LABELS: dict[str, str] = {"imd_quintile": "Deprivation quintile"}
# Single breakdowns, then the cross-breakdowns ("Region x Deprivation quintile").
BREAKDOWN_LABELS: dict[str, str] = {
    **_SINGLE_LABELS,
    **{
        contract.cross_breakdown_name(pair): " x ".join(
            _SHORT_LABELS.get(part, _SINGLE_LABELS[part]) for part in pair
        )
        for pair in contract.CROSS_BREAKDOWNS
    },
}

# Deprivation quintiles as the report names them (1 = the most deprived fifth of areas).
IMD_LABELS: dict[str, str] = {
    "1": "1 – most deprived",
    "2": "2",
    "3": "3",
    "4": "4",
    "5": "5 – least deprived",
}

DASH = "–"  # a table cell with no value (never "None" or "nan")


# A deprivation quintile inside a sentence or a cross-breakdown's group ("Rural, most
# deprived fifth").
IMD_FIFTHS: dict[str, str] = {
    "1": "most deprived fifth",
    "2": "second most deprived fifth",
    "3": "middle fifth for deprivation",
    "4": "second least deprived fifth",
    "5": "least deprived fifth",
}
CROSS_PAIRS: dict[str, tuple[str, str]] = {
    contract.cross_breakdown_name(pair): pair for pair in contract.CROSS_BREAKDOWNS
}


def breakdown_label(breakdown: str) -> str:
    return BREAKDOWN_LABELS.get(breakdown, breakdown)


def group_label(breakdown: str, label: str) -> str:
    """A group as people read it: 'All UK', '1 – most deprived', 'Rural, most deprived
    fifth' (a cross-breakdown), else its label."""
    if breakdown == "all":
        return UK_ROW
    if breakdown == "imd_quintile":
        return IMD_LABELS.get(str(label), str(label))
    if breakdown in CROSS_PAIRS:
        parts = str(label).split(contract.CROSS_SEPARATOR)
        return ", ".join(
            IMD_FIFTHS.get(part, part) if part_breakdown == "imd_quintile" else part
            for part_breakdown, part in zip(CROSS_PAIRS[breakdown], parts, strict=False)
        )
    return str(label)


def group_names(frame: pd.DataFrame) -> pd.Series:
    """Each row's group as the tables show it (see group_label)."""
    return pd.Series(
        [group_label(b, g) for b, g in zip(frame["breakdown"], frame["group_label"], strict=True)],
        index=frame.index,
        dtype="object",
    )


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------
def missing(value: object) -> bool:
    return value is None or bool(pd.isna(value))


def signed(value: float | None, digits: int = 0) -> str:
    """+16, -33, 0 (the report's style); an en dash for a missing value."""
    if missing(value):
        return DASH
    rounded = round(float(value), digits)
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:+.{digits}f}"


def flag(value: object) -> bool:
    """A nullable boolean from the marts (None, NA, numpy or Python bool) as a plain bool."""
    return not missing(value) and bool(value)


def yes_no(value: object) -> str:
    """A flag as a word for a table cell: 'yes', or '' (never 'None' or a checkbox)."""
    return "yes" if flag(value) else ""


def movement(significant: object, change: object, trend_break: object = False) -> str:
    """'rise' / 'fall' when the change is significant and like for like, else ''.

    A change across a trend break (the mission's questions changed) is never a movement,
    whatever its test says: the two waves did not ask the same thing.
    """
    if flag(trend_break) or not flag(significant) or missing(change) or change == 0:
        return ""
    return "rise" if float(change) > 0 else "fall"


def movement_word(significant: object, change: object, trend_break: object = False) -> str:
    """The change's class as a chart legend names it."""
    if flag(trend_break):
        return "trend break (not comparable)"
    moved = movement(significant, change)
    return f"significant {moved}" if moved else "no significant change"


MOVEMENT_CLASSES: tuple[str, ...] = (
    "significant rise",
    "no significant change",
    "significant fall",
    "trend break (not comparable)",
)


def change_mark(change: object, significant: object, trend_break: object = False) -> str:
    """▲ / ▼ for a significant like-for-like rise / fall, ‡ across a trend break (never an
    arrow), '' otherwise."""
    if missing(change):
        return ""
    if flag(trend_break):
        return BREAK_MARK
    return {"rise": RISE_MARK, "fall": FALL_MARK}.get(movement(significant, change), "")


def change_cell(change: object, significant: object, trend_break: object = False) -> str:
    """A change as a table cell: +5 ▲ / -3 ▼ when significant, '-18 ‡' across a trend
    break, '+1' otherwise, '–' when there is none."""
    if missing(change):
        return DASH
    mark = change_mark(change, significant, trend_break)
    return signed(change) + (f" {mark}" if mark else "")


def vs_rest_mark(vs_rest: object) -> str:
    return {"above": f" {ABOVE_MARK}", "below": f" {BELOW_MARK}"}.get(str(vs_rest), "")


def vs_rest_word(vs_rest: object) -> str:
    return {"above": f"{ABOVE_MARK} above", "below": f"{BELOW_MARK} below"}.get(str(vs_rest), "")


def index_cell(
    score: float | None, low_base: object, suppressed: object, vs_rest: object = None
) -> str:
    """A table cell of the index: +16, +16 ▲ when significantly above the rest (▼ below),
    +16 † for a low base, 'suppressed'."""
    if flag(suppressed):
        return SUPPRESSED
    return signed(score) + vs_rest_mark(vs_rest) + (f" {LOW_BASE_MARK}" if flag(low_base) else "")


def percent_cell(
    pct: float | None, low_base: object, suppressed: object, emphasis: object = False
) -> str:
    """A table cell of a weighted %: 42%, 42% ● for more emphasis than the rest, 42% † for
    a low base, 'suppressed' (also when there is no %)."""
    if flag(suppressed) or missing(pct):
        return SUPPRESSED
    return (
        f"{pct:.0f}%"
        + (f" {EMPHASIS_MARK}" if flag(emphasis) else "")
        + (f" {LOW_BASE_MARK}" if flag(low_base) else "")
    )


def interval(low: object, high: object, digits: int = 1) -> str:
    if missing(low) or missing(high):
        return SUPPRESSED
    return f"{float(low):.{digits}f} to {float(high):.{digits}f}"


# --------------------------------------------------------------------------------------
# Dates and bases
# --------------------------------------------------------------------------------------
def fieldwork(start: object, end: object) -> str:
    """17-23 Feb 2022."""
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    if a.year != b.year:
        return f"{a:%d %b %Y} – {b:%d %b %Y}"
    if a.month != b.month:
        return f"{a:%d %b} – {b:%d %b %Y}"
    return f"{a:%d}–{b:%d %b %Y}"


def fieldwork_caption(wave_frame: pd.DataFrame, wave_ids: Sequence[str] | None = None) -> str:
    """Fieldwork dates and sample sizes of some waves (default: all)."""
    frame = wave_frame if wave_ids is None else wave_frame[wave_frame["wave_id"].isin(wave_ids)]
    parts = [
        f"{row.wave_id}: {fieldwork(row.fieldwork_start, row.fieldwork_end)} "
        f"(n = {row.respondents:,})"
        for row in frame.itertuples()
    ]
    return "Fieldwork: " + "; ".join(parts) + "."


def bases_caption(frame: pd.DataFrame, label_column: str = "group_label") -> str:
    """Base: UK (4,000); London (512)..., from the largest unweighted base per group."""
    bases = frame.groupby(label_column, sort=False)["unweighted_base"].max()
    return "Base (respondents): " + "; ".join(f"{g} ({n:,})" for g, n in bases.items()) + "."


SE_METHODS = {
    "jk1_raked": (
        "the delete-a-group jackknife (JK1) over {replicates} replicate groups, each "
        "replicate raked again to the same targets"
    ),
    "replicates_delivered": "the {replicates} replicate weights delivered with the file",
    "taylor_strata_psu": "Taylor linearisation with the delivered strata and PSUs",
    "taylor_weights": "Taylor linearisation on the final weights",
}
"""How each dim_wave/fct_wave_weighting se_method is said in prose."""
RAKED_FROM = {
    "delivered design_weight": "the delivered design weights",
    "none (1)": "equal weights (no design weight was delivered)",
}
"""How fct_wave_weighting.design_weight_source is said in prose."""


def count_or_dash(values: pd.Series) -> pd.Series:
    """Whole counts as text ('12'), a dash where there is none (a table cell, not 'None')."""
    return values.map(lambda v: f"{int(v):,}" if pd.notna(v) else DASH)


def standard_errors(row: pd.Series) -> str:
    """How a wave's standard errors are made (a row of queries.wave_weighting), in words."""
    replicates = row["replicates"] if pd.notna(row.get("replicates")) else 0
    return SE_METHODS.get(row["se_method"], row["se_method"]).format(replicates=int(replicates))


def weighting_report(row: pd.Series) -> str:
    """A wave's weighting report (a row of queries.wave_weighting) in a few sentences: how
    it was weighted, the raking's iterations and convergence, Kish efficiency, the smallest
    and largest weight, the weights capped, and how its standard errors are made."""
    if row["weighting_method"] == "raked":
        converged = "converged" if row["raking_converged"] else "did not converge"
        start = RAKED_FROM.get(row["design_weight_source"], row["design_weight_source"])
        made = (
            f"Weighted at landing: raked from {start} to the "
            f"population targets in {int(row['raking_iterations'])} iterations "
            f"({converged}); {int(row['weights_capped'])} weights capped."
        )
    else:
        made = "Weighted with the weights delivered with the file."
    se = standard_errors(row)
    return (
        f"{made} Kish efficiency {row['kish_efficiency']:.0%} (the effective base over the "
        f"respondents); weights from {row['min_weight']:.2f} to {row['max_weight']:.2f}. "
        f"Standard errors: {se}."
    )


# --------------------------------------------------------------------------------------
# Prose shared by the app and the report
# --------------------------------------------------------------------------------------
def methods(rules: Thresholds) -> list[tuple[str, str]]:
    """The methods notes as (heading, markdown) pairs, with the thresholds the published copy
    was built with (queries.thresholds): the app's methodology and the report's "things you
    need to know" (which adds the survey's own facts, release.py)."""
    z = f"{rules.z_critical:g}"
    level = rules.confidence_level
    alpha = f"{100 - int(level.rstrip('%'))}%"
    return [
        (
            "How the index is calculated",
            """Every answer maps to points from +200 to -200 through its answer scale (a
five-step scale gives +200, +100, 0, -100, -200; "Don't know" gives 0 and counts; refusals
and questions not asked do not count; negative wordings score in reverse; 0-10 scales map
linearly). A respondent's mission score is the weighted average of the points of the
mission's questions they answered; a group's index is the survey-weighted mean of its
respondents' scores, so it runs from -200 to +200.""",
        ),
        (
            "Uncertainty",
            f"""Standard errors use Taylor linearisation for a weighted single-stage design
(as R's `survey::svymean`); the {level} interval is the index ± {z} SE. A group is
*significantly above/below* ({ABOVE_MARK} / {BELOW_MARK}) when it differs from the rest of
the sample (everyone in the wave not in the group) with |z| > {z}; a change between waves is
tested the same way, its standard error being √(SE² + SE_before²) (two independent samples),
and shown with its {level} interval. The effective base, (Σw)² / Σw², is the sample size the
weighted estimate is as precise as.""",
        ),
        (
            "Many tests at once",
            f"""Each wave makes hundreds of tests (every group against the rest, every change
since the previous wave and since the baseline, for 12 missions). At the {level} level
{alpha} of the tests of a true zero difference come out significant by chance, so the key
findings use only differences that stay significant after the Benjamini-Hochberg procedure
across all of the wave's tests, which keeps the expected share of false discoveries among
them at {alpha}. The marts publish both flags, the single test's and the controlled one;
the tables' marks are the single tests'. Key findings about a group also need a base of at
least {rules.low_base_threshold} respondents.""",
        ),
        (
            "Bases and disclosure",
            f"""Bases are unweighted respondents with a score on the mission (or who
answered the question). Groups with fewer than {rules.low_base_threshold} respondents are
flagged as a low base ({LOW_BASE_MARK}, treat with caution); groups with fewer than
{rules.suppression_threshold} are suppressed: no score, interval or flag is published, only
the base.""",
        ),
        (
            "Trend breaks",
            f"""When the questions behind a mission change between waves (a questionnaire
change), the wave is marked as a trend break ({BREAK_MARK}): its change since the previous
wave is not like for like, so it is never shown as a significant rise or fall.""",
        ),
        (
            "What these figures cannot show",
            """The index measures what people say about their area and their lives, not the
outcomes the missions target (pay, life expectancy, broadband speeds): it is a measure of
perception. It says nothing about why a score moved, and a difference between groups is not
a cause (areas differ in many ways at once). A survey of about 4,000 people cannot describe
small areas directly: local-authority figures are model estimates that borrow strength from
similar areas. Estimates for small groups are imprecise even when published.""",
        ),
        (
            "Source",
            """Published marts of the Levelling Up Index warehouse (read-only copy), built
with dbt from the landed survey waves. Figures are rounded for display; the long CSV
downloads and the workbook carry full precision.""",
        ),
    ]


def methodology_text(rules: Thresholds) -> str:
    """The methods notes as one markdown text (the app's methodology expander)."""
    return "\n\n".join(
        f"**{heading}.** " + " ".join(text.split()) for heading, text in methods(rules)
    )


def base_note(rules: Thresholds) -> str:
    """The low-base and suppression note under a table, with the copy's thresholds."""
    return (
        f"{LOW_BASE_MARK} low base (under {rules.low_base_threshold} respondents): treat with "
        f"caution. '{SUPPRESSED}': under {rules.suppression_threshold} respondents, not "
        "published."
    )


# --------------------------------------------------------------------------------------
# Whole columns of cells (a frame of fct_mission_index / fct_priorities / toplines rows)
# --------------------------------------------------------------------------------------
def group_letters(groups: Sequence[str]) -> dict[str, str]:
    """A letter for each group of a breakdown table, in its rows' order (A, B, ..., Z, AA,
    AB, ...): the column letters of survey tables."""
    letters: dict[str, str] = {}
    for position, group in enumerate(groups):
        name, n = "", position
        while True:
            name = chr(ord("A") + n % 26) + name
            n = n // 26 - 1
            if n < 0:
                break
        letters[group] = name
    return letters


def comparison_letters(higher: pd.DataFrame, letters: dict[str, str]) -> dict[tuple[str, str], str]:
    """(group, mission_name) -> the letters of the groups it is significantly higher than
    (queries.higher_than), in letter order; pairs without any are left out."""
    found: dict[tuple[str, str], list[str]] = {}
    for row in higher.itertuples():
        if row.other_group_label in letters:
            found.setdefault((row.group_label, row.mission_name), []).append(
                letters[row.other_group_label]
            )
    return {
        key: "".join(sorted(values, key=lambda v: (len(v), v))) for key, values in found.items()
    }


def index_cells(frame: pd.DataFrame, *, with_vs_rest: bool = True) -> list[str]:
    """index_cell for every row of an index frame."""
    vs_rest = frame["vs_rest"] if with_vs_rest else [None] * len(frame)
    return [
        index_cell(*v)
        for v in zip(frame.index_score, frame.low_base, frame.suppressed, vs_rest, strict=True)
    ]


def change_cells(
    frame: pd.DataFrame,
    change: str = "change_vs_previous",
    significant: str = "change_significant",
    trend_break: str = "trend_break",
) -> list[str]:
    """change_cell for every row: a change, its significance and its trend-break flag."""
    return [
        change_cell(*v)
        for v in zip(frame[change], frame[significant], frame[trend_break], strict=True)
    ]


def percent_cells(
    frame: pd.DataFrame, pct: str = "weighted_pct", emphasis: str | None = None
) -> list[str]:
    """percent_cell for every row (with the emphasis mark from `emphasis` when given)."""
    marks = frame[emphasis] if emphasis else [False] * len(frame)
    return [
        percent_cell(*v)
        for v in zip(frame[pct], frame.low_base, frame.suppressed, marks, strict=True)
    ]
