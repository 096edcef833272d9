"""Mission pages: one mission as the report lays it out: the White Paper's mission
statement, the questions used and their weights, the score by nation and English region,
most vs least deprived, urban vs rural, supergroups, and the trend."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from lui.present import charts, queries, sections
from lui.present.formatting import (
    ABOVE_MARK,
    BELOW_MARK,
    BREAK_MARK,
    UK,
    base_note,
    fieldwork_caption,
    flag,
    missing,
    signed,
)

import pickers
import ui

marts = ui.require_marts()
wave_frame = queries.waves(marts)
wave_ids = wave_frame["wave_id"].tolist()
missions = queries.missions(marts)

left, right = st.columns([2, 1])
with left:
    mission_id = pickers.mission_picker(missions, "mission_page")
with right:
    wave = pickers.wave_picker(wave_ids, "mission_wave")
pickers.set_link(mission=str(mission_id), wave=wave)

about = missions[missions["mission_id"] == mission_id].iloc[0]
st.title(f"Mission {mission_id}: {about.mission_name}")
st.markdown(f"*“{about.mission_statement}”*")
st.caption(f"Levelling Up White Paper, {about.white_paper_area}.")

index = queries.wave_index(marts, wave)
mission = index[index["mission_id"] == mission_id]
thresholds = queries.thresholds(marts)

st.subheader("Questions used and their weights")
questions = queries.mission_questions(marts, mission_id)
st.table(
    questions.assign(
        weight=questions["question_weight"].map(lambda w: f"{w:g}"),
        scored=questions["direction"].map({1: "as asked", -1: "reversed"}).fillna(""),
        asked=[
            f"{a or 'first wave'} to {b or 'latest'}" if (a or b) else "every wave"
            for a, b in zip(questions.first_wave, questions.last_wave, strict=True)
        ],
    )[["question_text", "weight", "scored", "asked"]]
    .rename(
        columns={
            "question_text": "Question",
            "weight": "Weight",
            "scored": "Scored",
            "asked": "Asked",
        }
    )
    .set_index("Question")
)

marks = (
    f"Bars: index; line: {thresholds.confidence_level} interval; {ABOVE_MARK} / {BELOW_MARK} "
    "significantly above / below the rest of the sample. " + base_note(thresholds)
)


def group_section(title: str, rows: pd.DataFrame, key: str) -> None:
    st.subheader(title)
    if rows.empty:
        st.info("No groups of this breakdown in the published marts.")
        return
    order = list(rows["row"])
    ui.chart(
        charts.groups_chart(rows, order),
        rows[["row", "index_score", "ci_low", "ci_high", "vs_rest", "unweighted_base"]].round(1),
        key=key,
    )
    st.caption(
        marks
        + " Base: "
        + "; ".join(f"{r} ({n:,})" for r, n in zip(order, rows.unweighted_base, strict=True))
        + "."
    )


group_section("By nation and English region", sections.nations_and_regions(mission), "m_region")
two = st.columns(2)
with two[0]:
    group_section("Most vs least deprived areas", sections.deprivation_ends(mission), "m_imd")
with two[1]:
    group_section("Urban vs rural", sections.urban_rural(mission), "m_urban")
group_section(
    "By ONS area classification (supergroup)",
    sections.breakdown_rows(mission, "supergroup"),
    "m_supergroup",
)

moved = queries.mission_contributions(marts, wave, mission_id, "all", UK)
if not moved.empty:
    st.subheader("What moved: each question's part in the UK's score")
    uk_row = mission[mission["breakdown"] == "all"].iloc[0]
    st.table(
        pd.DataFrame(
            {
                "Question": moved["question_text"],
                "Mean points": moved["mean_points"].map(lambda v: signed(v)),
                "Share of the weight": moved["weight_share"].map(
                    lambda v: "–" if missing(v) else f"{v:.0%}"
                ),
                "Contribution to the index": moved["contribution_to_index"].map(
                    lambda v: signed(v, 1)
                ),
                f"Contribution to the change since {uk_row.previous_wave_id or '–'}": moved[
                    "contribution_to_change"
                ].map(lambda v: signed(v, 1)),
            }
        ).set_index("Question")
    )
    st.caption(
        "Contributions add up to the mission's index; contributions to the change add up to "
        "its change with the composition effect (who answered which questions)."
        + (
            f" {BREAK_MARK} The questions changed in {wave} (trend break): the change is not "
            "like for like."
            if flag(uk_row.trend_break)
            else ""
        )
    )

st.subheader("Trend: the UK and the nations")
nations = [g for g in queries.groups(marts, "nation")]
trend = pd.concat(
    [
        queries.mission_trends(marts, "all", (UK,)),
        queries.mission_trends(marts, "nation", tuple(nations)),
    ]
)
trend = trend[trend["mission_id"] == mission_id]
ui.chart(charts.trend_chart(trend, wave_ids, [UK, *nations], height=240))
st.caption(
    f"Shaded band: {thresholds.confidence_level} interval; ◆ significant change since the "
    "previous wave; dashed rule: trend break (questions changed, not comparable). "
    + fieldwork_caption(wave_frame)
)
ui.download_csv(
    mission, f"mission-{mission_id}-{wave}.csv", key="mission_csv", label="Download data"
)
