"""Perceptions: the report's perception questions (and the devolution questions): the
weighted % giving each answer for the UK wave by wave, and for every group of a breakdown
in one wave."""

from __future__ import annotations

import streamlit as st
from lui.present import charts, queries
from lui.present.formatting import (
    LOW_BASE_MARK,
    SUPPRESSED,
    base_note,
    bases_caption,
    breakdown_label,
    change_cell,
    fieldwork_caption,
    flag,
    group_names,
    missing,
    percent_cell,
    percent_cells,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)
questions = queries.perception_questions(marts)

st.title("Perceptions of levelling up")
if questions.empty:
    st.info("The published marts hold no perception questions.")
    st.stop()
first, second, third = st.columns(3)
with first:
    question = pickers.question_picker(questions, "perceptions_question")
with second:
    breakdown = pickers.breakdown_picker(
        marts, "perceptions_breakdown", default="region", include_all=False
    )
with third:
    wave = pickers.wave_picker(wave_frame["wave_id"].tolist(), "perceptions_wave")
pickers.set_link(question=question, breakdown=breakdown, wave=wave)

about = questions[questions["question_code"] == question].iloc[0]
st.markdown(f"*{about.question_text}*")

nets = queries.question_nets(marts, question)
if not nets.empty:
    st.subheader(f"{about.short_label}: the report's headline figures")
    net_waves = [w for w in wave_frame["wave_id"] if w in set(nets["wave_id"])]
    latest = nets[nets["wave_id"] == net_waves[-1]]
    tiles = st.columns(max(len(latest), 1))
    for tile, row in zip(tiles, latest.itertuples(), strict=False):
        with tile:
            significant = flag(row.change_significant)
            st.metric(
                f"{row.net_label}, {row.wave_id}",
                percent_cell(row.pct, row.low_base, row.suppressed),
                delta=None
                if missing(row.change_vs_previous)
                else f"{change_cell(row.change_vs_previous, significant)} pts vs "
                f"{row.previous_wave_id}",
                delta_color="normal" if significant else "off",
            )
    ui.chart(
        charts.nets_chart(
            nets.assign(row=nets["net_label"]),
            net_waves,
            list(dict.fromkeys(nets["net_label"])),
            title=about.short_label,
        ),
        nets[["wave_id", "net_label", "pct", "unweighted_base", "change_vs_previous"]].round(1),
        key="perceptions_nets",
    )
    st.caption(
        "The report's nets: the weighted % giving any of the net's answers, UK. "
        f"◆ / a coloured change: significant since the previous wave ({rules.confidence_level} "
        "level)."
    )

history = queries.question_over_time(marts, question)
if not history.empty:
    st.subheader(f"{about.short_label}: the UK, wave by wave")
    history = history.assign(row=history["wave_id"], group_label=history["wave_id"])
    ui.chart(
        charts.answers_chart(history, list(dict.fromkeys(history["wave_id"]))),
        history[["wave_id", "response_label", "weighted_pct", "unweighted_base"]].round(1),
        key="perceptions_history",
    )

st.subheader(f"{about.short_label}: {breakdown_label(breakdown)}, wave {wave}")
frame = queries.question_toplines(marts, question, breakdown, wave)
if frame.empty:
    st.info(f"This question was not asked (or has no answers) in wave {wave}.")
    st.stop()

suppressed = frame["suppressed"].map(flag)
low_base = frame["low_base"].map(flag)
frame = frame.assign(
    group=group_names(frame),
    cell=percent_cells(frame),
    shade="",
)
groups = list(dict.fromkeys(frame["group"]))
bases = frame.groupby("group", sort=False)["unweighted_base"].max()
low_groups = set(frame.loc[low_base & ~suppressed, "group"])
withheld = set(frame.loc[suppressed, "group"])
row_label = {
    g: f"{g} (n = {bases[g]:,})"
    + (f" {LOW_BASE_MARK}" if g in low_groups else "")
    + (f" – {SUPPRESSED}" if g in withheld else "")
    for g in groups
}
frame = frame.assign(row=frame["group"].map(row_label))
answers = list(dict.fromkeys(frame.sort_values("response_code")["response_label"]))

ui.chart(charts.answers_chart(frame, [row_label[g] for g in groups]))
ui.table(
    ui.shaded_table(
        frame,
        rows="group",
        columns="response_label",
        text="cell",
        shade="shade",
        row_order=groups,
        column_order=answers,
        first_columns={"Base (n)": [f"{bases[g]:,}" for g in groups]},
    ),
    frame.drop(columns=["group", "row", "cell", "shade"]).assign(
        short_label=about.short_label, question_text=about.question_text
    ),
    f"perceptions-{question}-{breakdown}-{wave}",
    "perceptions_csv",
)
st.caption(
    "Weighted % of everyone in the group who answered the question (don't know and prefer "
    "not to say included). "
    + base_note(queries.thresholds(marts))
    + " "
    + bases_caption(frame, "group")
    + " "
    + fieldwork_caption(wave_frame, [wave])
)
