"""The report's sections as frames: which rows of the marts each view shows, in which order,
and the key findings read off them. Pure (no Streamlit, no SQL), shared by the pages and
the wave report, so a page and its printed version show the same rows.

Nothing here computes a statistic: every number is a cell of a mart, chosen and ordered.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from formatting import (
    UK,
    flag,
    group_label,
    group_names,
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
# Key findings
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One sentence and the mart cells it is read from (mart, and the cell's key)."""

    text: str
    cells: tuple[str, ...]


def _cell(row: pd.Series, column: str) -> str:
    return (
        f"fct_mission_index[wave_id={row.wave_id}, breakdown={row.breakdown}, "
        f"group_label={row.group_label}, mission_id={row.mission_id}].{column}"
    )


def _name(row: pd.Series) -> str:
    if row.breakdown == "all":
        return "the UK"
    label = group_label(row.breakdown, row.group_label)
    if row.breakdown == "imd_quintile":
        return f"deprivation quintile {label}"
    return label


def key_findings(index: pd.DataFrame, *, limit: int = 3) -> list[Finding]:
    """Key findings of one wave (rows of data.wave_index): the UK's highest and lowest
    scores, its largest significant changes since the previous wave (never across a trend
    break), the trend breaks, and the groups furthest significantly above / below the rest.
    Each sentence names the cells it is read from."""
    if index.empty:
        return []
    findings: list[Finding] = []
    shown = index[~index["suppressed"].map(flag)]
    uk = shown[shown["breakdown"] == "all"]
    if not uk.empty:
        high = uk.loc[uk["index_score"].idxmax()]
        low = uk.loc[uk["index_score"].idxmin()]
        positive = int((uk["index_score"].round(0) > 0).sum())
        findings.append(
            Finding(
                f"In {high.wave_id}, {positive} of the {len(uk)} missions score above zero for "
                f"the UK; the highest is {high.mission_name} ({signed(high.index_score)}), the "
                f"lowest {low.mission_name} ({signed(low.index_score)}).",
                (_cell(high, "index_score"), _cell(low, "index_score")),
            )
        )
    like_for_like = shown[~shown["trend_break"].map(flag)]
    moved = like_for_like[
        like_for_like["change_significant"].map(flag) & (like_for_like["breakdown"] == "all")
    ]
    moved = moved.reindex(moved["change_vs_previous"].abs().sort_values(ascending=False).index)
    for _, row in moved.head(limit).iterrows():
        direction = "rose" if row.change_vs_previous > 0 else "fell"
        findings.append(
            Finding(
                f"{row.mission_name} {direction} significantly for the UK since "
                f"{row.previous_wave_id}: {signed(row.change_vs_previous)} points, to "
                f"{signed(row.index_score)}.",
                (_cell(row, "change_vs_previous"),),
            )
        )
    if moved.empty and not uk.empty and uk["previous_wave_id"].notna().any():
        findings.append(
            Finding(
                "No mission's UK score changed significantly since the previous wave.",
                tuple(_cell(r, "change_significant") for _, r in uk.iterrows()),
            )
        )
    breaks = index[(index["breakdown"] == "all") & index["trend_break"].map(flag)]
    for _, row in breaks.iterrows():
        findings.append(
            Finding(
                f"{row.mission_name}: the questions changed in {row.wave_id} (a trend break), so "
                f"its change since {row.previous_wave_id} ({signed(row.change_vs_previous)}) "
                "is not like for like.",
                (_cell(row, "trend_break"),),
            )
        )
    groups = shown[(shown["breakdown"] != "all") & shown["vs_rest"].isin(["above", "below"])]
    if not groups.empty:
        uk_score = uk.set_index("mission_id")["index_score"] if not uk.empty else pd.Series()
        gap = groups["index_score"] - groups["mission_id"].map(uk_score)
        for side in ("above", "below"):
            side_rows = groups[groups["vs_rest"] == side]
            if side_rows.empty:
                continue
            order = gap[side_rows.index].abs().sort_values(ascending=False).index
            row = side_rows.loc[order[0]]
            uk_row = uk[uk["mission_id"] == row.mission_id].iloc[0]
            findings.append(
                Finding(
                    f"Furthest significantly {side} the rest of the sample: {_name(row)} "
                    f"({GROUP_KINDS.get(row.breakdown, row.breakdown)}) on "
                    f"{row.mission_name}, {signed(row.index_score)} against "
                    f"{signed(uk_row.index_score)} for the UK.",
                    (
                        _cell(row, "vs_rest"),
                        _cell(row, "index_score"),
                        _cell(uk_row, "index_score"),
                    ),
                )
            )
    return findings
