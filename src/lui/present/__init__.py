"""What people see of the published marts, shared by the Streamlit app (streamlit_app/) and
the wave report (`lui report`): queries, formatting, charts, sections, findings, the PDF and
the workbook. Nothing here imports Streamlit or computes a statistic."""
