"""The wave report as an A4 PDF: overview and key findings, the 12 mission pages, urban vs
rural, most vs least deprived, index by ONS area classification, perceptions, priorities,
methodology and bases.

The charts are the app's Altair charts (charts.py) rendered to SVG by vl-convert (offline)
and laid out in HTML that headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) prints to A4: vector charts, selectable text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd

from lui.contract import Thresholds
from lui.present import charts, findings, hexmap, queries, release, sections
from lui.present.formatting import (
    ABOVE_MARK,
    BELOW_MARK,
    BREAK_MARK,
    EMPHASIS_MARK,
    LOW_BASE_MARK,
    UK,
    base_note,
    fieldwork,
    methods,
    weighting_report,
)
from lui.present.tables import (
    ReportError,
    answers_table,
    answers_until,
    bases_table,
    breakdown_table,
    nets_table,
    overview_table,
    paired_table,
    priorities_table,
    published_waves,
    top_priorities_table,
    waves_table,
)

CHROMIUM = Path("/usr/bin/chromium")
# headless Chromium as root in a container: no sandbox, no GPU, no /dev/shm (the browser test
# launches it the same way)
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage")
# Chart widths in CSS px (the SVG's whole width, axes and labels included: the charts autosize
# with fit-x, padding contained). An A4 page less 12 mm margins is 186 mm, 703 px; each chart
# is drawn at the width it is shown at, never scaled or squeezed by the layout.
FULL_WIDTH = 680
HALF_WIDTH = 330


@dataclass
class Section:
    """One block of the report: a heading, prose before (`intro`), bullet points, tables,
    charts (SVG; a pair of half-width charts sits side by side), prose after (`notes`), and
    sub-sections of (heading, markdown) for the methods."""

    heading: str
    level: int = 2
    intro: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    charts: list[alt.TopLevelMixin] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    new_page: bool = False
    side_by_side: bool = False
    columns: int = 0  # charts in a grid of this many columns (small multiples)
    notice: str = ""


# --------------------------------------------------------------------------------------
# The report's structure
# --------------------------------------------------------------------------------------
def _bars(rows: pd.DataFrame, title: str, width: int) -> alt.TopLevelMixin:
    """A mission page's bar chart of some groups, in the rows' order."""
    return charts.groups_chart(rows, list(rows["row"]), title=title, width=width)


def _long_date(value: object) -> str:
    return f"{pd.Timestamp(value):%-d %B %Y}"


def front_matter(
    marts: queries.Marts, wave_row: pd.Series, about: release.Release
) -> tuple[list[str], str]:
    """Page 1's release facts (date, next release, contact, fieldwork, sample) and, for a
    wave from a synthetic file, the notice saying so."""
    published = queries.publication(marts)
    released = about.release_date or (
        published["published_at"].iloc[0] if not published.empty else None
    )
    facts = [f"<b>Release date:</b> {_long_date(released)}" if released is not None else ""]
    if about.next_release:
        facts.append(f"<b>Next release:</b> {_long_date(about.next_release)}")
    if about.contact:
        facts.append(f"<b>Contact:</b> {html.escape(about.contact)}")
    facts.append(
        f"<b>Fieldwork:</b> {fieldwork(wave_row.fieldwork_start, wave_row.fieldwork_end)}; "
        f"{wave_row.respondents:,} UK adults aged 16 and over"
    )
    lines = [" · ".join(f for f in facts if f)]
    notice = (
        html.escape(release.SYNTHETIC_NOTE)
        if about.synthetic([str(wave_row.source_sha256)])
        else ""
    )
    return lines, notice


def things_to_know(
    wave_frame: pd.DataFrame,
    wave_row: pd.Series,
    about: release.Release,
    rules: Thresholds,
    weighting: pd.DataFrame | None = None,
) -> list[tuple[str, str]]:
    """The methods in the ONS "things you need to know" order: the survey (sample, mode,
    fieldwork, weighting), then how the figures are made and what they cannot show."""
    waves = "; ".join(
        f"{row.wave_id}: {fieldwork(row.fieldwork_start, row.fieldwork_end)}"
        for row in wave_frame.itertuples()
    )
    survey = [
        ("Sample", about.sample),
        ("Mode", about.mode),
        (
            "Fieldwork",
            f"This wave: {fieldwork(wave_row.fieldwork_start, wave_row.fieldwork_end)}, "
            f"{wave_row.respondents:,} respondents. Every wave: {waves}.",
        ),
        ("Weighting", about.weighting),
    ]
    this_wave = (
        weighting[weighting["wave_id"] == wave_row.wave_id]
        if weighting is not None
        else pd.DataFrame()
    )
    if not this_wave.empty:
        survey.append(("Weighting this wave", weighting_report(this_wave.iloc[0])))
    return survey + methods(rules)


def sections_for(marts: queries.Marts, wave_id: str) -> list[Section]:
    """Every section of the wave report, in the printed report's order."""
    wave_frame = published_waves(marts, wave_id)
    wave_ids = wave_frame["wave_id"].tolist()
    wave_row = wave_frame[wave_frame["wave_id"] == wave_id].iloc[0]
    dates = fieldwork(wave_row.fieldwork_start, wave_row.fieldwork_end)
    thresholds = queries.thresholds(marts)
    about = release.load()
    missions = queries.missions(marts)
    mission_names = missions["mission_name"].tolist()
    index = queries.wave_index(marts, wave_id)
    uk = index[index["breakdown"] == "all"]
    base_line = f"Base: all UK adults 16+ ({wave_row.respondents:,}). Fieldwork dates: {dates}."
    marks = (
        f"{ABOVE_MARK} / {BELOW_MARK} significantly above / below the rest of the sample; "
        f"{BREAK_MARK} trend break; " + base_note(thresholds)
    )
    facts, notice = front_matter(marts, wave_row, about)
    main_points = findings.key_findings(
        index, queries.significance_tests(marts, wave_id), thresholds
    )
    out = [
        Section(f"Levelling Up Index: wave {wave_id}", level=1, intro=facts, notice=notice),
        Section(
            "Main points",
            bullets=[html.escape(f.text) for f in main_points],
            notes=[
                "Differences are reported as findings only when they remain significant after "
                "controlling the false discovery rate across the wave's tests, and for groups "
                f"of at least {thresholds.low_base_threshold} respondents (the methods "
                "are at the end of the report)."
            ],
        ),
        Section(
            "Overview: index scores for the 12 missions",
            charts=[charts.scorecard_chart(uk[~uk["suppressed"].astype(bool)], width=FULL_WIDTH)],
            tables=[("", overview_table(index, thresholds.confidence_level))],
            notes=[base_line],
        ),
    ]
    nations = queries.groups(marts, "nation")
    trends = pd.concat(
        [
            queries.mission_trends(marts, "all", (UK,)),
            queries.mission_trends(marts, "nation", tuple(nations)),
        ]
    )
    trends = trends[trends["wave_number"] <= wave_row.wave_number]
    for mission in missions.itertuples():
        rows = index[index["mission_id"] == mission.mission_id]
        questions = queries.mission_questions(marts, mission.mission_id)
        mission_trend = trends[trends["mission_id"] == mission.mission_id]
        out += [
            Section(
                f"Mission {mission.mission_id}: {mission.mission_name}",
                new_page=True,
                intro=[f"<i>“{html.escape(mission.mission_statement)}”</i>"],
                tables=[
                    (
                        "Questions used and their weights",
                        pd.DataFrame(
                            {
                                "Question": questions["question_text"],
                                "Weight": questions["question_weight"].map(lambda w: f"{w:g}"),
                            }
                        ),
                    )
                ],
                charts=[
                    _bars(
                        sections.nations_and_regions(rows),
                        "By nation and English region",
                        FULL_WIDTH,
                    )
                ],
            ),
            Section(
                "",
                side_by_side=True,
                charts=[
                    _bars(sections.deprivation_ends(rows), "Most vs least deprived", HALF_WIDTH),
                    _bars(sections.urban_rural(rows), "Urban vs rural", HALF_WIDTH),
                ],
            ),
            Section(
                "",
                charts=[
                    _bars(
                        sections.breakdown_rows(rows, "supergroup"),
                        "By ONS area supergroup",
                        FULL_WIDTH,
                    ),
                    charts.trend_chart(
                        mission_trend,
                        [w for w in wave_ids if w in set(mission_trend["wave_id"])],
                        [UK, *nations],
                        width=FULL_WIDTH,
                        height=170,
                        title="Trend: the UK and the nations",
                    ),
                ],
                notes=[marks, base_line],
            ),
        ]
    for title, frame in (
        ("Urban and rural areas", sections.urban_rural(index)),
        ("Most-deprived and least-deprived areas (IMD)", sections.deprivation_ends(index)),
    ):
        out.append(
            Section(
                title,
                new_page=True,
                tables=[("", paired_table(frame, mission_names))],
                charts=[
                    charts.paired_chart(
                        frame, mission_names, sections.paired_order(frame), width=FULL_WIDTH
                    )
                ],
                notes=[base_line, marks],
            )
        )
    out.append(
        Section(
            "Index scores by ONS area classification",
            new_page=True,
            tables=[("", breakdown_table(index, "supergroup", mission_names))],
            notes=[marks, base_line],
        )
    )
    questions = queries.perception_questions(marts)
    for position, question in enumerate(questions.itertuples()):
        history = answers_until(marts, question.question_code, wave_ids, wave_id)
        if history.empty:
            continue
        history = history.assign(row=history["wave_id"], group_label=history["wave_id"])
        nets = queries.question_nets(marts, question.question_code)
        nets = nets[nets["wave_id"].isin(set(history["wave_id"]))]
        out.append(
            Section(
                f"Perceptions: {question.short_label}",
                new_page=position % 2 == 0,
                intro=[f"<i>{html.escape(question.question_text)}</i>"],
                charts=[
                    charts.answers_chart(
                        history, list(dict.fromkeys(history["wave_id"])), width=FULL_WIDTH
                    )
                ],
                tables=[("UK, weighted % by wave", answers_table(history))]
                + ([("The report's nets, UK", nets_table(nets))] if not nets.empty else []),
            )
        )
    if wave_id in queries.priority_waves(marts):
        out.append(
            Section(
                "Priorities: top five answers in each nation",
                new_page=True,
                tables=[
                    ("", top_priorities_table(queries.top_priorities(marts, wave_id, "nation", 5)))
                ],
                notes=[
                    f"{EMPHASIS_MARK} given more emphasis than the rest of the sample "
                    f"({thresholds.confidence_level} level); {LOW_BASE_MARK} low base. " + base_line
                ],
            )
        )
        out.append(
            Section(
                "Priorities by region",
                tables=[("", priorities_table(queries.priorities(marts, "region", wave_id)))],
            )
        )
    out += local_sections(marts, wave_id, missions)
    out.append(
        Section(
            "Things you need to know",
            new_page=True,
            items=things_to_know(
                wave_frame, wave_row, about, thresholds, queries.wave_weighting(marts)
            ),
        )
    )
    out.append(
        Section(
            "Waves and bases",
            tables=[("Waves", waves_table(wave_frame)), ("Bases in this wave", bases_table(index))],
        )
    )
    return out


