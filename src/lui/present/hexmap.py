"""A hex cartogram of every local authority's mission estimate, and its ranking table.

The layout is Open Innovations' hexmap of the 361 UK local authority districts of 2023
(`data/uk-local-authority-districts-2023.hexjson`, MIT licence, `data/README.md`): one hex
per authority, placed by hand so that neighbours stay neighbours and every authority,
however small, is as visible as the largest. Its codes are the reference list's
(seeds/reference/local_authorities.csv), checked by `check_codes` in the tests.

`hexmap_chart(mission_frame(local_index, wave_id, mission_id))` draws one mission of one
wave of `marts.fct_local_mission_index`: the model estimate on a diverging colour scale
centred on zero, the model's interval on hover, authorities whose interval lies wholly above or
below their region's marked by a triangle (a shape, not colour alone), and the
authorities the model could not estimate in grey. `ranking_table` words the ranking
`queries.local_ranking` makes in SQL. Pure: no Streamlit, no SQL; the chart renders to
SVG or PNG with vl-convert (`to_svg`, `to_png`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from functools import cache
from importlib import resources

import altair as alt
import pandas as pd

HEXJSON = "uk-local-authority-districts-2023.hexjson"
COLUMNS = ("la_code", "la_name", "region", "estimate", "ci_low", "ci_high", "vs_region")
NOT_ESTIMABLE = "not estimable"
MISSING_COLOUR = "#d9d9d9"
TEXT_COLOUR = "#333333"
ABOVE, BELOW = "above", "below"
# what the triangles mean, in the legend and the tooltip
VS_REGION_LABELS = {
    ABOVE: "interval wholly above its region's",
    BELOW: "interval wholly below its region's",
}
# how an authority stands against its region, in the ranking tables (symbol and word)
REGION_MARKS = {ABOVE: "▲ above", BELOW: "▼ below"}
OVERLAPS = "overlaps"  # neither: the interval overlaps its region's
# a pointy-top hexagon in Vega's custom-symbol box (-1..1 on both axes)
HEX_PATH = "M0,-1L0.866,-0.5L0.866,0.5L0,1L-0.866,0.5L-0.866,-0.5Z"
SQRT3 = math.sqrt(3)


@cache
def hex_layout() -> pd.DataFrame:
    """One row per authority of the hexmap: la_code, hex_name, q, r and the hex's centre
    (x, y) in column units, rows upwards (the file's "odd-r" layout: odd rows shift half a
    hex to the right)."""
    text = resources.files("lui.present").joinpath("data", HEXJSON).read_text(encoding="utf-8")
    document = json.loads(text)
    if document.get("layout") != "odd-r":
        raise ValueError(f"{HEXJSON}: expected the odd-r layout, got {document.get('layout')!r}")
    rows = [
        {"la_code": code, "hex_name": hexagon["n"], "q": hexagon["q"], "r": hexagon["r"]}
        for code, hexagon in document["hexes"].items()
    ]
    layout = pd.DataFrame(rows)
    layout["x"] = layout["q"] + 0.5 * (layout["r"] % 2)
    layout["y"] = layout["r"] * SQRT3 / 2
    return layout


def check_codes(la_codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """(codes of `la_codes` without a hex, hexes whose code is not in `la_codes`), sorted."""
    wanted = set(la_codes)
    placed = set(hex_layout()["la_code"])
    return sorted(wanted - placed), sorted(placed - wanted)


def mission_frame(local_index: pd.DataFrame, wave_id: str, mission_id: int) -> pd.DataFrame:
    """One wave and mission of fct_local_mission_index in the columns the chart takes
    (COLUMNS; estimate is model_estimate, null where the model is not estimable)."""
    rows = local_index[
        (local_index["wave_id"] == wave_id) & (local_index["mission_id"] == mission_id)
    ]
    return rows.rename(columns={"model_estimate": "estimate"})[list(COLUMNS)].reset_index(drop=True)


def _signed(value: float) -> str:
    return f"{value:+.0f}" if round(value) != 0 else "0"


def _intervals(frame: pd.DataFrame) -> list[str]:
    """Each row's interval (the mart's ci_low to ci_high) as text ('-3.2 to 17.0'), or
    NOT_ESTIMABLE."""
    return [
        f"{low:.1f} to {high:.1f}" if pd.notna(low) and pd.notna(high) else NOT_ESTIMABLE
        for low, high in zip(frame["ci_low"], frame["ci_high"], strict=True)
    ]


def _chart_frame(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"the hexmap needs the columns {', '.join(missing)}: see COLUMNS")
    layout = hex_layout()
    unplaced, _ = check_codes(frame["la_code"])
    if unplaced:
        raise ValueError(f"no hex for {', '.join(unplaced)}: add them to {HEXJSON}")
    data = layout.merge(frame[list(COLUMNS)], on="la_code", how="left")
    data["la_name"] = data["la_name"].fillna(data["hex_name"])
    estimable = data["estimate"].notna()
    data["shown"] = data["estimate"].map(lambda v: _signed(v) if pd.notna(v) else NOT_ESTIMABLE)
    data["interval"] = _intervals(data)
    data["vs_region_label"] = (
        data["vs_region"].map(VS_REGION_LABELS).where(estimable, None).fillna("overlaps it")
    )
    data.loc[~estimable, "vs_region_label"] = NOT_ESTIMABLE
    return data.drop(columns=["hex_name"])


def colour_domain(estimates: pd.Series) -> list[float]:
    """A symmetric domain about 0, up to the largest absolute estimate rounded up to 10."""
    largest = estimates.abs().max()
    edge = 10.0 if pd.isna(largest) else max(10.0, math.ceil(largest / 10) * 10)
    return [-edge, edge]


def hexmap_chart(
    frame: pd.DataFrame,
    *,
    title: str = "",
    width: int = 440,
    legend_title: str = "Index (model estimate)",
) -> alt.LayerChart:
    """The hex cartogram of one mission's local estimates (`frame`: COLUMNS, one row per
    authority, as `mission_frame` gives). Every hex of the layout is drawn; an authority
    without an estimate is grey. `width` in px; the height follows from the layout."""
    data = _chart_frame(frame)
    layout = hex_layout()
    x_domain = [float(layout["x"].min()) - 0.6, float(layout["x"].max()) + 0.6]
    y_domain = [float(layout["y"].min()) - 0.7, float(layout["y"].max()) + 0.7]
    unit = width / (x_domain[1] - x_domain[0])  # px per column: one hex's width
    height = round(unit * (y_domain[1] - y_domain[0]))
    hex_size = (unit / SQRT3 * 2) ** 2 * 0.92  # the hexes' box, a little gap between them
    x = alt.X("x:Q", scale=alt.Scale(domain=x_domain, nice=False, zero=False), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=y_domain, nice=False, zero=False), axis=None)
    tooltip = [
        alt.Tooltip("la_name:N", title="Authority"),
        alt.Tooltip("region:N", title="Region"),
        alt.Tooltip("shown:N", title="Model estimate"),
        alt.Tooltip("interval:N", title="Interval"),
        alt.Tooltip("vs_region_label:N", title="Against its region"),
    ]
    base = alt.Chart(data).encode(x=x, y=y, tooltip=tooltip)
    fill = alt.Color(
        "estimate:Q",
        title=legend_title,
        scale=alt.Scale(scheme="redblue", domain=colour_domain(data["estimate"]), domainMid=0),
        legend=alt.Legend(orient="top", direction="horizontal", gradientLength=200),
    )
    hexes = (
        base.transform_filter("isValid(datum.estimate)")
        .mark_point(
            shape=HEX_PATH,
            aria=False,
            filled=True,
            size=hex_size,
            opacity=1,
            stroke="white",
            strokeWidth=0.5,
        )
        .encode(color=fill)
    )
    missing = base.transform_filter("!isValid(datum.estimate)").mark_point(
        shape=HEX_PATH,
        aria=False,
        filled=True,
        size=hex_size,
        opacity=1,
        color=MISSING_COLOUR,
        stroke="white",
        strokeWidth=0.5,
    )
    marks = (
        base.transform_filter("isValid(datum.vs_region) && isValid(datum.estimate)")
        .mark_point(
            aria=False,
            filled=True,
            size=max(8.0, hex_size * 0.18),
            color="black",
            opacity=1,
            stroke="white",
            strokeWidth=0.8,
        )
        .encode(
            shape=alt.Shape(
                "vs_region_label:N",
                title=None,
                scale=alt.Scale(
                    domain=[VS_REGION_LABELS[ABOVE], VS_REGION_LABELS[BELOW]],
                    range=["triangle-up", "triangle-down"],
                ),
                legend=alt.Legend(orient="bottom", direction="vertical", symbolFillColor="black"),
            )
        )
    )
    unestimated = int(data["estimate"].isna().sum())
    subtitle = f"Grey: not estimable ({unestimated} authorities)" if unestimated else ""
    chart = alt.layer(missing, hexes, marks).properties(
        width=width,
        height=height,
        # the legends add to the size: a hexagon stays a hexagon (a "fit" would squeeze the
        # plot to leave them room, and the map's aspect with it)
        autosize=alt.AutoSizeParams(type="pad"),
        title=alt.TitleParams(title, subtitle=subtitle, anchor="start"),
        description=describe(data, title),
    )
    return (
        chart.resolve_scale(color="independent")
        .configure_view(strokeWidth=0)
        .configure_legend(labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR, labelLimit=320)
    )


def describe(data: pd.DataFrame, title: str = "") -> str:
    """The chart's text alternative: what it shows and its extremes."""
    shown = data.dropna(subset=["estimate"]).sort_values("estimate")
    parts = [f"Hex map of {len(data)} local authorities{': ' + title if title else ''}."]
    if len(shown):
        low, high = shown.iloc[0], shown.iloc[-1]
        parts.append(
            f"Estimates from {_signed(low.estimate)} ({low.la_name}) "
            f"to {_signed(high.estimate)} ({high.la_name})."
        )
    counts = data["vs_region"].value_counts()
    parts.append(
        f"{counts.get(ABOVE, 0)} above and {counts.get(BELOW, 0)} below their region's interval."
    )
    if (missing := int(data["estimate"].isna().sum())) > 0:
        parts.append(f"{missing} not estimable.")
    return " ".join(parts)


