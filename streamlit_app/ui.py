"""Layout helpers shared by the pages: pickers, deep links, formatting, charts, downloads.

Pages call these and `data`; nothing here runs SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st
from lui import contract
from lui.contract import Thresholds

import data

ABOVE_COLOUR = "#bfe3c0"  # significantly above the rest of the sample
BELOW_COLOUR = "#f4c2c2"  # significantly below
EMPHASIS_COLOUR = "#ffe08a"  # priority given more emphasis than average
MAX_GROUPS = 4
UK_COLOUR = "#444444"
GROUP_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
SUPPRESSED = "suppressed"
LOW_BASE_MARK = "†"
EMPHASIS_MARK = "●"

METHODOLOGY = """
**How the Levelling Up Index is calculated.** Every answer maps to points from +200 to -200
through its answer scale (a five-step scale gives +200, +100, 0, -100, -200; "Don't know"
gives 0 and counts; refusals and questions not asked do not count; negative wordings score
in reverse; 0-10 scales map linearly). A respondent's mission score is the weighted average
of the points of the mission's questions they answered; a group's index is the
survey-weighted mean of its respondents' scores, so it runs from -200 to +200.

**Uncertainty.** Standard errors use Taylor linearisation for a weighted single-stage design
(as R's `survey::svymean`); the {level} interval is the index ± {z} SE. A group is
*significantly above/below* when it differs from the rest of the sample (everyone in the
wave not in the group) with |z| > {z}; a change between waves is significant on the same
test using both waves' standard errors. The effective base, (Σw)² / Σw², is the sample size
the weighted estimate is as precise as.

**Bases and disclosure.** Bases are unweighted respondents with a score on the mission (or
who answered the question). Groups with fewer than {low_base} respondents are flagged as a
low base (†, treat with caution); groups with fewer than {suppression} are suppressed: no
score, interval or flag is published, only the base.

**Trend breaks.** When the questions behind a mission change between waves (a
questionnaire change), the wave is marked as a trend break: its change since the previous
wave is not like for like.

**Source.** Published marts of the Levelling Up Index warehouse (read-only copy), built with
dbt from the landed survey waves. Figures are rounded for display; the CSV downloads carry
full precision.
"""


# --------------------------------------------------------------------------------------
# Published marts and empty states
# --------------------------------------------------------------------------------------
def require_marts() -> data.Marts:
    """The published marts, or a clear message and a stop when there are none."""
    marts = data.published()
    if marts is None:
        st.info(
            "No marts published yet: run `make demo` or `lui build`.  \n"
            f"The app looks for the published file at `{data.marts_path()}` "
            "(set `LUI_MARTS` to point elsewhere)."
        )
        st.stop()
    try:
        wave_frame = data.waves(marts)
    except data.MartsOutdated as error:
        st.warning(str(error))
        st.stop()
    except data.MartsUnavailable as error:
        st.warning(
            "The published file could not be read as marts (it may be from an older build "
            f"or being replaced). Try again in a moment.  \nDetail: {error}"
        )
        st.stop()
    if wave_frame.empty:
        st.info("The published marts hold no waves yet: land a wave and run `lui build`.")
        st.stop()
    return marts


def publication_caption(marts: data.Marts) -> str:
    """One line on which copy of the marts is shown."""
    wave_frame = data.waves(marts)
    pub = data.publication(marts)
    latest = wave_frame["wave_id"].iloc[-1]
    when = (
        f"published {pd.Timestamp(pub['published_at'].iloc[0]):%d %b %Y %H:%M} UTC, "
        if not pub.empty
        else ""
    )
    return f"Marts {when}{len(wave_frame)} wave(s), latest {latest}."


# --------------------------------------------------------------------------------------
# Pickers and deep links (?breakdown=region&groups=London&groups=North+East)
# --------------------------------------------------------------------------------------
def breakdown_label(breakdown: str) -> str:
    return data.BREAKDOWN_LABELS.get(breakdown, breakdown)


def _link_value(param: str, options: Sequence[str]) -> str | None:
    """A query-parameter value only if it is one of the known options."""
    value = st.query_params.get(param)
    return value if value in options else None


def _link_values(param: str, options: Sequence[str]) -> list[str]:
    return [v for v in st.query_params.get_all(param) if v in options]


def _warn_unknown_link(param: str, options: Sequence[str]) -> None:
    unknown = [v for v in st.query_params.get_all(param) if v not in options]
    if unknown:
        st.warning(
            f"The link asked for {len(unknown)} unknown {param} value(s); they were ignored."
        )


def breakdown_picker(
    marts: data.Marts, key: str, *, default: str = "region", include_all: bool = True
) -> str:
    """Selectbox of the breakdowns in the marts; a valid ?breakdown= sets its first value."""
    options = data.breakdowns(marts)
    if not include_all and len(options) > 1:
        options = [b for b in options if b != "all"]
    if key not in st.session_state:
        _warn_unknown_link("breakdown", options)
        st.session_state[key] = _link_value("breakdown", options) or (
            default if default in options else options[0]
        )
    return st.selectbox("Breakdown", options, key=key, format_func=breakdown_label)


def _default_groups(breakdown: str, options: Sequence[str], limit: int) -> list[str]:
    linked = _link_values("groups", options)
    if st.query_params.get("breakdown") == breakdown and linked:
        return linked[:limit]
    preferred = [g for g in ("North East", "London") if g in options]
    return (preferred or list(options))[: min(limit, 2)]


def groups_picker(marts: data.Marts, breakdown: str, key: str) -> list[str]:
    """Up to four groups of a breakdown (a fresh choice per breakdown)."""
    options = data.groups(marts, breakdown)
    widget_key = f"{key}_{breakdown}"
    if widget_key not in st.session_state:
        if st.query_params.get("breakdown") == breakdown:
            _warn_unknown_link("groups", options)
        st.session_state[widget_key] = _default_groups(breakdown, options, MAX_GROUPS)
    return st.multiselect(
        f"Groups to compare (up to {MAX_GROUPS})",
        options,
        key=widget_key,
        max_selections=MAX_GROUPS,
    )


def group_picker(marts: data.Marts, breakdown: str, key: str) -> str:
    """One group of a breakdown."""
    options = data.groups(marts, breakdown)
    widget_key = f"{key}_{breakdown}"
    if widget_key not in st.session_state:
        linked = _link_value("group", options) or next(iter(_link_values("groups", options)), None)
        st.session_state[widget_key] = linked or (data.UK if data.UK in options else options[0])
    return st.selectbox("Group", options, key=widget_key)


def wave_picker(wave_ids: Sequence[str], key: str) -> str:
    """A wave, newest first (a valid ?wave= sets its first value)."""
    options = list(reversed(list(wave_ids)))
    if key not in st.session_state:
        _warn_unknown_link("wave", options)
        st.session_state[key] = _link_value("wave", options) or options[0]
    return st.selectbox("Wave", options, key=key)


def question_picker(questions: pd.DataFrame, key: str) -> str:
    """A question by its short label (a valid ?question= sets its first value)."""
    options = questions["question_code"].tolist()
    labels = dict(zip(questions["question_code"], questions["short_label"], strict=True))
    if key not in st.session_state:
        _warn_unknown_link("question", options)
        st.session_state[key] = _link_value("question", options) or options[0]
    return st.selectbox("Question", options, key=key, format_func=lambda q: labels.get(q, q))


def set_link(**params: str | list[str]) -> None:
    """Keep the address bar in step with the page's choices so the view can be shared."""
    wanted = {name: [v] if isinstance(v, str) else list(v) for name, v in params.items()}
    current = {name: st.query_params.get_all(name) for name in st.query_params}
    if current != wanted:
        st.query_params.from_dict(wanted)


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------
def signed(value: float | None, digits: int = 0) -> str:
    """+16, -33, 0 (the report's style); an en dash for a missing value."""
    if value is None or pd.isna(value):
        return "–"
    rounded = round(float(value), digits)
    if rounded == 0:
        return f"{0:.{digits}f}"
    return f"{rounded:+.{digits}f}"


def flag(value: object) -> bool:
    """A nullable boolean from the marts (None, NA, numpy or Python bool) as a plain bool."""
    return value is not None and not pd.isna(value) and bool(value)


def movement(significant: object, change: object) -> str:
    """'rise' / 'fall' when the change is significant, else ''."""
    if not flag(significant) or change is None or pd.isna(change) or change == 0:
        return ""
    return "rise" if float(change) > 0 else "fall"


def fieldwork(start: object, end: object) -> str:
    """17-23 Feb 2022."""
    a, b = pd.Timestamp(start), pd.Timestamp(end)
    if a.year != b.year:
        return f"{a:%d %b %Y} – {b:%d %b %Y}"
    if a.month != b.month:
        return f"{a:%d %b} – {b:%d %b %Y}"
    return f"{a:%d}–{b:%d %b %Y}"


def fieldwork_caption(wave_frame: pd.DataFrame, wave_ids: Sequence[str] | None = None) -> str:
    """Fieldwork dates and sample sizes of some waves (default: all)."""
    frame = wave_frame if wave_ids is None else wave_frame[wave_frame["wave_id"].isin(wave_ids)]
    parts = [
        f"{row.wave_id}: {fieldwork(row.fieldwork_start, row.fieldwork_end)} "
        f"(n = {row.respondents:,})"
        for row in frame.itertuples()
    ]
    return "Fieldwork: " + "; ".join(parts) + "."


def bases_caption(frame: pd.DataFrame, label_column: str = "group_label") -> str:
    """Base: UK (4,000); London (512)..., from the largest unweighted base per group."""
    bases = frame.groupby(label_column, sort=False)["unweighted_base"].max()
    return "Base (respondents): " + "; ".join(f"{g} ({n:,})" for g, n in bases.items()) + "."


def download_csv(frame: pd.DataFrame, file_name: str, key: str, label: str = "") -> None:
    st.download_button(
        label or "Download CSV",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def rules() -> Thresholds:
    """The thresholds of the published copy (`data.thresholds`), the project's without one."""
    marts = data.published()
    try:
        return data.thresholds(marts) if marts is not None else contract.thresholds()
    except data.MartsUnavailable:
        return contract.thresholds()


def base_rules_caption(rules: Thresholds) -> str:
    """The low-base and suppression rules in one sentence pair, with the copy's thresholds."""
    return (
        f"{LOW_BASE_MARK} low base (under {rules.low_base_threshold} respondents): treat with "
        f"caution. 'suppressed': under {rules.suppression_threshold} respondents, not published. "
    )


def methodology() -> None:
    current = rules()
    with st.expander("Methodology notes"):
        st.markdown(
            METHODOLOGY.format(
                level=current.confidence_level,
                z=f"{current.z_critical:g}",
                low_base=current.low_base_threshold,
                suppression=current.suppression_threshold,
            )
        )


# --------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------
def trend_chart(
    frame: pd.DataFrame,
    wave_order: Sequence[str],
    mission_order: Sequence[str],
    group_order: Sequence[str],
) -> alt.FacetChart:
    """Index by wave per mission: a line per group, its 95% interval as a band, diamonds
    where the change since the previous wave is significant, rings on low bases and a
    dashed rule (labelled) at trend breaks. Suppressed points are gaps."""
    plot = frame.assign(
        fieldwork=[
            fieldwork(a, b) for a, b in zip(frame.fieldwork_start, frame.fieldwork_end, strict=True)
        ],
        score=frame["index_score"].round(1),
        interval=[
            "suppressed" if pd.isna(lo) else f"{lo:.1f} to {hi:.1f}"
            for lo, hi in zip(frame.ci_low, frame.ci_high, strict=True)
        ],
        change=frame["change_vs_previous"].round(1),
        significant=frame["change_significant"].map({True: "yes", False: "no"}).fillna("–"),
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
            "significant",
            "unweighted_base",
            "effective",
            "fieldwork",
            "change_significant",
            "trend_break",
            "low_base",
            "suppressed",
        ]
    ]
    single_wave = len(wave_order) == 1
    x = alt.X("wave_id:O", sort=list(wave_order), title="Wave", axis=alt.Axis(labelAngle=0))
    y = alt.Y("index_score:Q", title="Index (-200 to +200)", scale=alt.Scale(zero=False))
    palette = iter(GROUP_COLOURS)
    colour = alt.Color(
        "group_label:N",
        title="Group",
        sort=list(group_order),
        scale=alt.Scale(
            domain=list(group_order),
            range=[UK_COLOUR if g == data.UK else next(palette) for g in group_order],
        ),
    )
    tooltip = [
        alt.Tooltip("group_label:N", title="Group"),
        alt.Tooltip("mission_name:N", title="Mission"),
        alt.Tooltip("wave_id:N", title="Wave"),
        alt.Tooltip("fieldwork:N", title="Fieldwork"),
        alt.Tooltip("score:Q", title="Index"),
        alt.Tooltip("interval:N", title="95% interval"),
        alt.Tooltip("change:Q", title="Change vs previous wave"),
        alt.Tooltip("significant:N", title="Change significant"),
        alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
        alt.Tooltip("effective:Q", title="Effective base", format=","),
        alt.Tooltip("low_base:N", title="Low base"),
        alt.Tooltip("suppressed:N", title="Suppressed"),
    ]
    band = alt.Chart().mark_area(opacity=0.18).encode(x, y="ci_low:Q", y2="ci_high:Q", color=colour)
    line = alt.Chart().mark_line(invalid="break-paths-show-domains").encode(x, y, color=colour)
    points = (
        alt.Chart().mark_point(filled=True, size=35).encode(x, y, color=colour, tooltip=tooltip)
    )
    significant = (
        alt.Chart()
        .mark_point(shape="diamond", filled=True, size=130, stroke="black", strokeWidth=1)
        .encode(x, y, color=colour, tooltip=tooltip)
        .transform_filter("datum.change_significant === true")
    )
    low = (
        alt.Chart()
        .mark_point(shape="circle", filled=False, size=260, color="#555", strokeDash=[2, 2])
        .encode(x, y, tooltip=tooltip)
        .transform_filter("datum.low_base === true && datum.suppressed !== true")
    )
    breaks = (
        alt.Chart()
        .mark_rule(strokeDash=[5, 4], color="#444", strokeWidth=1.5)
        .encode(x)
        .transform_filter("datum.trend_break === true")
    )
    break_label = (
        alt.Chart()
        .mark_text(align="left", baseline="top", dx=4, dy=2, fontSize=10, color="#444")
        .encode(x, y=alt.value(0), text=alt.value("trend break"))
        .transform_filter("datum.trend_break === true")
    )
    layers = [band, line, points, significant, low, breaks, break_label]
    if single_wave:
        layers.insert(
            1, alt.Chart().mark_rule().encode(x, y="ci_low:Q", y2="ci_high:Q", color=colour)
        )
    return (
        alt.layer(*layers, data=plot)
        .properties(width=250, height=170)
        .facet(
            facet=alt.Facet("mission_name:N", sort=list(mission_order), title=None),
            columns=3,
        )
        .resolve_scale(y="independent")
        .configure_legend(orient="top", symbolOpacity=1, symbolType="stroke", symbolStrokeWidth=3)
    )


def scorecard_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """Latest index per mission with its 95% interval; colour: change since previous wave."""
    plot = frame.assign(
        score=frame["index_score"].round(1),
        change=frame["change_vs_previous"].round(1),
        movement=[
            f"significant {m}" if m else "no significant change"
            for m in map(movement, frame.change_significant, frame.change_vs_previous)
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
    colour = alt.Color(
        "movement:N",
        title="Since previous wave",
        scale=alt.Scale(
            domain=["significant rise", "no significant change", "significant fall"],
            range=["#2e7d32", "#607d8b", "#c62828"],
        ),
    )
    tooltip = [
        alt.Tooltip("mission_name:N", title="Mission"),
        alt.Tooltip("score:Q", title="Index"),
        alt.Tooltip("ci_low:Q", title="95% low", format=".1f"),
        alt.Tooltip("ci_high:Q", title="95% high", format=".1f"),
        alt.Tooltip("change:Q", title="Change vs previous"),
        alt.Tooltip("unweighted_base:Q", title="Base (n)", format=","),
    ]
    bars = (
        alt.Chart()
        .mark_rule(strokeWidth=2, color="#90a4ae")
        .encode(y, x=alt.X("ci_low:Q", title="Index (-200 to +200), 95% interval"), x2="ci_high:Q")
    )
    dots = (
        alt.Chart()
        .mark_point(filled=True, size=90)
        .encode(y, x="index_score:Q", color=colour, tooltip=tooltip)
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#bbb").encode(x="x:Q")
    return (
        alt.layer(zero, alt.layer(bars, dots, data=plot))
        .properties(height=30 * len(plot) + 20)
        .configure_legend(orient="top")
    )


def answers_chart(frame: pd.DataFrame, row_order: Sequence[str]) -> alt.LayerChart:
    """Weighted % giving each answer, stacked per group (`row`, labelled with its base);
    answers in scale order (response_code). Suppressed groups show the word instead."""
    answer_order = list(
        frame.sort_values("response_code").drop_duplicates("response_code")["response_label"]
    )
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
    suppressed = plot["suppressed"].fillna(False).astype(bool)
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
        .mark_bar()
        .encode(
            y,
            x=alt.X(
                "weighted_pct:Q",
                title="Weighted % of the question's base",
                stack="zero",
                scale=alt.Scale(domain=[0, 100]),
            ),
            color=alt.Color(
                "response_label:N",
                title="Answer",
                sort=answer_order,
                scale=alt.Scale(domain=answer_order),
                legend=alt.Legend(orient="top", columns=4, labelLimit=260),
            ),
            order=alt.Order("response_code:Q", sort="ascending"),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart(withheld)
        .mark_text(align="left", dx=4, color="#555", fontStyle="italic")
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
    return alt.layer(bars, text).properties(height=28 * len(row_order) + 20)


# --------------------------------------------------------------------------------------
# Report-style tables
# --------------------------------------------------------------------------------------
def shaded_table(
    frame: pd.DataFrame,
    *,
    rows: str,
    columns: str,
    text: str,
    shade: str,
    row_order: Sequence[str],
    column_order: Sequence[str],
    first_columns: dict[str, list[str]] | None = None,
) -> pd.io.formats.style.Styler:
    """Pivot a long frame into rows x columns of display text, each cell shaded by `shade`
    (a CSS colour or empty); `first_columns` (unshaded) go before the pivoted ones."""
    texts = (
        frame.pivot(index=rows, columns=columns, values=text)
        .reindex(index=list(row_order), columns=list(column_order))
        .fillna("–")
    )
    shades = (
        frame.pivot(index=rows, columns=columns, values=shade)
        .reindex(index=list(row_order), columns=list(column_order))
        .fillna("")
    )
    for position, (name, values) in enumerate((first_columns or {}).items()):
        texts.insert(position, name, values)
        shades.insert(position, name, "")
    texts.index.name = texts.columns.name = None
    css = shades.map(lambda colour: f"background-color: {colour}" if colour else "")
    css.index, css.columns = texts.index, texts.columns
    return texts.style.apply(lambda _: css, axis=None)


def index_cell(score: float | None, low_base: bool, suppressed: bool) -> str:
    """A table cell of the index: +16, +16 † for a low base, 'suppressed'."""
    if suppressed:
        return SUPPRESSED
    return signed(score) + (f" {LOW_BASE_MARK}" if low_base else "")


def percent_cell(
    pct: float | None, low_base: object, suppressed: object, emphasis: object = False
) -> str:
    """A table cell of a weighted %: 42%, 42% ● for more emphasis than the rest, 42% † for
    a low base, 'suppressed' (also when there is no %)."""
    if flag(suppressed) or pct is None or pd.isna(pct):
        return SUPPRESSED
    return (
        f"{pct:.0f}%"
        + (f" {EMPHASIS_MARK}" if flag(emphasis) else "")
        + (f" {LOW_BASE_MARK}" if flag(low_base) else "")
    )


def group_names(frame: pd.DataFrame) -> pd.Series:
    """Each row's group as the tables show it: 'All UK' for the UK, else its group label."""
    return frame["group_label"].where(frame["breakdown"] != "all", data.BREAKDOWN_LABELS["all"])


def vs_rest_colour(vs_rest: object) -> str:
    return {"above": ABOVE_COLOUR, "below": BELOW_COLOUR}.get(str(vs_rest), "")
