"""Local areas: every local authority's 12 missions from the small-area model."""

from __future__ import annotations

import streamlit as st
from lui.present import hexmap, queries
from lui.present.formatting import fieldwork_caption

import pickers
import ui

marts = ui.require_marts()
rules = queries.thresholds(marts)
st.title("Local areas")

wave_ids = queries.local_waves(marts)
if not wave_ids:
    st.info(
        "This published copy has no local-authority estimates: publish a warehouse built "
        "with them (`lui build`, then `lui publish`)."
    )
    st.stop()

missions = queries.missions(marts)
mission_names = dict(zip(missions["mission_id"], missions["mission_name"], strict=True))
left, right = st.columns([2, 1])
with left:
    mission_id = st.selectbox(
        "Mission", list(mission_names), format_func=mission_names.get, key="local_mission"
    )
with right:
    wave_id = pickers.wave_picker(wave_ids, "local_wave")
pickers.set_link(wave=wave_id)

st.subheader(f"Every authority: {mission_names[mission_id]}, wave {wave_id}")
st.caption(
    fieldwork_caption(queries.waves(marts), [wave_id])
    + " Model estimates for all 361 local authorities, each hexagon one authority. "
    + "▲ / ▼: the authority's interval lies wholly above / below its region's; grey: not "
    + "estimable (no respondents in its region this wave, or too few to fit the model)."
)
ranking = queries.local_ranking(marts, mission_id, wave_id)
frame = hexmap.mission_frame(ranking, wave_id, mission_id)
map_column, table_column = st.columns([1, 1])
with map_column:
    st.altair_chart(hexmap.hexmap_chart(frame, width=340), width="content", theme=None)
with table_column:
    st.dataframe(
        hexmap.ranking_table(ranking).drop(columns=["wave_id", "mission_id"]),
        hide_index=True,
        height=520,
        key="local_ranking",
        # what a reader ranks by first; the codes and the model's details to the right
        column_order=(
            "rank",
            "la_name",
            "model_estimate",
            "ci_low",
            "ci_high",
            "vs_region",
            "region",
            "respondents",
            "direct_estimate",
            "model_rmse",
            "nation",
            "la_code",
        ),
        column_config={
            "rank": st.column_config.NumberColumn("Rank", format="%d"),
            "la_code": "Code",
            "la_name": "Local authority",
            "region": "Region",
            "nation": "Nation",
            "model_estimate": st.column_config.NumberColumn("Model estimate", format="%.1f"),
            "ci_low": st.column_config.NumberColumn(f"{rules.confidence_level} low", format="%.1f"),
            "ci_high": st.column_config.NumberColumn(
                f"{rules.confidence_level} high", format="%.1f"
            ),
            "vs_region": "Against its region",
            "model_rmse": st.column_config.NumberColumn("Root MSE", format="%.1f"),
            "direct_estimate": st.column_config.NumberColumn("Direct estimate", format="%.1f"),
            "respondents": st.column_config.NumberColumn("Base (n)", format="localized"),
        },
    )
ui.download_csv(
    ranking, f"local-ranking-mission{mission_id}-{wave_id}.csv", key="local_ranking_csv"
)

authorities = queries.local_authorities(marts)
names = dict(zip(authorities["la_code"], authorities["la_name"], strict=True))
la_code = st.selectbox(
    "Local authority (type to search)",
    list(names),
    format_func=lambda code: f"{names[code]} ({code})",
    key="local_authority",
)
card = queries.local_authority_index(marts, la_code, wave_id)
first = card.iloc[0]
respondents = int(card["respondents"].max())
st.subheader(f"{first.la_name}, wave {wave_id}")
st.caption(
    f"Region: {first.region}. Respondents in this authority:"
    f" {respondents:,} (the model's estimate uses them and what the rest of the sample says"
    f" about similar areas; its own average, the direct estimate, is shown only from"
    f" {rules.suppression_threshold} respondents up)."
)
table = card.assign(
    model=card["model_estimate"].round(1),
    low=card["ci_low"].round(1),
    high=card["ci_high"].round(1),
    region_index=card["region_index"].round(1),
    uk_index=card["uk_index"].round(1),
    direct=card["direct_estimate"].round(1),
)[["mission_name", "model", "low", "high", "region_index", "uk_index", "direct", "respondents"]]
st.dataframe(
    table,
    hide_index=True,
    height="content",
    key="local_card",
    column_config={
        "mission_name": "Mission",
        "model": st.column_config.NumberColumn("Model estimate", format="%.1f"),
        "low": st.column_config.NumberColumn(f"{rules.confidence_level} low", format="%.1f"),
        "high": st.column_config.NumberColumn(f"{rules.confidence_level} high", format="%.1f"),
        "region_index": st.column_config.NumberColumn(f"{first.region}", format="%.1f"),
        "uk_index": st.column_config.NumberColumn("UK", format="%.1f"),
        "direct": st.column_config.NumberColumn("Direct estimate", format="%.1f"),
        "respondents": st.column_config.NumberColumn("Base (n)", format="localized"),
    },
)
ui.download_csv(card, f"local-{la_code}-{wave_id}.csv", key="local_card_csv")
trend = queries.local_authority_trend(marts, la_code, mission_id)
st.altair_chart(
    hexmap.local_trend_chart(
        trend, title=f"{first.la_name}: {mission_names[mission_id]}, every wave", width="container"
    ),
    width="stretch",
)

st.markdown(
    f"""
**What a model-based estimate is, and is not.** A wave has about a dozen respondents in a
typical local authority: too few for the authority's own average (the *direct estimate*)
to mean much. The *model estimate* combines the authority's respondents with what the
whole sample says about areas like it (its region, and the deprivation and urban/rural mix
of its population), leaning on its own respondents the more of them there are. An
authority with no respondents gets the estimate for areas like it, with a wider interval.

It is an estimate under a statistical model, not a measurement: the
{rules.confidence_level} interval is the model's (estimate +/- {rules.z_critical:g} root
mean squared error), it assumes the model holds, and it cannot see what makes an authority
different from areas like it beyond what its own respondents show. Rankings of authorities
whose intervals overlap are not meaningful. The model uses area characteristics only (no
age or sex by authority is available). Details: docs/local_estimates.md.
"""
)
