"""Overview (the landing page): the 12 missions for the UK at a glance, the main points of a
wave, each sentence read from named cells of the marts, and the wave report."""

from __future__ import annotations

import streamlit as st
from lui.present import charts, queries, sections
from lui.present.findings import key_findings
from lui.present.formatting import (
    BREAK_MARK,
    FALL_MARK,
    LOW_BASE_MARK,
    RISE_MARK,
    UK,
    fieldwork_caption,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)

st.title("Levelling Up Index: the 12 missions")
wave = pickers.wave_picker(wave_frame["wave_id"].tolist(), "overview_wave")
pickers.set_link(wave=wave)

index = queries.wave_index(marts, wave)
uk = index[index["breakdown"] == "all"]
st.markdown(
    "How people across the UK rate each Levelling Up mission, from -200 (every answer as "
    "negative as it can be) to +200, and how that has moved."
)
st.caption(fieldwork_caption(wave_frame, [wave]))
# the key to the symbols, before the tiles and the chart that use them
st.caption(
    f"Key: {RISE_MARK} significant rise, {FALL_MARK} significant fall "
    f"({rules.confidence_level} level, both waves' standard errors); no mark: no significant "
    f"change; {BREAK_MARK} trend break (the questions changed, not comparable); "
    f"{LOW_BASE_MARK} low base. The coloured edge of a tile repeats the words beside it. "
    f"Brackets: the change's {rules.confidence_level} interval."
)
ui.mission_tiles(
    sections.mission_glance(uk, queries.since_baseline(marts, wave, "all")),
    rules.confidence_level,
)

st.subheader("Main points")
findings = key_findings(index, queries.significance_tests(marts, wave), rules)
st.markdown("\n".join(f"- {f.text}" for f in findings))
st.caption(
    "A difference is a main point only when it stays significant after controlling the false "
    "discovery rate across all of the wave's tests, and, for a group, when it rests on at "
    f"least {rules.low_base_threshold} respondents (see the methodology notes)."
)
with st.expander("Where each point comes from"):
    st.markdown(
        "\n".join(f"- {f.text}  \n  " + "; ".join(f"`{c}`" for c in f.cells) for f in findings)
    )

st.subheader(f"{UK}, wave {wave}: scores and intervals")
st.caption(
    f"Index -200 to +200 with its {rules.confidence_level} interval; colour and shape: the "
    "change since the previous wave (a trend break is its own class, never a significant "
    "change)."
)
ui.chart(
    charts.scorecard_chart(uk[~uk["suppressed"].astype(bool)]),
    uk[["mission_name", "index_score", "ci_low", "ci_high", "change_vs_previous"]].round(1),
    key="overview",
)
ui.download_csv(uk, f"overview-{wave}.csv", key="overview_csv", label="Download data")

st.subheader("The wave report")
st.markdown(
    "The report for this wave as the research team sends it out: main points, the 12 mission "
    "pages, perceptions, priorities, the things you need to know and bases (A4 PDF), or its "
    "tables (Excel, to the statistics-in-spreadsheets standard). Same as `lui report --wave "
    + wave
    + "`."
)
ui.report_downloads(marts, wave)
