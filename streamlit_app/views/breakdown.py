"""Breakdown table: the report's "Index scores by ONS area classification" for any
breakdown and wave."""

from __future__ import annotations

import streamlit as st
from lui.present import queries
from lui.present.formatting import (
    ABOVE_MARK,
    BELOW_MARK,
    base_note,
    breakdown_label,
    comparison_letters,
    fieldwork_caption,
    group_letters,
    group_names,
    index_cells,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)
mission_names = queries.missions(marts)["mission_name"].tolist()

st.title("Index scores by group")
left, right = st.columns(2)
with left:
    breakdown = pickers.breakdown_picker(
        marts, "breakdown_breakdown", default="supergroup", include_all=False
    )
with right:
    wave = pickers.wave_picker(wave_frame["wave_id"].tolist(), "breakdown_wave")
pickers.set_link(breakdown=breakdown, wave=wave)

frame = queries.breakdown_index(marts, breakdown, wave)
# column letters: each group a letter; a cell lists the groups it is significantly above
letters = group_letters(list(dict.fromkeys(frame.loc[frame["breakdown"] != "all", "group_label"])))
higher = comparison_letters(queries.higher_than(marts, breakdown, wave), letters)
frame = frame.assign(
    row=group_names(frame),
    cell=[
        f"{cell} {higher[(group, mission)]}" if (group, mission) in higher else cell
        for cell, group, mission in zip(
            index_cells(frame), frame["group_label"], frame["mission_name"], strict=True
        )
    ],
    shade=frame["vs_rest"].map(ui.vs_rest_colour).fillna(""),
)
st.subheader(f"{breakdown_label(breakdown)}, wave {wave}")
st.markdown(
    f'<span style="background:{ui.ABOVE_COLOUR};padding:0 .4em">{ABOVE_MARK} Significantly '
    f'**above** the rest of the sample</span> &nbsp; <span style="background:{ui.BELOW_COLOUR};'
    f'padding:0 .4em">{BELOW_MARK} Significantly **below** the rest of the sample</span>',
    unsafe_allow_html=True,
)
rows = list(dict.fromkeys(frame["row"]))
bases = frame.groupby("row")["unweighted_base"].max()
ui.table(
    ui.shaded_table(
        frame,
        rows="row",
        columns="mission_name",
        text="cell",
        shade="shade",
        row_order=rows,
        column_order=mission_names,
        first_columns={
            "Letter": [
                letters.get(g, "")
                for g in frame.drop_duplicates("row").set_index("row").loc[rows, "group_label"]
            ],
            "Base (n)": [f"{bases[r]:,}" for r in rows],
        },
    ),
    frame.drop(columns=["row", "cell", "shade"]),
    f"index-{breakdown}-{wave}",
    "breakdown_csv",
)
st.caption(
    base_note(rules)
    + " Base: the largest number of respondents with a score on any mission (each cell's "
    "own base is in the long CSV). Above/below: the group differs from everyone else in the "
    f"wave at the {rules.confidence_level} level. Letters: a cell lists the letters of the "
    "groups it is significantly higher than on that mission (each pair of groups compared "
    f"at the {rules.confidence_level} level, without adjustment for the many comparisons). "
    + fieldwork_caption(wave_frame, [wave])
)
