"""Data quality: the landed waves, the landing log and validation outcomes."""

from __future__ import annotations

import streamlit as st
from lui.present import formatting, queries
from lui.present.formatting import fieldwork

import ui

marts = ui.require_marts()
wave_frame = queries.waves(marts)
landing_log = queries.landings(marts)
publication = queries.publication(marts)

st.title("Data quality")
st.caption(ui.publication_caption(marts))
failed = wave_frame[wave_frame["validation_outcome"] != "passed"]
if failed.empty:
    st.success(f"All {len(wave_frame)} published wave(s) passed validation at landing.")
else:
    st.warning(f"Waves without a passed validation: {', '.join(failed['wave_id'])}.")

st.subheader("Landed waves")
waves_table = wave_frame.assign(
    fieldwork=[
        fieldwork(a, b)
        for a, b in zip(wave_frame.fieldwork_start, wave_frame.fieldwork_end, strict=True)
    ],
    weighted_base=wave_frame["weighted_base"].round(0),
    effective_base=wave_frame["effective_base"].round(0),
)[
    [
        "wave_id",
        "fieldwork",
        "respondents",
        "weighted_base",
        "effective_base",
        "weighting_design_effect",
        "answers",
        "validation_outcome",
        "landed_at",
        "source_file",
        "source_sha256",
    ]
]
st.dataframe(
    waves_table,
    hide_index=True,
    column_config={
        "wave_id": "Wave",
        "fieldwork": "Fieldwork",
        "respondents": st.column_config.NumberColumn("Respondents", format="localized"),
        "weighted_base": st.column_config.NumberColumn("Weighted base", format="localized"),
        "effective_base": st.column_config.NumberColumn("Effective base", format="localized"),
        "weighting_design_effect": st.column_config.NumberColumn(
            "Design effect of the weights", format="%.2f"
        ),
        "answers": st.column_config.NumberColumn("Answers", format="localized"),
        "validation_outcome": "Validation",
        "landed_at": st.column_config.DatetimeColumn("Landed (UTC)"),
        "source_file": "Source file",
        "source_sha256": "SHA-256",
    },
)
ui.download_csv(wave_frame, "waves.csv", key="waves_csv")

st.subheader("Weighting")
st.caption(
    "How each wave was weighted: raked at landing to the population targets "
    "(seeds/weighting/targets.csv) or as delivered; Kish efficiency is the effective base "
    "over the respondents. Below, a wave's target, unweighted and weighted shares."
)
weighting = queries.wave_weighting(marts)
st.dataframe(
    weighting.assign(
        se_method=weighting.apply(formatting.standard_errors, axis=1) if len(weighting) else [],
        # counts that only raking and replicates have: a dash where the wave has none
        raking_iterations=formatting.count_or_dash(weighting["raking_iterations"]),
        replicates=formatting.count_or_dash(weighting["replicates"]),
    ),
    hide_index=True,
    column_config={
        "wave_id": "Wave",
        "weighting_method": "Weights",
        "design_weight_source": "Raked from",
        "raking_iterations": "Iterations",
        "raking_converged": "Converged",
        "kish_efficiency": st.column_config.NumberColumn("Kish efficiency", format="percent"),
        "min_weight": st.column_config.NumberColumn("Smallest weight", format="%.3f"),
        "max_weight": st.column_config.NumberColumn("Largest weight", format="%.3f"),
        "weights_capped": "Capped",
        "se_method": "Standard errors",
        "replicates": "Replicates",
    },
)
margins = queries.weighting_margins(marts)
if not margins.empty:
    shown = st.selectbox(
        "Margins of wave", sorted(margins["wave_id"].unique(), reverse=True), key="margins_wave"
    )
    st.dataframe(
        margins[margins["wave_id"] == shown].drop(columns="wave_id"),
        hide_index=True,
        column_config={
            "target_variable": "Variable",
            "category": "Category",
            "target_share": st.column_config.NumberColumn("Target", format="percent"),
            "respondents": st.column_config.NumberColumn("Respondents", format="localized"),
            "unweighted_share": st.column_config.NumberColumn("Unweighted", format="percent"),
            "weighted_share": st.column_config.NumberColumn("Weighted", format="percent"),
        },
    )
    ui.download_csv(margins, "weighting-margins.csv", key="weighting_csv")

st.subheader("Landing log")
st.caption(
    "Every successful landing of a wave file, newest first; a re-landed wave replaces "
    "the earlier landing atomically."
)
st.dataframe(
    landing_log,
    hide_index=True,
    column_config={
        "wave_id": "Wave",
        "landed_at": st.column_config.DatetimeColumn("Landed (UTC)"),
        "file_name": "File",
        "file_format": "Format",
        "file_sha256": "SHA-256",
        "respondents": st.column_config.NumberColumn("Respondents", format="localized"),
        "answers": st.column_config.NumberColumn("Answers", format="localized"),
        "questions": st.column_config.NumberColumn("Questions", format="localized"),
        "validation_outcome": "Validation",
        "validation_report": "Validation report",
        "replaced_previous": "Replaced earlier landing",
    },
)
ui.download_csv(landing_log, "landing-log.csv", key="landings_csv")

st.subheader("Published copy")
st.markdown(f"File: `{marts.path}` ({marts.size / 1e6:.1f} MB), opened read-only.")
if not publication.empty:
    row = publication.iloc[0]
    st.markdown(
        f"Published at {row['published_at']:%Y-%m-%d %H:%M:%S} UTC from "
        f"`{row['source_warehouse']}`; "
        f"waves: {', '.join(row['waves'])}."
    )
