"""The app's and the wave report's charts: Altair specifications over frames from data.py.

Pure (no Streamlit, no SQL): a page shows a chart with `ui.chart`, the report renders the
same specification to vector. Rules every chart keeps:
- its size does not depend on the number of groups: rows are a fixed step, so a breakdown
  with two groups and one with twelve both get readable bars;
- significance is never colour alone (▲ ▼ marks or shapes beside it), and a change across
  a trend break is never drawn as significant;
- ordered answers get an ordered palette (negative to positive);
- every chart carries a one-sentence description (its text alternative, `describe_*`).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

import altair as alt
import pandas as pd

from lui.present.formatting import (
    ABOVE_MARK,
    BELOW_MARK,
    MOVEMENT_CLASSES,
    SUPPRESSED,
    UK,
    fieldwork,
    flag,
    interval,
    movement_word,
    signed,
)

UK_COLOUR = "#444444"
# Colour-blind safe qualitative palette (Okabe-Ito), dark enough on white for marks.
GROUP_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MOVEMENT_COLOURS = ("#1b7837", "#5f6b73", "#b2182b", "#7b5ea7")
MOVEMENT_SHAPES = ("triangle-up", "circle", "triangle-down", "square")
POSITIVE_COLOUR = "#2166ac"
NEGATIVE_COLOUR = "#b2182b"
ROW_STEP = 26  # px per group or mission row: charts keep their size for any number of rows
TEXT_COLOUR = "#333333"
FONT_SIZE = 12


def legend_columns(entries: int) -> int:
    """Legend entries on one line up to three (they fit a phone's 390 px), else one a line:
    a row of the five nations or of a scale's answers ran past it, and a chart cannot know
    the width it will get."""
    return 0 if entries <= 3 else 1


def wrapped_labels(labels: Sequence[str], width: int = 24) -> str:
    """A Vega label expression putting each label longer than `width` characters on lines
    of at most that many ("Heard of it but know nothing about it" ran past a phone)."""
    expression = "datum.label"
    for label in labels:
        lines = textwrap.wrap(str(label), width)
        if len(lines) > 1:
            expression = f"datum.label === {json.dumps(str(label))} ? {json.dumps(lines)} : " + (
                expression
            )
    return expression


def _configured(chart: alt.TopLevelMixin, description: str) -> alt.TopLevelMixin:
    return (
        # SVG, not canvas: screen readers get each mark's label, and tests can measure marks
        # the plot keeps its height: the width fits the container, legends and axes add
        # to the height instead of eating it (Streamlit's default is 'fit' both ways)
        chart.properties(
            description=description,
            usermeta={"embedOptions": {"renderer": "svg"}},
            autosize={"type": "fit-x", "contains": "padding"},
        )
        .configure_axis(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            labelColor=TEXT_COLOUR,
            titleColor=TEXT_COLOUR,
        )
        .configure_legend(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            labelColor=TEXT_COLOUR,
            titleColor=TEXT_COLOUR,
            orient="top",
        )
        .configure_view(strokeWidth=0)
    )


def group_colours(group_order: Sequence[str]) -> dict[str, str]:
    """Each group's colour (the UK dark grey, then the palette in order): the charts' scale,
    and the one legend a grid of charts shares."""
    palette = iter(GROUP_COLOURS * 3)
    return {g: UK_COLOUR if g in (UK, "All UK") else next(palette) for g in group_order}


def _group_colour(group_order: Sequence[str]) -> alt.Scale:
    colours = group_colours(group_order)
    return alt.Scale(domain=list(colours), range=list(colours.values()))


def index_domain(frame: pd.DataFrame) -> list[float]:
    """One y range for every panel of a trend grid (the 'shared y-axis' option)."""
    low = frame[["ci_low", "index_score"]].min().min()
    high = frame[["ci_high", "index_score"]].max().max()
    if pd.isna(low) or pd.isna(high):
        return [-200.0, 200.0]
    return [float(low) - 5, float(high) + 5]


# --------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------
def trend_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a trend chart draws and shows on hover."""
    return frame.assign(
        fieldwork=[
            fieldwork(a, b) for a, b in zip(frame.fieldwork_start, frame.fieldwork_end, strict=True)
        ],
        score=frame["index_score"].round(1),
        interval=[interval(lo, hi) for lo, hi in zip(frame.ci_low, frame.ci_high, strict=True)],
        change=frame["change_vs_previous"].round(1),
        movement=[
            movement_word(s, c, b)
            for s, c, b in zip(
                frame.change_significant,
                frame.change_vs_previous,
                frame.trend_break,
                strict=True,
            )
        ],
        shown_significant=[
            flag(s) and not flag(b)
            for s, b in zip(frame.change_significant, frame.trend_break, strict=True)
        ],
        effective=frame["effective_base"].round(0),
    )[
        [
            "wave_id",
            "group_label",
            "mission_name",
            "index_score",
            "ci_low",
            "ci_high",
            "score",
            "interval",
            "change",
            "movement",
            "unweighted_base",
            "effective",
            "fieldwork",
            "shown_significant",
            "trend_break",
            "low_base",
            "suppressed",
        ]
    ]


def trend_chart(
    frame: pd.DataFrame,
    wave_order: Sequence[str],
    group_order: Sequence[str],
    *,
    y_domain: Sequence[float] | None = None,
    width: int | str = "container",
    height: int = 170,
    title: str | None = None,
    legend: bool = True,
) -> alt.LayerChart:
    """One mission's index by wave: a line per group, its confidence interval as a band, diamonds
    where the change since the previous wave is significant (never across a trend break),
    rings on low bases and a dashed, labelled rule at trend breaks. Suppressed points are
    gaps. `y_domain` shares one y-axis across a grid of these, and `legend=False` leaves the
    group legend to the grid (one legend, group_colours)."""
    plot = trend_frame(frame)
    x = alt.X("wave_id:O", sort=list(wave_order), title=None, axis=alt.Axis(labelAngle=0))
    scale = alt.Scale(zero=False) if y_domain is None else alt.Scale(domain=list(y_domain))
    y = alt.Y("index_score:Q", title="Index", scale=scale)
    colour = alt.Color(
        "group_label:N",
        title="Group",
        sort=list(group_order),
        scale=_group_colour(group_order),
        # the legend draws each group as its line, full strength (not the band's tint)
        legend=alt.Legend(
            columns=legend_columns(len(group_order)),
            symbolType="stroke",
            symbolOpacity=1,
            symbolStrokeWidth=3,
        )
        if legend
        else None,
    )
    tooltip = [
        alt.Tooltip("group_label:N", title="Group"),
        alt.Tooltip("mission_name:N", title="Mission"),
        alt.Tooltip("wave_id:N", title="Wave"),
        alt.Tooltip("fieldwork:N", title="Fieldwork"),
        alt.Tooltip("score:Q", title="Index"),
        alt.Tooltip("interval:N", title="Interval"),
        alt.Tooltip("change:Q", title="Change vs previous wave"),
        alt.Tooltip("movement:N", title="Since previous wave"),
        alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
        alt.Tooltip("effective:Q", title="Effective base", format=","),
        alt.Tooltip("low_base:N", title="Low base"),
        alt.Tooltip("suppressed:N", title="Suppressed"),
    ]
    band = (
        alt.Chart()
        .mark_area(opacity=0.18, aria=False)
        .encode(x, y="ci_low:Q", y2="ci_high:Q", color=colour)
    )
    line = alt.Chart().mark_line(invalid="break-paths-show-domains").encode(x, y, color=colour)
    points = (
        alt.Chart().mark_point(filled=True, size=35).encode(x, y, color=colour, tooltip=tooltip)
    )
    significant = (
        alt.Chart()
        .mark_point(
            shape="diamond",
            filled=True,
            size=130,
            stroke="black",
            strokeWidth=1,
            description="significant changes since the previous wave",
        )
        .encode(x, y, color=colour, tooltip=[alt.Tooltip("marked:N", title="Marked"), *tooltip])
        .transform_calculate(marked="'significant change'")
        .transform_filter("datum.shown_significant === true")
    )
    low = (
        alt.Chart()
        .mark_point(
            shape="circle", filled=False, size=260, color="#555", strokeDash=[2, 2], aria=False
        )
        .encode(x, y, tooltip=tooltip)
        .transform_filter("datum.low_base === true && datum.suppressed !== true")
    )
    # one rule and one label per wave with a break (not one per group)
    breaks = (
        alt.Chart()
        .mark_rule(strokeDash=[5, 4], color="#444", strokeWidth=1.5, aria=False)
        .encode(x)
        .transform_filter("datum.trend_break === true")
        .transform_aggregate(groups="count()", groupby=["wave_id"])
    )
    break_label = (
        alt.Chart()
        .mark_text(
            align="left",
            baseline="top",
            dx=4,
            dy=2,
            fontSize=11,
            color=TEXT_COLOUR,
            description="trend breaks",
        )
        .encode(x, y=alt.value(0), text=alt.value("trend break"))
        .transform_filter("datum.trend_break === true")
        .transform_aggregate(groups="count()", groupby=["wave_id"])
    )
    # a layer whose filter leaves nothing is left out (an empty mark group has no label)
    layers = [band, line, points]
    if plot["shown_significant"].any():
        layers.append(significant)
    if (plot["low_base"].map(flag) & ~plot["suppressed"].map(flag)).any():
        layers.append(low)
    if plot["trend_break"].map(flag).any():
        layers += [breaks, break_label]
    if len(wave_order) == 1:
        layers.insert(
            1, alt.Chart().mark_rule().encode(x, y="ci_low:Q", y2="ci_high:Q", color=colour)
        )
    chart = alt.layer(*layers, data=plot).properties(width=width, height=height)
    if title:
        chart = chart.properties(title=alt.Title(title, anchor="start", fontSize=13))
    return _configured(chart, describe_trend(frame, title or ""))


def describe_trend(frame: pd.DataFrame, mission: str) -> str:
    """One sentence per group: first and latest wave's index, and trend breaks."""
    parts = []
    for group, rows in frame.groupby("group_label", sort=False):
        rows = rows.sort_values("wave_number") if "wave_number" in rows else rows
        shown = rows[~rows["suppressed"].map(flag)]
        if shown.empty:
            parts.append(f"{group}: {SUPPRESSED}")
            continue
        first, last = shown.iloc[0], shown.iloc[-1]
        parts.append(
            f"{group} {signed(first.index_score)} in {first.wave_id}, "
            f"{signed(last.index_score)} in {last.wave_id}"
        )
    breaks = sorted(set(frame.loc[frame["trend_break"].map(flag), "wave_id"]))
    tail = f"; trend break in {', '.join(breaks)}" if breaks else ""
    return f"{mission} index by wave: " + "; ".join(parts) + tail + "."


# --------------------------------------------------------------------------------------
# One wave: missions for one group, groups for one mission
# --------------------------------------------------------------------------------------
def scorecard_chart(frame: pd.DataFrame, width: int | str = "container") -> alt.LayerChart:
    """Latest index per mission with its confidence interval; colour and shape: the change since
    the previous wave (a trend break has its own class, never 'significant')."""
    plot = frame.assign(
        score=frame["index_score"].round(1),
        change=frame["change_vs_previous"].round(1),
        movement=[
            movement_word(s, c, b)
            for s, c, b in zip(
                frame.change_significant, frame.change_vs_previous, frame.trend_break, strict=True
            )
        ],
    )[
        [
            "mission_name",
            "index_score",
            "ci_low",
            "ci_high",
            "score",
            "change",
            "movement",
            "unweighted_base",
        ]
    ]
    y = alt.Y(
        "mission_name:N",
        sort=list(frame["mission_name"]),
        title=None,
        axis=alt.Axis(labelLimit=240, labelOverlap=False),
    )
    movement_scale = {
        "scale": alt.Scale(domain=list(MOVEMENT_CLASSES), range=list(MOVEMENT_COLOURS)),
        "title": "Since previous wave",
        "legend": alt.Legend(columns=legend_columns(len(MOVEMENT_CLASSES)), labelLimit=220),
    }
    tooltip = [
        alt.Tooltip("mission_name:N", title="Mission"),
        alt.Tooltip("score:Q", title="Index"),
        alt.Tooltip("ci_low:Q", title="Interval low", format=".1f"),
        alt.Tooltip("ci_high:Q", title="Interval high", format=".1f"),
        alt.Tooltip("change:Q", title="Change vs previous"),
        alt.Tooltip("movement:N", title="Since previous wave"),
        alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
    ]
    bars = (
        alt.Chart()
        .mark_rule(strokeWidth=2, color="#90a4ae")
        .encode(y, x=alt.X("ci_low:Q", title="Index (-200 to +200) and interval"), x2="ci_high:Q")
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=110)
        .encode(
            y,
            x="index_score:Q",
            color=alt.Color("movement:N", **movement_scale),
            shape=alt.Shape(
                "movement:N",
                scale=alt.Scale(domain=list(MOVEMENT_CLASSES), range=list(MOVEMENT_SHAPES)),
                title="Since previous wave",
                legend=alt.Legend(columns=legend_columns(len(MOVEMENT_CLASSES)), labelLimit=220),
            ),
            tooltip=tooltip,
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#999", aria=False).encode(x="x:Q")
    chart = alt.layer(zero, alt.layer(bars, dots, data=plot)).properties(
        width=width, height=alt.Step(ROW_STEP)
    )
    return _configured(chart, describe_missions(frame))


def describe_missions(frame: pd.DataFrame) -> str:
    """'Index by mission: Internet +74, ...' in the frame's order."""
    shown = frame[~frame["suppressed"].map(flag)]
    return (
        "Index by mission: "
        + "; ".join(
            f"{m} {signed(s)}" for m, s in zip(shown.mission_name, shown.index_score, strict=True)
        )
        + "."
    )


def groups_chart(
    frame: pd.DataFrame,
    row_order: Sequence[str],
    *,
    title: str = "",
    width: int | str = "container",
) -> alt.LayerChart:
    """One mission's index for a set of groups (`row`): a bar per group from zero, its
    interval as a rule, the score as a label with ▲ / ▼ when significantly above / below the
    rest of the sample. Rows are a fixed step high; suppressed groups say so."""
    plot = frame.assign(
        score=frame["index_score"].round(1),
        label=[
            SUPPRESSED
            if flag(sp)
            else signed(s) + {"above": f" {ABOVE_MARK}", "below": f" {BELOW_MARK}"}.get(str(v), "")
            for s, v, sp in zip(frame.index_score, frame.vs_rest, frame.suppressed, strict=True)
        ],
        sign=["positive" if s >= 0 else "negative" for s in frame["index_score"].fillna(0)],
        # labels right of the interval and of zero, so they never sit on a negative bar
        label_x=frame["ci_high"].clip(lower=0),
        vs=frame["vs_rest"].fillna("not different").astype(str),
    )[
        [
            "row",
            "index_score",
            "ci_low",
            "ci_high",
            "score",
            "label",
            "sign",
            "vs",
            "unweighted_base",
            "label_x",
        ]
    ]
    y = alt.Y(
        "row:N",
        sort=list(row_order),
        scale=alt.Scale(domain=list(row_order)),
        title=None,
        axis=alt.Axis(labelLimit=260, labelOverlap=False),
    )
    # room right of the largest interval (or of zero) for its score label ("+81 ▲"), and
    # few enough ticks for a phone
    low = min([0.0, *frame["ci_low"].dropna()])
    high = max([0.0, *frame["ci_high"].dropna()])
    x = alt.X(
        "index_score:Q",
        title="Index (-200 to +200)",
        scale=alt.Scale(domain=[low, high + 0.2 * max(high - low, 1.0)], nice=True),
        axis=alt.Axis(tickCount=4, labelOverlap="parity"),
    )
    tooltip = [
        alt.Tooltip("row:N", title="Group"),
        alt.Tooltip("score:Q", title="Index"),
        alt.Tooltip("ci_low:Q", title="Interval low", format=".1f"),
        alt.Tooltip("ci_high:Q", title="Interval high", format=".1f"),
        alt.Tooltip("vs:N", title="vs rest of sample"),
        alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
    ]
    bars = (
        alt.Chart()
        .mark_bar(height={"band": 0.7})
        .encode(
            y,
            x,
            color=alt.Color(
                "sign:N",
                scale=alt.Scale(
                    domain=["positive", "negative"], range=[POSITIVE_COLOUR, NEGATIVE_COLOUR]
                ),
                legend=None,
            ),
            tooltip=tooltip,
        )
    )
    whiskers = (
        alt.Chart().mark_rule(color="#222", strokeWidth=1.2).encode(y, x="ci_low:Q", x2="ci_high:Q")
    )
    labels = (
        alt.Chart()
        .mark_text(align="left", dx=6, fontSize=FONT_SIZE, color=TEXT_COLOUR)
        .encode(y, x=alt.X("label_x:Q"), text="label:N")
    )
    withheld = (
        alt.Chart()
        .mark_text(
            align="left",
            dx=6,
            fontSize=FONT_SIZE,
            color=TEXT_COLOUR,
            fontStyle="italic",
            description="suppressed groups",
        )
        .encode(y, x=alt.value(0), text="label:N")
        .transform_filter("!isValid(datum.index_score)")
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#666", aria=False).encode(x="x:Q")
    marks = [bars, whiskers, labels] + ([withheld] if plot["index_score"].isna().any() else [])
    chart = alt.layer(zero, alt.layer(*marks, data=plot)).properties(
        width=width, height=alt.Step(ROW_STEP)
    )
    if title:
        chart = chart.properties(title=alt.Title(title, anchor="start", fontSize=13))
    return _configured(chart, describe_groups(frame, title))


def describe_groups(frame: pd.DataFrame, title: str) -> str:
    parts = [
        f"{row} {SUPPRESSED}"
        if flag(sp)
        else f"{row} {signed(s)}"
        + {"above": " (significantly above the rest)", "below": " (significantly below)"}.get(
            str(v), ""
        )
        for row, s, v, sp in zip(
            frame.row, frame.index_score, frame.vs_rest, frame.suppressed, strict=True
        )
    ]
    return f"{title or 'Index by group'}: " + "; ".join(parts) + "."


def paired_chart(
    frame: pd.DataFrame,
    mission_order: Sequence[str],
    group_order: Sequence[str],
    *,
    width: int | str = "container",
) -> alt.LayerChart:
    """Every mission's index for two or more groups side by side (most vs least deprived,
    urban vs rural): a dot per group (colour and shape) on a rule between them."""
    plot = frame.assign(score=frame["index_score"].round(1))[
        ["mission_name", "row", "index_score", "score", "unweighted_base", "suppressed"]
    ]
    plot = plot[~plot["suppressed"].map(flag)]
    y = alt.Y(
        "mission_name:N",
        sort=list(mission_order),
        title=None,
        axis=alt.Axis(labelLimit=240, labelOverlap=False),
    )
    shapes = ["circle", "square", "triangle-up", "diamond", "cross"]
    legend = {
        "title": None,
        "sort": list(group_order),
        "legend": alt.Legend(columns=legend_columns(len(group_order))),
    }
    span = (
        alt.Chart()
        .mark_rule(color="#999", strokeWidth=2)
        .encode(y, x="min(index_score):Q", x2="max(index_score):Q")
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=120, opacity=1)
        .encode(
            y,
            x=alt.X("index_score:Q", title="Index (-200 to +200)"),
            color=alt.Color("row:N", scale=_group_colour(group_order), **legend),
            shape=alt.Shape(
                "row:N",
                scale=alt.Scale(domain=list(group_order), range=shapes[: len(group_order)]),
                **legend,
            ),
            tooltip=[
                alt.Tooltip("mission_name:N", title="Mission"),
                alt.Tooltip("row:N", title="Group"),
                alt.Tooltip("score:Q", title="Index"),
                alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
            ],
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#666", aria=False).encode(x="x:Q")
    chart = alt.layer(zero, alt.layer(span, dots, data=plot)).properties(
        width=width, height=alt.Step(ROW_STEP)
    )
    description = (
        "Index by mission for "
        + " and ".join(group_order)
        + ": "
        + "; ".join(
            f"{m}: "
            + ", ".join(f"{r} {signed(s)}" for r, s in zip(rows.row, rows.index_score, strict=True))
            for m, rows in plot.groupby("mission_name", sort=False)
        )
    )
    return _configured(chart, description + ".")


# --------------------------------------------------------------------------------------
# Answers (perceptions)
# --------------------------------------------------------------------------------------
def answer_palette(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Answers in scale order and an ordered palette: a diverging blue-to-red ramp over the
    scale's substantive answers (first to last), greys for don't know and refused."""
    answers = frame.sort_values("response_code").drop_duplicates("response_code")
    labels = answers["response_label"].tolist()
    kinds = answers["answer_kind"].fillna("substantive").tolist()
    substantive = [lab for lab, kind in zip(labels, kinds, strict=True) if kind == "substantive"]
    steps = max(len(substantive) - 1, 1)
    ramp = [_ramp(i / steps) for i in range(len(substantive))]
    colours = dict(zip(substantive, ramp, strict=True))
    greys = iter(["#8c8c8c", "#bdbdbd", "#d9d9d9", "#f0f0f0"] * 3)
    return labels, [colours.get(lab) or next(greys) for lab in labels]


_RAMP = ("#2166ac", "#67a9cf", "#d1e5f0", "#fddbc7", "#ef8a62", "#b2182b")


def _ramp(position: float) -> str:
    """A colour on the diverging ramp, 0 = first answer (blue) to 1 = last (red)."""
    return _RAMP[round(position * (len(_RAMP) - 1))]


def answers_chart(
    frame: pd.DataFrame, row_order: Sequence[str], *, width: int | str = "container"
) -> alt.LayerChart:
    """Weighted % giving each answer, stacked per group (`row`, labelled with its base);
    answers in scale order with an ordered palette. Suppressed groups show the word."""
    answer_order, palette = answer_palette(frame)
    plot = frame.assign(
        pct=frame["weighted_pct"].round(1),
        low=frame["low_base"].map({True: "yes", False: "no"}).fillna("–"),
    )[
        [
            "row",
            "group_label",
            "response_code",
            "response_label",
            "weighted_pct",
            "pct",
            "unweighted_base",
            "low",
            "suppressed",
        ]
    ]
    suppressed = plot["suppressed"].map(flag)
    shown = plot[~suppressed]
    withheld = plot[suppressed].drop_duplicates("row")
    y = alt.Y(
        "row:N",
        sort=list(row_order),
        title=None,
        scale=alt.Scale(domain=list(row_order)),
        axis=alt.Axis(labelLimit=320, labelOverlap=False),
    )
    tooltip = [
        alt.Tooltip("group_label:N", title="Group"),
        alt.Tooltip("response_label:N", title="Answer"),
        alt.Tooltip("pct:Q", title="Weighted %"),
        alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
        alt.Tooltip("low:N", title="Low base"),
    ]
    bars = (
        alt.Chart(shown)
        .mark_bar(height={"band": 0.75})
        .encode(
            y,
            x=alt.X(
                "weighted_pct:Q",
                title="Weighted % of base",
                stack="zero",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color(
                "response_label:N",
                title="Answer",
                sort=answer_order,
                scale=alt.Scale(domain=answer_order, range=palette),
                legend=alt.Legend(
                    orient="top",
                    columns=legend_columns(len(answer_order)),
                    labelLimit=260,
                    labelExpr=wrapped_labels(answer_order),
                ),
            ),
            order=alt.Order("response_code:Q", sort="ascending"),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart(withheld)
        .mark_text(
            align="left",
            dx=4,
            color=TEXT_COLOUR,
            fontStyle="italic",
            description="suppressed groups",
        )
        .encode(
            y,
            x=alt.value(0),
            text=alt.value(f"{SUPPRESSED}: base too small to publish"),
            tooltip=[
                alt.Tooltip("group_label:N", title="Group"),
                alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
            ],
        )
    )
    chart = alt.layer(bars, *([text] if len(withheld) else [])).properties(
        width=width, height=alt.Step(ROW_STEP + 4)
    )
    description = "Weighted % giving each answer: " + "; ".join(
        f"{row}: "
        + ", ".join(
            f"{a} {p:.0f}%"
            for a, p in zip(rows.response_label, rows.weighted_pct, strict=True)
            if not pd.isna(p)
        )
        for row, rows in shown.groupby("row", sort=False)
    )
    return _configured(chart, description + ".")


def nets_chart(
    frame: pd.DataFrame,
    wave_order: Sequence[str],
    group_order: Sequence[str],
    *,
    title: str = "",
    width: int | str = "container",
) -> alt.LayerChart:
    """A net's % by wave (the report's headline figure) for some groups, with the % as a
    label; a ◆ where the change since the previous wave is significant."""
    plot = frame.assign(
        label=[f"{p:.0f}%" if not pd.isna(p) else "" for p in frame["pct"]],
        shown_significant=frame["change_significant"].map(flag),
    )[["wave_id", "row", "pct", "label", "shown_significant", "unweighted_base"]]
    x = alt.X("wave_id:O", sort=list(wave_order), title=None, axis=alt.Axis(labelAngle=0))
    y = alt.Y("pct:Q", title="%", scale=alt.Scale(domain=[0, 100]))
    colour = alt.Color(
        "row:N",
        title=None,
        sort=list(group_order),
        scale=_group_colour(group_order),
        legend=alt.Legend(columns=legend_columns(len(group_order))),
    )
    line = alt.Chart().mark_line(point=True).encode(x, y, color=colour)
    labels = (
        alt.Chart().mark_text(dy=-10, fontSize=11, color=TEXT_COLOUR).encode(x, y, text="label:N")
    )
    significant = (
        alt.Chart()
        .mark_point(
            shape="diamond",
            filled=True,
            size=120,
            stroke="black",
            description="significant changes since the previous wave",
        )
        .encode(x, y, color=colour)
        .transform_filter("datum.shown_significant === true")
    )
    marks = [line, labels] + ([significant] if plot["shown_significant"].any() else [])
    chart = alt.layer(*marks, data=plot).properties(width=width, height=180)
    if title:
        chart = chart.properties(title=alt.Title(title, anchor="start", fontSize=13))
    description = f"{title or 'Net'} by wave: " + "; ".join(
        f"{row}: "
        + ", ".join(
            f"{w} {p:.0f}%" for w, p in zip(r.wave_id, r.pct, strict=True) if not pd.isna(p)
        )
        for row, r in plot.groupby("row", sort=False)
    )
    return _configured(chart, description + ".")
