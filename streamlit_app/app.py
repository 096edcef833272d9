"""Levelling Up Index: the stakeholders' app over the published marts.

Run with `lui app` or `streamlit run streamlit_app/app.py`. The pages live in views/ and
hold layout only; page furniture is in ui.py, pickers in pickers.py. Everything else the
pages show comes from the lui.present package, which the wave report shares: the queries
(queries.py), cell formatting, chart specifications, sections, key findings, the PDF and the
workbook.
"""

from __future__ import annotations

import streamlit as st
from lui.present import queries

import ui

queries.use_cache(ui.streamlit_cache)  # the app's sessions share one cache per copy

st.set_page_config(
    page_title="Levelling Up Index",
    page_icon=":material/trending_up:",
    layout="wide",
)

page = st.navigation(
    [
        st.Page("views/overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("views/trends.py", title="Trends", icon=":material/show_chart:"),
        st.Page("views/missions.py", title="Mission pages", icon=":material/flag:"),
        st.Page("views/scorecard.py", title="Scorecard", icon=":material/scoreboard:"),
        st.Page("views/breakdown.py", title="Breakdown table", icon=":material/table:"),
        st.Page("views/crosstab.py", title="Cross-tabs", icon=":material/grid_on:"),
        st.Page("views/priorities.py", title="Priorities", icon=":material/checklist:"),
        st.Page("views/local_areas.py", title="Local areas", icon=":material/location_city:"),
        st.Page("views/perceptions.py", title="Perceptions", icon=":material/psychology:"),
        st.Page("views/quality.py", title="Data quality", icon=":material/verified:"),
    ]
)

with st.sidebar:
    st.markdown("**Levelling Up Index**")
    marts = queries.published()
    if marts is not None:
        try:
            st.caption(ui.publication_caption(marts))
        except (queries.MartsUnavailable, IndexError):
            st.caption("The published marts cannot be read right now.")
    # A rerun re-reads the published file's identity: a new copy shows without a restart.
    st.button("Check for newly published data", icon=":material/refresh:")

ui.page_style()
try:
    page.run()
except queries.MartsUnavailable as error:  # a page's query on a copy it cannot read (an older one)
    st.warning(str(error))
    st.stop()
ui.methodology(queries.published())
