"""Cross-tabs: one mission's index for any two breakdowns crossed (rows x columns)."""

from __future__ import annotations

import streamlit as st
from lui import contract
from lui.present import queries
from lui.present.formatting import (
    ABOVE_MARK,
    BELOW_MARK,
    LOW_BASE_MARK,
    SUPPRESSED,
    breakdown_label,
    fieldwork_caption,
    group_label,
    index_cells,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)
missions = queries.missions(marts)
mission_names = dict(zip(missions["mission_id"], missions["mission_name"], strict=True))

st.title("Cross-tabs")
st.caption(
    "Any two breakdowns crossed: people in places (16-24s in the North East), places in "
    "places (rural areas in the most deprived fifth)."
)
left, middle, right = st.columns(3)
with left:
    rows = st.selectbox(
        "Rows",
        contract.BREAKDOWNS,
        index=contract.BREAKDOWNS.index("region"),
        format_func=breakdown_label,
        key="crosstab_rows",
    )
with middle:
    others = [b for b in contract.BREAKDOWNS if b != rows]
    columns = st.selectbox(
        "Columns",
        others,
        index=others.index("age_band") if "age_band" in others else 0,
        format_func=breakdown_label,
        key="crosstab_columns",
    )
with right:
    wave = pickers.wave_picker(wave_frame["wave_id"].tolist(), "crosstab_wave")
mission_id = st.selectbox(
    "Mission", list(mission_names), format_func=mission_names.get, key="crosstab_mission"
)
pickers.set_link(wave=wave)

cells = queries.cross_tab(marts, wave, mission_id, rows, columns)
cells = cells.assign(
    row=[group_label(rows, g) for g in cells["row_group"]],
    column=[group_label(columns, g) for g in cells["column_group"]],
    cell=index_cells(cells),
    base=[f"{n:,}" for n in cells["unweighted_base"]],
    shade=cells["vs_rest"].map(ui.vs_rest_colour).fillna(""),
    no_shade="",
)
row_order = [group_label(rows, g) for g in queries.groups(marts, rows)]
column_order = [group_label(columns, g) for g in queries.groups(marts, columns)]
st.subheader(
    f"{mission_names[mission_id]}: {breakdown_label(rows)} by {breakdown_label(columns)}, "
    f"wave {wave}"
)
st.caption(
    fieldwork_caption(wave_frame, [wave])
    + f" {ABOVE_MARK} / {BELOW_MARK} significantly above / below the rest of the sample; "
    + f"{LOW_BASE_MARK} low base (under {rules.low_base_threshold} respondents); "
    + f"'{SUPPRESSED}': under {rules.suppression_threshold} respondents, no estimate "
    + "published; –: nobody in the wave."
)
stem = f"crosstab-{rows}-{columns}-mission{mission_id}-{wave}"
long = cells.drop(columns=["fieldwork_start", "fieldwork_end", "cell", "base", "shade", "no_shade"])
ui.table(
    ui.shaded_table(
        cells,
        rows="row",
        columns="column",
        text="cell",
        shade="shade",
        row_order=row_order,
        column_order=column_order,
    ),
    long,
    stem,
    "crosstab_index",
)
st.markdown("**Unweighted bases (n)**")
st.table(
    ui.shaded_table(
        cells,
        rows="row",
        columns="column",
        text="base",
        shade="no_shade",
        row_order=row_order,
        column_order=column_order,
    )
)
