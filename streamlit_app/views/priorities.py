"""Priorities: the top five priorities per nation, and the report's priorities-by-group
table with "more emphasis" cells."""

from __future__ import annotations

import streamlit as st
from lui.present import queries
from lui.present.formatting import (
    EMPHASIS_MARK,
    LOW_BASE_MARK,
    breakdown_label,
    fieldwork_caption,
    group_names,
    percent_cell,
    percent_cells,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)

st.title("Priorities for improvement in the local area")
st.markdown(
    "*Which three or four of the following, if any, do you consider to be the main "
    "priorities for improvement in your local area?* Weighted % choosing each priority."
)
wave_ids = queries.priority_waves(marts)
if not wave_ids:
    st.info("No wave in the published marts asked the priorities question.")
    st.stop()
left, right = st.columns(2)
with left:
    breakdown = pickers.breakdown_picker(
        marts, "priorities_breakdown", default="region", include_all=False
    )
with right:
    wave = pickers.wave_picker(list(reversed(wave_ids)), "priorities_wave")
pickers.set_link(breakdown=breakdown, wave=wave)

st.subheader(f"Top five answers in each nation, wave {wave}")
top = queries.top_priorities(marts, wave, "nation", 5)
nation_columns = st.columns(max(top["group_label"].nunique(), 1))
for column, (nation, rows) in zip(
    nation_columns, top.groupby("group_label", sort=False), strict=False
):
    with column:
        st.markdown(f"**{nation}** (n = {rows['unweighted_base'].max():,})")
        st.markdown(
            "\n".join(
                f"{int(r.rank_in_group)}. {r.priority_label}: "
                + percent_cell(r.pct_chosen, r.low_base, r.suppressed, r.more_emphasis)
                for r in rows.itertuples()
            )
        )

frame = queries.priorities(marts, breakdown, wave)
frame = frame.assign(
    column=group_names(frame),
    cell=percent_cells(frame, "pct_chosen", "more_emphasis"),
    shade=frame["more_emphasis"].map({True: ui.EMPHASIS_COLOUR}).fillna(""),
)
st.subheader(f"{breakdown_label(breakdown)}, wave {wave}")
columns = list(dict.fromkeys(frame["column"]))
ui.table(
    ui.shaded_table(
        frame,
        rows="priority_label",
        columns="column",
        text="cell",
        shade="shade",
        row_order=list(dict.fromkeys(frame["priority_label"])),
        column_order=columns,
    ),
    frame.drop(columns=["column", "cell", "shade"]),
    f"priorities-{breakdown}-{wave}",
    "priorities_csv",
)
bases = frame.groupby("column", sort=False)["unweighted_base"].max()
st.caption(
    f"{EMPHASIS_MARK} highlighted: priority given more emphasis than average (the group's % "
    f"is significantly above the rest of the sample's, {rules.confidence_level} level). "
    f"{LOW_BASE_MARK} low base. Rows in the UK's order. "
    + "Base: "
    + "; ".join(f"{c} ({n:,})" for c, n in bases.items())
    + ". "
    + fieldwork_caption(wave_frame, [wave])
)