def against_region(ranking: pd.DataFrame) -> pd.Series:
    """How each authority of a ranking stands against its region, as symbol and word
    (REGION_MARKS), OVERLAPS, or NOT_ESTIMABLE where the model gave no estimate."""
    return (
        ranking["vs_region"]
        .map(REGION_MARKS)
        .fillna(OVERLAPS)
        .where(ranking["model_estimate"].notna(), NOT_ESTIMABLE)
    )


def ranking_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """`queries.local_ranking` (ranked there, in SQL: highest first, the authorities
    without an estimate last and unranked) for reading: how each authority stands against
    its region in words and symbols, estimates to one decimal. Ranks nothing itself."""
    return ranking.assign(vs_region=against_region(ranking)).round(
        {"model_estimate": 1, "ci_low": 1, "ci_high": 1, "model_rmse": 1, "direct_estimate": 1}
    )


def local_trend_chart(
    trend: pd.DataFrame, *, title: str = "", width: int | str = 340
) -> alt.LayerChart:
    """One authority's model estimate on one mission by wave (queries.local_authority_trend):
    the estimate as a line with its interval as a band, and its region's published
    index as a dashed line, so a reader sees both the local trend and its uncertainty."""
    data = trend.assign(
        interval=_intervals(trend),
        shown=trend["model_estimate"].map(lambda v: f"{v:.1f}" if pd.notna(v) else NOT_ESTIMABLE),
    )
    x = alt.X("wave_id:O", title="Wave", axis=alt.Axis(labelAngle=0))
    y_title = "Index"
    tooltip = [
        alt.Tooltip("wave_id:N", title="Wave"),
        alt.Tooltip("shown:N", title="Model estimate"),
        alt.Tooltip("interval:N", title="Interval"),
        alt.Tooltip("region_index:Q", title="Region's index", format=".1f"),
    ]
    band = (
        alt.Chart(data)
        .mark_area(opacity=0.2, color="#1f5fa8", aria=False)
        .encode(x=x, y=alt.Y("ci_low:Q", title=y_title), y2="ci_high:Q")
    )
    line = (
        alt.Chart(data)
        .mark_line(point=True, color="#1f5fa8", aria=False)
        .encode(x=x, y="model_estimate:Q", tooltip=tooltip)
    )
    region = (
        alt.Chart(data)
        .mark_line(strokeDash=[5, 4], color=TEXT_COLOUR, aria=False)
        .encode(x=x, y="region_index:Q", tooltip=tooltip)
    )
    described = "; ".join(
        f"{row.wave_id} {row.model_estimate:.1f}"
        if pd.notna(row.model_estimate)
        else f"{row.wave_id} {NOT_ESTIMABLE}"
        for row in trend.itertuples()
    )
    chart = alt.layer(band, line, region).properties(
        width=width,
        height=180,
        description=f"{title}: model estimate by wave: {described}.",
        title=alt.TitleParams(
            title,
            subtitle="Blue: model estimate and its interval; dashed: its region",
            anchor="start",
        ),
    )
    return chart.configure_view(strokeWidth=0)


def to_svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict())


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(chart.to_dict(), scale=scale)
