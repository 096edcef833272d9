"""The report's sections as frames: which rows of the marts each view shows, and in which
order. Pure (no Streamlit, no SQL), shared by the pages and
the wave report, so a page and its printed version show the same rows.

Nothing here computes a statistic: every number is a cell of a mart, chosen and ordered.
"""

from __future__ import annotations

import pandas as pd

from lui.present.formatting import (
    CROSS_PAIRS,
    UK,
    breakdown_label,
    change_mark,
    group_names,
    index_cell,
    missing,
    movement_word,
    signed,
)

# What a group of each breakdown is, in a sentence ("London (region)").
GROUP_KINDS = {
    "nation": "nation",
    "region": "region",
    "supergroup": "ONS area supergroup",
    "imd_quintile": "deprivation",
    "urban_rural": "area type",
    "age_band": "age band",
    "gender": "gender",
}


def group_kind(breakdown: str) -> str:
    """What a group of `breakdown` is, for a sentence: 'region', 'area type and
    deprivation' (a cross-breakdown)."""
    if breakdown in CROSS_PAIRS:
        return " and ".join(GROUP_KINDS.get(part, part) for part in CROSS_PAIRS[breakdown])
    return GROUP_KINDS.get(breakdown, breakdown_label(breakdown).lower())


ENGLISH_REGIONS_LAST = ("Scotland", "Northern Ireland", "Wales")
IMD_ENDS = ("1", "5")


def _rows(frame: pd.DataFrame, picks: list[tuple[str, str]]) -> pd.DataFrame:
    """The rows of `frame` for (breakdown, group) pairs, in that order, labelled `row`."""
    keyed = frame.set_index(["breakdown", "group_label"], drop=False)
    present = [p for p in picks if p in keyed.index]
    chosen = keyed.loc[present].reset_index(drop=True)
    return chosen.assign(row=group_names(chosen))


def nations_and_regions(mission: pd.DataFrame) -> pd.DataFrame:
    """UK, England and its regions north to south, then Scotland, Northern Ireland, Wales
    (the report's order). `mission`: one wave x one mission of fct_mission_index, in
    data.GROUP_ORDER."""
    regions = mission[mission["breakdown"] == "region"]["group_label"].tolist()
    english = [r for r in regions if r not in ENGLISH_REGIONS_LAST]
    picks = [("all", UK), ("nation", "England")]
    picks += [("region", r) for r in english]
    picks += [("nation", n) for n in ENGLISH_REGIONS_LAST]
    return _rows(mission, picks)


def breakdown_rows(mission: pd.DataFrame, breakdown: str, with_uk: bool = True) -> pd.DataFrame:
    """Every group of one breakdown (in the frame's order), after the UK row."""
    groups = mission[mission["breakdown"] == breakdown]["group_label"].tolist()
    picks = ([("all", UK)] if with_uk else []) + [(breakdown, g) for g in groups]
    return _rows(mission, picks)


def deprivation_ends(frame: pd.DataFrame) -> pd.DataFrame:
    """Most (quintile 1) and least (5) deprived areas, any number of missions."""
    return _rows_all_missions(frame, [("imd_quintile", q) for q in IMD_ENDS])


def urban_rural(frame: pd.DataFrame) -> pd.DataFrame:
    groups = frame[frame["breakdown"] == "urban_rural"]["group_label"].drop_duplicates()
    return _rows_all_missions(frame, [("urban_rural", g) for g in groups])


def _rows_all_missions(frame: pd.DataFrame, picks: list[tuple[str, str]]) -> pd.DataFrame:
    wanted = pd.DataFrame(picks, columns=["breakdown", "group_label"]).assign(
        _order=range(len(picks))
    )
    chosen = frame.merge(wanted, on=["breakdown", "group_label"])
    chosen = chosen.sort_values(["mission_id", "_order"]).drop(columns="_order")
    return chosen.reset_index(drop=True).assign(row=group_names(chosen).to_numpy())


def paired_order(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["row"]))


# --------------------------------------------------------------------------------------
# The twelve missions at a glance (the Overview's first view)
# --------------------------------------------------------------------------------------
def _change_text(change: object, significant: object, trend_break: object, since: str) -> str:
    """'▲ +7 since 2023-02, a significant rise', '+1 since 2023-02, no significant change',
    '‡ -18 since 2023-02, questions changed (not comparable)': symbol, number and words, so
    significance never rests on colour."""
    if missing(change):
        return ""
    word = movement_word(significant, change, trend_break)
    mark = change_mark(change, significant, trend_break)
    return " ".join(filter(None, [mark, signed(change), f"since {since},", word]))


def _signed_interval(low: object, high: object) -> str:
    return f"{signed(low, 1)} to {signed(high, 1)}"


def mission_glance(uk: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """One row per mission for the UK: the score as shown, the change since the previous wave
    and since the baseline in symbol, number and words, and each change's class (for the
    tile's colour, which only repeats the words). `uk`: the UK rows of queries.wave_index;
    `baseline`: the UK rows of queries.since_baseline for the same wave."""
    since = baseline.set_index("mission_id")
    rows = []
    for row in uk.itertuples():
        base = since.loc[row.mission_id] if row.mission_id in since.index else None
        rows.append(
            {
                "mission_id": row.mission_id,
                "mission_name": row.mission_name,
                "score": index_cell(row.index_score, row.low_base, row.suppressed),
                "previous": _change_text(
                    row.change_vs_previous,
                    row.change_significant,
                    row.trend_break,
                    str(row.previous_wave_id),
                ),
                "previous_class": movement_word(
                    row.change_significant, row.change_vs_previous, row.trend_break
                ),
                "previous_interval": ""
                if missing(row.change_ci_low)
                else _signed_interval(row.change_ci_low, row.change_ci_high),
                "baseline": ""
                if base is None
                else _change_text(
                    base.change_vs_baseline,
                    base.change_vs_baseline_significant,
                    base.break_since_baseline,
                    str(base.baseline_wave_id),
                ),
                "baseline_class": ""
                if base is None or missing(base.change_vs_baseline)
                else movement_word(
                    base.change_vs_baseline_significant,
                    base.change_vs_baseline,
                    base.break_since_baseline,
                ),
                "baseline_interval": ""
                if base is None or missing(base.change_vs_baseline_ci_low)
                else _signed_interval(
                    base.change_vs_baseline_ci_low, base.change_vs_baseline_ci_high
                ),
            }
        )
    return pd.DataFrame(rows)
