"""Scorecard: the latest wave's 12 missions for one group, with changes."""

from __future__ import annotations

import streamlit as st
from lui.present import charts, queries
from lui.present.formatting import (
    BREAK_MARK,
    SUPPRESSED,
    bases_caption,
    change_cells,
    fieldwork_caption,
    flag,
    group_label,
    index_cell,
    interval,
    missing,
    movement_word,
    signed,
    vs_rest_word,
)

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
wave_frame = queries.waves(marts)

st.title("Scorecard")
left, right = st.columns(2)
with left:
    breakdown = pickers.breakdown_picker(marts, "scorecard_breakdown", default="all")
with right:
    group = pickers.group_picker(marts, breakdown, "scorecard_group")
pickers.set_link(breakdown=breakdown, group=group)

card = queries.scorecard(marts, breakdown, group)
latest_wave = card["wave_id"].iloc[0]
baseline_wave = card["baseline_wave_id"].iloc[0]
latest_row = wave_frame[wave_frame["wave_id"] == latest_wave].iloc[0]
shown_group = group_label(breakdown, group)
st.subheader(f"{shown_group}, wave {latest_wave}")
st.caption(
    fieldwork_caption(wave_frame, [latest_wave])
    + f" Baseline: {baseline_wave}. "
    + bases_caption(card.assign(group_label=shown_group))
)
if latest_wave == baseline_wave:
    st.info("Only one wave is published for this group: changes appear from the next wave.")

# Tiles in mission order; on a narrow screen each row of four stacks in order.
for start in range(0, len(card), 4):
    columns = st.columns(4)
    for column, row in zip(columns, card.iloc[start : start + 4].itertuples(), strict=False):
        with column:
            if flag(row.suppressed):
                st.metric(row.mission_name, SUPPRESSED, help=f"Base {row.unweighted_base:,}")
                continue
            significant = flag(row.change_significant) and not flag(row.trend_break)
            # the words say what the colour and the arrow show (never colour alone): an
            # arrow and a colour only for a significant change
            change = (
                None
                if missing(row.change_vs_previous)
                else f"{signed(row.change_vs_previous, 1)} vs {row.previous_wave_id}, "
                + movement_word(row.change_significant, row.change_vs_previous, row.trend_break)
            )
            st.metric(
                row.mission_name,
                index_cell(row.index_score, row.low_base, False),
                delta=change,
                delta_color="normal" if significant else "off",
                delta_arrow="auto" if significant else "off",
                help=(
                    f"{rules.confidence_level} interval {interval(row.ci_low, row.ci_high)}; base "
                    f"{row.unweighted_base:,} (effective {row.effective_base:,.0f}). Only a "
                    "significant change has an arrow and a colour, and says so; a change across a "
                    "trend break never does."
                ),
            )

shown = card[~card["suppressed"].map(flag)]
ui.chart(charts.scorecard_chart(shown))


def _notes(row: object) -> str:
    notes = [
        ("suppressed", flag(row.suppressed)),
        ("low base", flag(row.low_base) and not flag(row.suppressed)),
        (f"{BREAK_MARK} trend break vs previous wave", flag(row.trend_break)),
        ("questions changed since baseline", flag(row.break_since_baseline)),
    ]
    return "; ".join(note for note, on in notes if on)


previous = card["previous_wave_id"].dropna()
previous_wave = previous.iloc[0] if not previous.empty else "previous"
table = card.assign(
    index=card["index_score"].round(1),
    ci_low=card["ci_low"].round(1),
    ci_high=card["ci_high"].round(1),
    vs_rest=card["vs_rest"].map(vs_rest_word).fillna(""),
    change_vs_previous=card["change_vs_previous"].round(1),
    change_vs_previous_shown=change_cells(card),
    change_vs_baseline=card["change_vs_baseline"].round(1),
    change_vs_baseline_shown=change_cells(
        card, "change_vs_baseline", "change_vs_baseline_significant", "break_since_baseline"
    ),
    effective_base=card["effective_base"].round(0),
    design_effect=card["design_effect"].round(2),
    notes=[_notes(row) for row in card.itertuples()],
    change_vs_previous_interval=[
        "" if missing(a) else interval(a, b)
        for a, b in zip(card.change_ci_low, card.change_ci_high, strict=True)
    ],
    change_vs_baseline_interval=[
        "" if missing(a) else interval(a, b)
        for a, b in zip(
            card.change_vs_baseline_ci_low, card.change_vs_baseline_ci_high, strict=True
        )
    ],
)
SHOWN = [
    "mission_name",
    "index",
    "ci_low",
    "ci_high",
    "unweighted_base",
    "effective_base",
    "design_effect",
    "vs_rest",
    "change_vs_previous_shown",
    "change_vs_previous_interval",
    "change_vs_baseline_shown",
    "change_vs_baseline_interval",
    "notes",
]
# the rounded changes stay in the frame (tests and the long download read them)
table = table[[*SHOWN, "change_vs_previous", "change_vs_baseline"]]
st.dataframe(
    table,
    hide_index=True,
    height="content",
    column_order=SHOWN,
    column_config={
        "mission_name": st.column_config.TextColumn("Mission", width="medium"),
        "index": st.column_config.NumberColumn("Index", format="%.1f"),
        "ci_low": st.column_config.NumberColumn(f"{rules.confidence_level} low", format="%.1f"),
        "ci_high": st.column_config.NumberColumn(f"{rules.confidence_level} high", format="%.1f"),
        "unweighted_base": st.column_config.NumberColumn("Base (n)", format="localized"),
        "effective_base": st.column_config.NumberColumn("Effective base", format="localized"),
        "design_effect": st.column_config.NumberColumn(
            "Design effect",
            format="%.2f",
            help="The SE's variance over a simple random sample's of the same base (deff)",
        ),
        "vs_rest": "vs rest of sample",
        "change_vs_previous_shown": f"Change vs {previous_wave}",
        "change_vs_previous_interval": f"Its {rules.confidence_level} interval",
        "change_vs_baseline_shown": f"Change vs {baseline_wave} (baseline)",
        "change_vs_baseline_interval": f"Its {rules.confidence_level} interval (baseline)",
        "notes": st.column_config.TextColumn("Notes", width="large"),
    },
)
st.caption(
    f"Changes are tested at the {rules.confidence_level} level with both waves' standard "
    f"errors: ▲ / ▼ a significant rise / fall; {BREAK_MARK} the questions changed (trend "
    "break), so the change is not like for like and is never marked as significant. "
    f"Respondents in wave {latest_wave}: {latest_row.respondents:,}."
)
ui.download_csv(
    table[SHOWN],
    f"scorecard-{breakdown}-{latest_wave}-as-shown.csv",
    key="scorecard_shown_csv",
    label="Download table as shown",
)
ui.download_csv(
    card, f"scorecard-{breakdown}-{latest_wave}.csv", key="scorecard_csv", label="Download data"
)
