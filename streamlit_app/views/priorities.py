"""Priorities: the report's priorities-by-group table with "more emphasis" cells."""

from __future__ import annotations

import streamlit as st

import data
import ui

marts = ui.require_marts()
wave_frame = data.waves(marts)

st.title("Priorities for improvement in the local area")
st.markdown(
    "*Which three or four of the following, if any, do you consider to be the main "
    "priorities for improvement in your local area?* Weighted % choosing each priority."
)
wave_ids = data.priority_waves(marts)
if not wave_ids:
    st.info("No wave in the published marts asked the priorities question.")
    st.stop()
left, right = st.columns(2)
with left:
    breakdown = ui.breakdown_picker(
        marts, "priorities_breakdown", default="region", include_all=False
    )
with right:
    wave = ui.wave_picker(list(reversed(wave_ids)), "priorities_wave")
ui.set_link(breakdown=breakdown, wave=wave)

frame = data.priorities(marts, breakdown, wave)
frame = frame.assign(
    column=ui.group_names(frame),
    cell=[
        ui.percent_cell(pct, lb, sp, emphasis=emph)
        for pct, emph, lb, sp in zip(
            frame.pct_chosen, frame.more_emphasis, frame.low_base, frame.suppressed, strict=True
        )
    ],
    shade=frame["more_emphasis"].map({True: ui.EMPHASIS_COLOUR}).fillna(""),
)
st.subheader(f"{ui.breakdown_label(breakdown)}, wave {wave}")
columns = list(dict.fromkeys(frame["column"]))
st.table(
    ui.shaded_table(
        frame,
        rows="priority_label",
        columns="column",
        text="cell",
        shade="shade",
        row_order=list(dict.fromkeys(frame["priority_label"])),
        column_order=columns,
    )
)
bases = frame.groupby("column", sort=False)["unweighted_base"].max()
st.caption(
    f"{ui.EMPHASIS_MARK} highlighted: priority given more emphasis than average (the group's % "
    "is significantly above the rest of the sample's, "
    f"{data.thresholds(marts).confidence_level} level). "
    f"{ui.LOW_BASE_MARK} low base. Rows in the UK's order. "
    + "Base: "
    + "; ".join(f"{c} ({n:,})" for c, n in bases.items())
    + ". "
    + ui.fieldwork_caption(wave_frame, [wave])
)
ui.download_csv(
    frame.drop(columns=["column", "cell", "shade"]),
    f"priorities-{breakdown}-{wave}.csv",
    key="priorities_csv",
)
