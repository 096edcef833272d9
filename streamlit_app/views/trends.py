"""Trends (landing page): each mission's index wave by wave for up to four groups."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import data
import ui

marts = ui.require_marts()
rules = data.thresholds(marts)
wave_frame = data.waves(marts)
wave_ids = wave_frame["wave_id"].tolist()
mission_names = data.missions(marts)["mission_name"].tolist()

st.title("Levelling Up Index: trends")
st.markdown(
    "How public perceptions of each Levelling Up mission are moving, where, and whether "
    "the movement is real: each line is a group's index (-200 to +200) wave by wave, the "
    f"band its {rules.confidence_level} interval."
)

left, middle, right = st.columns([1.2, 2.2, 1])
with left:
    breakdown = ui.breakdown_picker(marts, "trends_breakdown")
with middle:
    if breakdown == "all":
        groups = [data.UK]
        st.multiselect("Groups to compare", [data.UK], default=[data.UK], disabled=True)
    else:
        groups = ui.groups_picker(marts, breakdown, "trends_groups")
with right:
    with_uk = breakdown != "all" and st.toggle("Show the UK alongside", True, key="trends_uk")
with st.popover("Missions shown", icon=":material/filter_list:"):
    chosen_missions = st.multiselect(
        "Missions", mission_names, default=mission_names, key="trends_missions"
    )
ui.set_link(breakdown=breakdown, groups=groups)

if not groups:
    st.info("Choose at least one group to compare.")
elif not chosen_missions:
    st.info("Choose at least one mission.")
else:
    frame = data.mission_trends(marts, breakdown, tuple(groups))
    if with_uk:
        frame = pd.concat([data.mission_trends(marts, "all", (data.UK,)), frame])
    frame = frame[frame["mission_name"].isin(chosen_missions)]
    if len(wave_ids) == 1:
        st.info(
            f"Only one wave is published so far ({wave_ids[0]}): trend lines appear once a "
            "second wave is published. The chart shows this wave's scores with their "
            f"{rules.confidence_level} intervals."
        )
    shown_groups = [data.UK, *groups] if with_uk else groups
    st.altair_chart(ui.trend_chart(frame, wave_ids, chosen_missions, shown_groups))
    st.caption(
        f"Shaded band: {rules.confidence_level} interval. ◆ the change since the previous "
        f"wave is significant ({rules.confidence_level} level). Dotted ring: low base (under "
        f"{rules.low_base_threshold} respondents), treat with caution. Gap: suppressed (under "
        f"{rules.suppression_threshold} respondents). Dashed rule: trend break, the mission's "
        "questions changed, so that wave is not comparable with the one before. Hover a "
        "point for its base and interval."
    )
    st.caption(ui.fieldwork_caption(wave_frame))
    st.caption(ui.bases_caption(frame))

    latest = frame[frame["wave_id"] == wave_ids[-1]].assign(
        cell=lambda f: [
            ui.index_cell(s, lb, sp) + {"rise": " ▲", "fall": " ▼"}.get(ui.movement(c, d), "")
            for s, lb, sp, c, d in zip(
                f.index_score,
                f.low_base,
                f.suppressed,
                f.change_significant,
                f.change_vs_previous,
                strict=True,
            )
        ],
        shade="",
    )
    st.subheader(f"Latest wave: {wave_ids[-1]}")
    st.table(
        ui.shaded_table(
            latest,
            rows="mission_name",
            columns="group_label",
            text="cell",
            shade="shade",
            row_order=chosen_missions,
            column_order=shown_groups,
        )
    )
    st.caption(
        f"Index in {wave_ids[-1]}. ▲ / ▼ significant rise / fall since the previous wave; "
        f"{ui.LOW_BASE_MARK} low base. " + ui.fieldwork_caption(wave_frame, [wave_ids[-1]])
    )
    ui.download_csv(frame, f"levelling-up-index-trends-{breakdown}.csv", key="trends_csv")
