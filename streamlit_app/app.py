"""Levelling Up Index: the stakeholders' app over the published marts.

Run with `lui app` or `streamlit run streamlit_app/app.py`. The pages live in views/ and
hold layout only; every query is in data.py, page furniture in ui.py, pickers in pickers.py,
cell formatting in formatting.py, chart specifications in charts.py, the report's sections
and key findings in sections.py, the PDF / Excel wave report in report.py.
"""

from __future__ import annotations

import streamlit as st

import data
import ui

st.set_page_config(
    page_title="Levelling Up Index",
    page_icon=":material/trending_up:",
    layout="wide",
)

page = st.navigation(
    [
        st.Page("views/trends.py", title="Trends", icon=":material/show_chart:", default=True),
        st.Page("views/overview.py", title="Overview", icon=":material/dashboard:"),
        st.Page("views/missions.py", title="Mission pages", icon=":material/flag:"),
        st.Page("views/scorecard.py", title="Scorecard", icon=":material/scoreboard:"),
        st.Page("views/breakdown.py", title="Breakdown table", icon=":material/table:"),
        st.Page("views/priorities.py", title="Priorities", icon=":material/checklist:"),
        st.Page("views/local_areas.py", title="Local areas", icon=":material/location_city:"),
        st.Page("views/perceptions.py", title="Perceptions", icon=":material/psychology:"),
        st.Page("views/quality.py", title="Data quality", icon=":material/verified:"),
    ]
)

with st.sidebar:
    st.markdown("**Levelling Up Index**")
    marts = data.published()
    if marts is not None:
        try:
            st.caption(ui.publication_caption(marts))
        except (data.MartsUnavailable, IndexError):
            st.caption("The published marts cannot be read right now.")
    # A rerun re-reads the published file's identity: a new copy shows without a restart.
    st.button("Check for newly published data", icon=":material/refresh:")

ui.page_style()
try:
    page.run()
except data.MartsUnavailable as error:  # a page's query on a copy it cannot read (an older one)
    st.warning(str(error))
    st.stop()
ui.methodology(data.published())
