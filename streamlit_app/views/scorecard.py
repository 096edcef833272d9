"""Scorecard: the latest wave's 12 missions for one group, with changes."""

from __future__ import annotations

import streamlit as st

import data
import ui

marts = ui.require_marts()
rules = data.thresholds(marts)
wave_frame = data.waves(marts)

st.title("Scorecard")
left, right = st.columns(2)
with left:
    breakdown = ui.breakdown_picker(marts, "scorecard_breakdown", default="all")
with right:
    group = ui.group_picker(marts, breakdown, "scorecard_group")
ui.set_link(breakdown=breakdown, group=group)

card = data.scorecard(marts, breakdown, group)
latest_wave = card["wave_id"].iloc[0]
baseline_wave = card["baseline_wave_id"].iloc[0]
latest_row = wave_frame[wave_frame["wave_id"] == latest_wave].iloc[0]
st.subheader(f"{group}, wave {latest_wave}")
st.caption(
    ui.fieldwork_caption(wave_frame, [latest_wave])
    + f" Baseline: {baseline_wave}. "
    + ui.bases_caption(card.assign(group_label=group))
)
if latest_wave == baseline_wave:
    st.info("Only one wave is published for this group: changes appear from the next wave.")

columns = st.columns(4)
for position, row in enumerate(card.itertuples()):
    with columns[position % 4]:
        if row.suppressed:
            st.metric(row.mission_name, ui.SUPPRESSED, help=f"Base {row.unweighted_base:,}")
            continue
        change = (
            None
            if row.change_vs_previous is None or row.change_vs_previous != row.change_vs_previous
            else f"{ui.signed(row.change_vs_previous, 1)} vs {row.previous_wave_id}"
            + (" (trend break)" if row.trend_break else "")
        )
        st.metric(
            row.mission_name,
            ui.index_cell(row.index_score, row.low_base, False),
            delta=change,
            delta_color="normal" if ui.flag(row.change_significant) else "off",
            help=(
                f"{rules.confidence_level} interval {row.ci_low:.1f} to {row.ci_high:.1f}; "
                f"base {row.unweighted_base:,}"
                f" (effective {row.effective_base:,.0f}). A coloured change is significant."
            ),
        )

st.altair_chart(ui.scorecard_chart(card[~card["suppressed"]]))

table = card.assign(
    index=card["index_score"].round(1),
    ci_low=card["ci_low"].round(1),
    ci_high=card["ci_high"].round(1),
    change_vs_previous=card["change_vs_previous"].round(1),
    change_vs_baseline=card["change_vs_baseline"].round(1),
    effective_base=card["effective_base"].round(0),
    notes=[
        "; ".join(
            note
            for note, on in (
                ("suppressed", sp),
                ("low base", lb and not sp),
                ("trend break vs previous wave", tb),
                ("questions changed since baseline", bb),
            )
            if on
        )
        for sp, lb, tb, bb in zip(
            card.suppressed, card.low_base, card.trend_break, card.break_since_baseline, strict=True
        )
    ],
)[
    [
        "mission_name",
        "index",
        "ci_low",
        "ci_high",
        "unweighted_base",
        "effective_base",
        "vs_rest",
        "change_vs_previous",
        "change_significant",
        "change_vs_baseline",
        "change_vs_baseline_significant",
        "notes",
    ]
]
st.dataframe(
    table,
    hide_index=True,
    height="content",
    column_config={
        "mission_name": "Mission",
        "index": st.column_config.NumberColumn("Index", format="%.1f"),
        "ci_low": st.column_config.NumberColumn(f"{rules.confidence_level} low", format="%.1f"),
        "ci_high": st.column_config.NumberColumn(f"{rules.confidence_level} high", format="%.1f"),
        "unweighted_base": st.column_config.NumberColumn("Base (n)", format="localized"),
        "effective_base": st.column_config.NumberColumn("Effective base", format="localized"),
        "vs_rest": "vs rest of sample",
        "change_vs_previous": st.column_config.NumberColumn(
            f"Change vs {card['previous_wave_id'].iloc[0] or 'previous'}", format="%.1f"
        ),
        "change_significant": "Significant",
        "change_vs_baseline": st.column_config.NumberColumn(
            f"Change vs {baseline_wave} (baseline)", format="%.1f"
        ),
        "change_vs_baseline_significant": "Significant ",
        "notes": "Notes",
    },
)
st.caption(
    f"Changes are tested at the {rules.confidence_level} level with both waves' standard errors. "
    f"Respondents in wave {latest_wave}: {latest_row.respondents:,}."
)
ui.download_csv(card, f"scorecard-{breakdown}-{latest_wave}.csv", key="scorecard_csv")
