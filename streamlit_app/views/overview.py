"""Overview: the 12 mission scores for the UK (the report's "Overview" chart) and the key
findings of a wave, each sentence read from named cells of the marts."""

from __future__ import annotations

import streamlit as st

import charts
import data
import pickers
import sections
import ui
from formatting import UK, fieldwork_caption

marts = ui.require_marts()
rules = data.thresholds(marts)
wave_frame = data.waves(marts)

st.title("Overview: index scores for the 12 missions")
wave = pickers.wave_picker(wave_frame["wave_id"].tolist(), "overview_wave")
pickers.set_link(wave=wave)

index = data.wave_index(marts, wave)
uk = index[index["breakdown"] == "all"]

st.subheader("Key findings")
findings = sections.key_findings(index)
st.markdown("\n".join(f"- {f.text}" for f in findings))
with st.expander("Where each finding comes from"):
    st.markdown(
        "\n".join(f"- {f.text}  \n  " + "; ".join(f"`{c}`" for c in f.cells) for f in findings)
    )

st.subheader(f"{UK}, wave {wave}")
ui.chart(
    charts.scorecard_chart(uk[~uk["suppressed"].astype(bool)]),
    uk[["mission_name", "index_score", "ci_low", "ci_high", "unweighted_base"]].round(1),
    key="overview",
)
st.caption(
    f"Index -200 to +200 with its {rules.confidence_level} interval; colour and shape: the "
    "change since the previous wave (a trend break is its own class, never a significant change). "
    + fieldwork_caption(wave_frame, [wave])
)
ui.download_csv(uk, f"overview-{wave}.csv", key="overview_csv", label="Download data")

st.subheader("The wave report")
st.markdown(
    "The report for this wave as the research team sends it out: overview, the 12 mission "
    "pages, perceptions, priorities, methodology and bases (A4 PDF), or its tables (Excel, "
    "one sheet per view). Same as `lui report --wave " + wave + "`."
)
ui.report_downloads(marts, wave)