# the local-area maps: small multiples, three to a row, six to a page
MAP_WIDTH = 220
MAPS_PER_PAGE = 6


def local_sections(marts: queries.Marts, wave_id: str, missions: pd.DataFrame) -> list[Section]:
    """Every local authority on a hex map, one map per mission (model estimates on a
    diverging scale centred on zero; triangles where an authority's interval lies wholly
    above or below its region's), when the wave has local estimates."""
    if wave_id not in queries.local_waves(marts):
        return []
    maps = [
        hexmap.hexmap_chart(
            hexmap.mission_frame(
                queries.local_ranking(marts, mission.mission_id, wave_id),
                wave_id,
                mission.mission_id,
            ),
            title=f"{mission.mission_id}. {mission.mission_name}",
            width=MAP_WIDTH,
            legend_title="Index",
        )
        for mission in missions.itertuples()
    ]
    out = []
    for start in range(0, len(maps), MAPS_PER_PAGE):
        first = start == 0
        out.append(
            Section(
                "Local areas: every authority on each mission" if first else "",
                new_page=True,
                intro=[
                    "Model-based estimates for all 361 local authorities, one hexagon each "
                    "(red below zero, blue above). ▲ / ▼: the authority's "
                    f"{queries.thresholds(marts).confidence_level} interval lies "
                    "wholly above / below its region's. Grey: not estimable. A wave has about "
                    "a dozen respondents in a typical authority, so these are estimates under "
                    "a small-area model, not direct measurements (things you need to know)."
                ]
                if first
                else [],
                charts=maps[start : start + MAPS_PER_PAGE],
                columns=3,
            )
        )
    return out


