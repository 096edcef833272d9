"""Perceptions: the report's perception questions (and the devolution questions), the
weighted % giving each answer for the UK and every group of a breakdown."""

from __future__ import annotations

import streamlit as st

import data
import ui

marts = ui.require_marts()
wave_frame = data.waves(marts)
questions = data.perception_questions(marts)

st.title("Perceptions of levelling up")
if questions.empty:
    st.info("The published marts hold no perception questions.")
    st.stop()
first, second, third = st.columns(3)
with first:
    question = ui.question_picker(questions, "perceptions_question")
with second:
    breakdown = ui.breakdown_picker(
        marts, "perceptions_breakdown", default="region", include_all=False
    )
with third:
    wave = ui.wave_picker(wave_frame["wave_id"].tolist(), "perceptions_wave")
ui.set_link(question=question, breakdown=breakdown, wave=wave)

about = questions[questions["question_code"] == question].iloc[0]
st.subheader(f"{about.short_label}: {ui.breakdown_label(breakdown)}, wave {wave}")
st.markdown(f"*{about.question_text}*")

frame = data.question_toplines(marts, question, breakdown, wave)
if frame.empty:
    st.info(f"This question was not asked (or has no answers) in wave {wave}.")
    st.stop()

suppressed = frame["suppressed"].fillna(False).astype(bool)
low_base = frame["low_base"].fillna(False).astype(bool)
frame = frame.assign(
    group=ui.group_names(frame),
    cell=[ui.percent_cell(*v) for v in zip(frame.weighted_pct, low_base, suppressed, strict=True)],
    shade="",
)
groups = list(dict.fromkeys(frame["group"]))
bases = frame.groupby("group", sort=False)["unweighted_base"].max()
low_groups = set(frame.loc[low_base & ~suppressed, "group"])
withheld = set(frame.loc[suppressed, "group"])
row_label = {
    g: f"{g} (n = {bases[g]:,})"
    + (f" {ui.LOW_BASE_MARK}" if g in low_groups else "")
    + (f" – {ui.SUPPRESSED}" if g in withheld else "")
    for g in groups
}
frame = frame.assign(row=frame["group"].map(row_label))
answers = list(dict.fromkeys(frame.sort_values("response_code")["response_label"]))

st.altair_chart(ui.answers_chart(frame, [row_label[g] for g in groups]))
st.table(
    ui.shaded_table(
        frame,
        rows="group",
        columns="response_label",
        text="cell",
        shade="shade",
        row_order=groups,
        column_order=answers,
        first_columns={"Base (n)": [f"{bases[g]:,}" for g in groups]},
    )
)
st.caption(
    "Weighted % of everyone in the group who answered the question (don't know and prefer "
    "not to say included). "
    + ui.base_rules_caption(data.thresholds(marts))
    + ui.bases_caption(frame, "group")
    + " "
    + ui.fieldwork_caption(wave_frame, [wave])
)
ui.download_csv(
    frame.drop(columns=["group", "row", "cell", "shade"]).assign(
        short_label=about.short_label, question_text=about.question_text
    ),
    f"perceptions-{question}-{breakdown}-{wave}.csv",
    key="perceptions_csv",
)
