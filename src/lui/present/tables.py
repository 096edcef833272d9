"""The report's views as frames of display text, shared by the PDF and the workbook, and
the checks both make before writing (the wave is published)."""

from __future__ import annotations

import pandas as pd

from lui.present import queries
from lui.present.formatting import (
    breakdown_label,
    change_cells,
    change_mark,
    fieldwork,
    group_names,
    index_cells,
    interval,
    missing,
    percent_cells,
)


class ReportError(Exception):
    """A reason the report cannot be written (the CLI turns it into a one-line error)."""


# --------------------------------------------------------------------------------------
# The views, as frames of display text (shared by the PDF and the workbook)
# --------------------------------------------------------------------------------------
def breakdown_table(index: pd.DataFrame, breakdown: str, missions: list[str]) -> pd.DataFrame:
    """The app's breakdown table: groups x missions, cells as shown, a base column."""
    frame = index[(index["breakdown"] == breakdown) | (index["breakdown"] == "all")]
    frame = frame.assign(
        row=group_names(frame),
        cell=index_cells(frame),
    )
    rows = list(dict.fromkeys(frame["row"]))
    table = frame.pivot(index="row", columns="mission_name", values="cell").reindex(
        index=rows, columns=missions
    )
    table.insert(0, "Base (n)", frame.groupby("row")["unweighted_base"].max().reindex(rows))
    return table.rename_axis("Group").reset_index()


def paired_table(frame: pd.DataFrame, missions: list[str]) -> pd.DataFrame:
    """Missions x groups (most vs least deprived, urban vs rural), cells as shown."""
    table = (
        frame.assign(cell=index_cells(frame))
        .pivot(index="mission_name", columns="row", values="cell")
        .reindex(index=missions, columns=list(dict.fromkeys(frame["row"])))
    )
    table.columns.name = None
    return table.rename_axis("Mission").reset_index()


def overview_table(index: pd.DataFrame, level: str) -> pd.DataFrame:
    uk = index[index["breakdown"] == "all"]
    return pd.DataFrame(
        {
            "Mission": uk["mission_name"],
            "Index": index_cells(uk, with_vs_rest=False),
            f"{level} interval": [
                interval(a, b) for a, b in zip(uk.ci_low, uk.ci_high, strict=True)
            ],
            "Change vs previous wave": change_cells(uk),
            f"Change, {level} interval": [
                interval(a, b) if not missing(a) else "–"
                for a, b in zip(uk.change_ci_low, uk.change_ci_high, strict=True)
            ],
            "Base (n)": uk["unweighted_base"],
            "Effective base": uk["effective_base"].round(0).astype("Int64"),
        }
    )


def top_priorities_table(top: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Nation": top["group_label"],
            "Rank": top["rank_in_group"],
            "Priority": top["priority_label"],
            "% choosing": percent_cells(top, "pct_chosen", "more_emphasis"),
            "Base (n)": top["unweighted_base"],
        }
    )


def priorities_table(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(
        column=group_names(frame),
        cell=percent_cells(frame, "pct_chosen", "more_emphasis"),
    )
    rows = list(dict.fromkeys(frame["priority_label"]))
    columns = list(dict.fromkeys(frame["column"]))
    table = frame.pivot(index="priority_label", columns="column", values="cell").reindex(
        index=rows, columns=columns
    )
    return table.rename_axis("Priority").reset_index()


def answers_table(history: pd.DataFrame) -> pd.DataFrame:
    frame = history.assign(cell=percent_cells(history))
    answers = list(dict.fromkeys(frame.sort_values("response_code")["response_label"]))
    waves = list(dict.fromkeys(frame["wave_id"]))
    table = frame.pivot(index="wave_id", columns="response_label", values="cell").reindex(
        index=waves, columns=answers
    )
    table.insert(0, "Base (n)", frame.groupby("wave_id")["unweighted_base"].max().reindex(waves))
    return table.rename_axis("Wave").reset_index()


def published_waves(marts: queries.Marts, wave_id: str) -> pd.DataFrame:
    """dim_wave, once `wave_id` is known to be one of its waves."""
    wave_frame = queries.waves(marts)
    if wave_id not in set(wave_frame["wave_id"]):
        known = ", ".join(wave_frame["wave_id"])
        raise ReportError(f"wave {wave_id} is not in the published marts (published: {known})")
    return wave_frame


def nets_table(nets: pd.DataFrame) -> pd.DataFrame:
    """The report's nets of one question by wave: 23% ▲ (a significant change since the
    previous wave), as the Perceptions page shows them."""
    cells = nets.assign(
        cell=[
            " ".join(filter(None, [p, change_mark(c, s)]))
            for p, c, s in zip(
                percent_cells(nets, "pct"),
                nets.change_vs_previous,
                nets.change_significant,
                strict=True,
            )
        ]
    )
    waves = list(dict.fromkeys(cells["wave_id"]))
    table = cells.pivot(index="net_label", columns="wave_id", values="cell").reindex(
        index=list(dict.fromkeys(cells["net_label"])), columns=waves
    )
    table.columns.name = None
    return table.rename_axis("Net").reset_index()


def answers_until(
    marts: queries.Marts, question_code: str, wave_ids: list[str], wave_id: str
) -> pd.DataFrame:
    """A question's UK answers by wave, up to the reported wave."""
    history = queries.question_over_time(marts, question_code)
    return history[history["wave_id"].map(wave_ids.index) <= wave_ids.index(wave_id)]


def waves_table(wave_frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Wave": wave_frame["wave_id"],
            "Fieldwork": [
                fieldwork(a, b)
                for a, b in zip(wave_frame.fieldwork_start, wave_frame.fieldwork_end, strict=True)
            ],
            "Respondents": wave_frame["respondents"],
            "Effective base": wave_frame["effective_base"].round(0).astype(int),
        }
    )


def bases_table(index: pd.DataFrame) -> pd.DataFrame:
    """Each group's unweighted base (its largest over the missions) in this wave."""
    bases = (
        index.assign(group=group_names(index))
        .groupby(["breakdown", "group"], sort=False)["unweighted_base"]
        .max()
        .reset_index()
    )
    return pd.DataFrame(
        {
            "Breakdown": bases["breakdown"].map(breakdown_label),
            "Group": bases["group"],
            "Base (n)": bases["unweighted_base"],
        }
    )
