"""Trends: each mission's index wave by wave for up to four groups, twelve small charts on
one shared axis with one legend and the key before them."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from lui.present import charts, queries
from lui.present.formatting import (
    BREAK_MARK,
    FALL_MARK,
    LOW_BASE_MARK,
    RISE_MARK,
    UK,
    bases_caption,
    change_mark,
    fieldwork_caption,
    index_cell,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)
wave_ids = wave_frame["wave_id"].tolist()
mission_names = queries.missions(marts)["mission_name"].tolist()

st.title("Levelling Up Index: trends")
st.markdown(
    "How public perceptions of each Levelling Up mission are moving, where, and whether "
    "the movement is real: each line is a group's index (-200 to +200) wave by wave, the "
    f"band its {rules.confidence_level} interval."
)

left, middle, right = st.columns([1.2, 2.2, 1])
with left:
    breakdown = pickers.breakdown_picker(marts, "trends_breakdown")
with middle:
    if breakdown == "all":
        groups = [UK]
        st.multiselect("Groups to compare", [UK], default=[UK], disabled=True)
    else:
        groups = pickers.groups_picker(marts, breakdown, "trends_groups")
with right:
    with_uk = breakdown != "all" and st.toggle("Show the UK alongside", True, key="trends_uk")
    shared_y = st.toggle(
        "Same y-axis",
        True,
        key="trends_shared_y",
        help="One scale for all twelve charts, so a one-point move looks like one point "
        "everywhere. Off: each chart zooms to its own range.",
    )
with st.popover("Missions shown", icon=":material/filter_list:"):
    chosen_missions = st.multiselect(
        "Missions", mission_names, default=mission_names, key="trends_missions"
    )
pickers.set_link(breakdown=breakdown, groups=groups)

if not groups:
    st.info("Choose at least one group to compare.")
elif not chosen_missions:
    st.info("Choose at least one mission.")
else:
    frame = queries.mission_trends(marts, breakdown, tuple(groups))
    if with_uk:
        frame = pd.concat([queries.mission_trends(marts, "all", (UK,)), frame])
    frame = frame[frame["mission_name"].isin(chosen_missions)]
    if len(wave_ids) == 1:
        st.info(
            f"Only one wave is published so far ({wave_ids[0]}): trend lines appear once a "
            "second wave is published. The chart shows this wave's scores with their "
            f"{rules.confidence_level} intervals."
        )
    shown_groups = [UK, *groups] if with_uk else groups
    y_domain = charts.index_domain(frame) if shared_y else None
    # the key first, then one legend for every chart
    st.caption(
        f"Key: line, a group's index; shaded band, its {rules.confidence_level} interval; "
        f"◆ the change since the previous wave is significant ({rules.confidence_level} "
        f"level); dotted ring, low base (under {rules.low_base_threshold} respondents), treat "
        f"with caution; gap, suppressed (under {rules.suppression_threshold} respondents); "
        "dashed rule, trend break: the mission's questions changed, so that wave is not "
        "comparable with the one before (never marked significant). Hover a point for its "
        "base and interval. "
        + (
            "One y-axis for all missions."
            if shared_y
            else "Each chart has its own y-axis: compare the numbers, not the slopes."
        )
    )
    ui.group_legend(charts.group_colours(shown_groups))
    # A grid of one chart per mission, a row of three at a time: on a narrow screen the
    # rows stack and each row's charts stack, so all twelve stay visible in mission order.
    for start in range(0, len(chosen_missions), 3):
        row = chosen_missions[start : start + 3]
        for column, mission in zip(st.columns(3), row, strict=False):
            with column:
                st.altair_chart(
                    charts.trend_chart(
                        frame[frame["mission_name"] == mission],
                        wave_ids,
                        shown_groups,
                        y_domain=y_domain,
                        title=mission,
                        legend=False,
                    ),
                    width="stretch",
                )
    st.caption(fieldwork_caption(wave_frame))
    st.caption(bases_caption(frame))

    latest = frame[frame["wave_id"] == wave_ids[-1]].assign(
        cell=lambda f: [
            " ".join(filter(None, [index_cell(s, lb, sp), "" if sp else change_mark(d, c, b)]))
            for s, lb, sp, c, d, b in zip(
                f.index_score,
                f.low_base,
                f.suppressed,
                f.change_significant,
                f.change_vs_previous,
                f.trend_break,
                strict=True,
            )
        ],
        shade="",
    )
    st.subheader(f"Latest wave: {wave_ids[-1]}")
    ui.table(
        ui.shaded_table(
            latest,
            rows="mission_name",
            columns="group_label",
            text="cell",
            shade="shade",
            row_order=chosen_missions,
            column_order=shown_groups,
        ),
        frame,
        f"levelling-up-index-trends-{breakdown}",
        "trends_csv",
    )
    st.caption(
        f"Index in {wave_ids[-1]}. {RISE_MARK} / {FALL_MARK} significant rise / fall since the "
        f"previous wave; {BREAK_MARK} trend break (questions changed: not comparable, never "
        f"marked as a rise or fall); {LOW_BASE_MARK} low base. "
        + fieldwork_caption(wave_frame, [wave_ids[-1]])
    )
