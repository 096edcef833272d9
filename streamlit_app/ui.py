"""Page furniture shared by the pages: the published copy, tables, charts with their text
alternative, downloads, methodology and the page's CSS.

Pickers live in pickers.py, cell formatting in formatting.py, chart specifications in
charts.py; nothing here runs SQL (that is queries.py).
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from lui.present import queries, report
from lui.present.charts import MOVEMENT_COLOURS
from lui.present.formatting import MOVEMENT_CLASSES, methodology_text

ABOVE_COLOUR = "#bfe3c0"  # significantly above the rest of the sample (with ▲)
BELOW_COLOUR = "#f4c2c2"  # significantly below (with ▼)
EMPHASIS_COLOUR = "#ffe08a"  # priority given more emphasis than average (with ●)

# Captions at WCAG AA contrast on white (Streamlit's default grey is 3.81:1), and print
# styles: no sidebar or toolbar, tables whole on A4 (smaller type, no clipping).
PAGE_CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p,
.stCaption { color: #4a4a4a !important; opacity: 1 !important; }
[data-testid="stTable"] table { font-variant-numeric: tabular-nums; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stDownloadButton"], [data-testid="stExpander"], .stButton {
    display: none !important;
  }
  [data-testid="stMain"], [data-testid="stMainBlockContainer"] {
    max-width: none !important; width: 100% !important; padding: 0 !important; margin: 0 !important;
  }
  [data-testid="stTable"], [data-testid="stTable"] * { overflow: visible !important; }
  [data-testid="stTable"] table { width: 100% !important; table-layout: auto; font-size: 8pt; }
  [data-testid="stTable"] th, [data-testid="stTable"] td { padding: 2px 4px !important; }
  [data-testid="stTable"] tr { break-inside: avoid; }
}
</style>
"""


# A table wider than the screen scrolls sideways inside its own box: give that box keyboard
# focus and a name, so it can be scrolled without a mouse (WCAG 2.1.1).
SCROLLABLE_TABLES_JS = """
<script>
(() => {
  if (window.__luiScrollableTables) return;
  window.__luiScrollableTables = true;
  const mark = () => document.querySelectorAll(
    '[data-testid="stTable"], [data-testid="stTable"] *'
  ).forEach(e => {
    const overflow = getComputedStyle(e).overflowX;
    const scrolls = (overflow === 'auto' || overflow === 'scroll')
      && e.scrollWidth > e.clientWidth + 1;
    if (scrolls && !e.hasAttribute('tabindex')) {
      e.setAttribute('tabindex', '0');
      e.setAttribute('role', 'region');
      e.setAttribute('aria-label', 'Table (scrolls sideways)');
    }
  });
  mark();
  new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  window.addEventListener('resize', mark);
})();
</script>
"""


def streamlit_cache(function: Callable[..., Any], max_entries: int) -> Callable[..., Any]:
    """The queries' cache in the app (lui.present.queries.use_cache): st.cache_data, shared
    by every session, keyed by the published copy's identity among the arguments."""
    return st.cache_data(show_spinner=False, max_entries=max_entries)(function)


TILE_CSS = """
<style>
.lui-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr));
  gap: 10px; margin: 4px 0 12px; }
.lui-tile { border: 1px solid #d0d7de; border-left: 6px solid var(--lui-class); border-radius: 6px;
  padding: 8px 10px; background: #fff; }
.lui-tile h3 { font-size: 0.95rem; margin: 0 0 2px; padding: 0; font-weight: 600; }
.lui-tile .lui-score { font-size: 1.7rem; font-weight: 700; line-height: 1.2; }
.lui-tile p { margin: 2px 0 0; font-size: 0.85rem; color: #333; }
</style>
"""


def group_legend(colours: dict[str, str]) -> None:
    """One legend for a grid of charts: each group's line colour and name (the name carries
    it, the colour matches the lines)."""
    entries = "".join(
        "<span style='display:inline-flex;align-items:center;margin:0 14px 4px 0'>"
        f"<span aria-hidden='true' style='display:inline-block;width:22px;height:4px;"
        f"background:{colour};margin-right:6px;border-radius:2px'></span>"
        f"{html.escape(group)}</span>"
        for group, colour in colours.items()
    )
    st.markdown(
        f"<div>Groups: {entries}</div>",
        unsafe_allow_html=True,
    )


def mission_tiles(glance: pd.DataFrame, level: str) -> None:
    """The twelve missions at a glance (sections.mission_glance): a tile each with the score
    and its changes in symbol, number and words; the tile's edge colour repeats the change
    since the previous wave's class, never carries it alone."""
    colours = dict(zip(MOVEMENT_CLASSES, MOVEMENT_COLOURS, strict=True))
    tiles = []
    for row in glance.itertuples():
        lines = [
            f"{html.escape(text)}" + (f" ({level}: {html.escape(span)})" if span else "")
            for text, span in (
                (row.previous, row.previous_interval),
                (row.baseline, row.baseline_interval),
            )
            if text
        ]
        colour = colours.get(row.previous_class, "#d0d7de")
        tiles.append(
            f"<div class='lui-tile' style='--lui-class: {colour}'>"
            f"<h3>{row.mission_id}. {html.escape(row.mission_name)}</h3>"
            f"<div class='lui-score'>{html.escape(row.score)}</div>"
            + "".join(f"<p>{line}</p>" for line in lines)
            + "</div>"
        )
    grid = "<div class='lui-tiles'>" + "".join(tiles) + "</div>"
    st.markdown(TILE_CSS + grid, unsafe_allow_html=True)