def _markdown(text: str) -> str:
    """A paragraph of the methods' markdown (bold, italics, code) as HTML."""
    escaped = html.escape(" ".join(text.split()))
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)
    escaped = re.sub(r"\*(.+?)\*", r"<i>\1</i>", escaped)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", escaped)


# --------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------
REPORT_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #222; }
h1 { font-size: 20pt; margin: 0 0 6pt; color: #0b3d63; }
h2 { font-size: 14pt; margin: 10pt 0 4pt; color: #0b3d63; }
h3 { font-size: 10.5pt; margin: 6pt 0 3pt; }
p { margin: 3pt 0; }
ul { margin: 3pt 0 3pt 14pt; padding: 0; }
li { margin: 2pt 0; }
.page { break-before: page; }
.notice { border: 1.5pt solid #b2182b; background: #fdf0f0; padding: 6pt 8pt; margin: 6pt 0;
  font-weight: bold; }
.pair { display: grid; grid-template-columns: repeat(2, max-content); column-gap: 16px; }
.grid { display: grid; column-gap: 12px; }
.chart { margin: 4pt 0; break-inside: avoid; }
.chart svg { display: block; }
table { border-collapse: collapse; margin: 4pt 0; font-size: 8pt; width: 100%; }
th, td { border-bottom: 0.5pt solid #bbb; padding: 2pt 4pt; text-align: left; }
th { background: #eef2f6; }
tr { break-inside: avoid; }
section { break-inside: avoid-page; }
"""


def _svg(chart: alt.TopLevelMixin) -> str:
    import vl_convert

    spec = chart.to_dict()
    svg = vl_convert.vegalite_to_svg(spec)
    label = html.escape(spec.get("description", ""), quote=True)
    return f'<div class="chart" role="img" aria-label="{label}">{svg}</div>'


def _table_html(frame: pd.DataFrame) -> str:
    frame = frame.rename_axis(index=None, columns=None)  # no column's name as a header
    return frame.to_html(index=False, na_rep="–", escape=True, border=0)


def to_html(report: list[Section]) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Levelling Up Index</title><style>{REPORT_CSS}</style></head><body>"
    ]
    for section in report:
        css = "page" if section.new_page else ""
        parts.append(f"<section class='{css}'>")
        if section.heading:
            parts.append(f"<h{section.level}>{html.escape(section.heading)}</h{section.level}>")
        parts.extend(f"<p>{p}</p>" for p in section.intro)
        if section.notice:
            parts.append(f"<p class='notice'>{section.notice}</p>")
        if section.bullets:
            parts.append("<ul>" + "".join(f"<li>{b}</li>" for b in section.bullets) + "</ul>")
        for heading, text in section.items:
            parts.append(f"<h3>{html.escape(heading)}</h3><p>{_markdown(text)}</p>")
        for title, table in section.tables:
            if title:
                parts.append(f"<h3>{html.escape(title)}</h3>")
            parts.append(_table_html(table))
        svgs = [_svg(c) for c in section.charts]
        if section.side_by_side:
            parts.append("<div class='pair'>" + "".join(svgs) + "</div>")
        elif section.columns:
            parts.append(
                f"<div class='grid' style='grid-template-columns: repeat({section.columns}, "
                "max-content)'>" + "".join(svgs) + "</div>"
            )
        else:
            parts.extend(svgs)
        parts.extend(f"<p>{p}</p>" for p in section.notes)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_pdf(report: list[Section], out: Path) -> None:
    if not CHROMIUM.exists():
        raise ReportError(
            f"the PDF report needs Chromium at {CHROMIUM}: install Debian's chromium "
            "(apt-get install chromium)"
        )
    from playwright.sync_api import Error, sync_playwright

    page_html = to_html(report)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=list(CHROMIUM_ARGS),
            )
            try:
                page = browser.new_page()
                page.set_content(page_html, wait_until="load")
                page.pdf(
                    path=str(out),
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=(
                        "<div style='font-size:7pt;width:100%;text-align:center;color:#444'>"
                        "Levelling Up Index · <span class='pageNumber'></span> / "
                        "<span class='totalPages'></span></div>"
                    ),
                    margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()
    except Error as error:
        raise ReportError(
            f"Chromium could not print the report: {str(error).splitlines()[0]}"
        ) from error