def page_style() -> None:
    st.markdown(PAGE_CSS, unsafe_allow_html=True)
    st.html(SCROLLABLE_TABLES_JS, unsafe_allow_javascript=True)


# --------------------------------------------------------------------------------------
# Published marts and empty states
# --------------------------------------------------------------------------------------
def require_marts() -> queries.Marts:
    """The published marts, or a clear message and a stop when there are none."""
    marts = queries.published()
    if marts is None:
        st.info(
            "No marts published yet: run `make demo` or `lui build`.  \n"
            f"The app looks for the published file at `{queries.marts_path()}` "
            "(set `LUI_MARTS` to point elsewhere)."
        )
        st.stop()
    try:
        wave_frame = queries.waves(marts)
    except queries.MartsOutdated as error:
        st.warning(str(error))
        st.stop()
    except queries.MartsUnavailable as error:
        st.warning(
            "The published file could not be read as marts (it may be from an older build "
            f"or being replaced). Try again in a moment.  \nDetail: {error}"
        )
        st.stop()
    if wave_frame.empty:
        st.info("The published marts hold no waves yet: land a wave and run `lui build`.")
        st.stop()
    return marts


def publication_caption(marts: queries.Marts) -> str:
    """One line on which copy of the marts is shown."""
    wave_frame = queries.waves(marts)
    pub = queries.publication(marts)
    latest = wave_frame["wave_id"].iloc[-1]
    when = (
        f"published {pd.Timestamp(pub['published_at'].iloc[0]):%d %b %Y %H:%M} UTC, "
        if not pub.empty
        else ""
    )
    return f"Marts {when}{len(wave_frame)} wave(s), latest {latest}."


def methodology(marts: queries.Marts | None) -> None:
    if marts is None:
        return
    with st.expander("Methodology notes"):
        st.markdown(methodology_text(queries.thresholds(marts)))


# --------------------------------------------------------------------------------------
# Charts and tables
# --------------------------------------------------------------------------------------
def chart(spec: alt.TopLevelMixin, table: pd.DataFrame | None = None, key: str = "") -> None:
    """An Altair chart with its text alternative: the chart's description as a caption (it
    is also the SVG's accessible label) and, when given, its data as a table."""
    st.altair_chart(spec, width="stretch")
    description = spec.to_dict().get("description", "")
    if description:
        st.caption(f"Chart in words: {description}")
    if table is not None:
        with st.expander("The chart's data as a table"):
            st.dataframe(table, hide_index=True, key=f"{key}_alt" if key else None)


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
    (a CSS colour or empty; the text carries a mark too, never colour alone);
    `first_columns` (unshaded) go before the pivoted ones."""
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


def vs_rest_colour(vs_rest: object) -> str:
    return {"above": ABOVE_COLOUR, "below": BELOW_COLOUR}.get(str(vs_rest), "")


def table(styled: pd.io.formats.style.Styler, long: pd.DataFrame, file_stem: str, key: str) -> None:
    """A report-style table, and beside it two downloads: the table as shown (rounded,
    wide, with its marks) and the long data at full precision."""
    st.table(styled)
    shown = styled.data.rename_axis("").reset_index()
    left, right = st.columns(2)
    with left:
        download_csv(shown, f"{file_stem}-as-shown.csv", f"{key}_shown", "Download table as shown")
    with right:
        download_csv(long, f"{file_stem}.csv", key, "Download data (long CSV)")


def download_csv(frame: pd.DataFrame, file_name: str, key: str, label: str = "") -> None:
    st.download_button(
        label or "Download CSV",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
    )


def report_downloads(marts: queries.Marts, wave_id: str) -> None:
    """Buttons that write the wave report (report.py, as `lui report`) and offer it."""
    left, right = st.columns(2)
    for column, file_format, label in (
        (left, "pdf", "Prepare the PDF report"),
        (right, "xlsx", "Prepare the Excel tables"),
    ):
        key = f"report_{file_format}_{wave_id}"
        with column:
            if st.button(label, key=f"{key}_button", icon=":material/description:"):
                with st.spinner("Writing the report…"), tempfile.TemporaryDirectory() as folder:
                    out = Path(folder) / f"report.{file_format}"
                    try:
                        report.write(marts, wave_id, out, file_format)
                        st.session_state[key] = out.read_bytes()
                    except report.ReportError as error:
                        st.error(str(error))
            if key in st.session_state:
                st.download_button(
                    f"Download {file_format.upper()}",
                    st.session_state[key],
                    file_name=f"levelling-up-index-{wave_id}.{file_format}",
                    mime=report.MIME_TYPES[file_format],
                    key=f"{key}_download",
                    icon=":material/download:",
                )
