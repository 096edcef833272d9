"""The wave report: the report's structure for one wave, as an A4 PDF or an Excel workbook,
from the published marts only (every query through data.py).

PDF: overview and key findings, the 12 mission pages, urban vs rural, most vs least
deprived, index by ONS area classification, perceptions, priorities, methodology and bases.
The charts are the app's Altair charts (charts.py) rendered to SVG by vl-convert (offline)
and laid out in HTML that headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) prints to A4: vector charts, selectable text.

Excel: one sheet per view, the cells as the app's tables print them (rounded, with ▲ ▼ ‡ †
● marks), bases in their own columns.

`lui report --wave W --out report.pdf` and the app's Overview page both call `write`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd

import charts
import data
import sections
from formatting import (
    ABOVE_MARK,
    BELOW_MARK,
    BREAK_MARK,
    EMPHASIS_MARK,
    LOW_BASE_MARK,
    UK,
    base_note,
    breakdown_label,
    change_cells,
    change_mark,
    fieldwork,
    group_names,
    index_cells,
    interval,
    methodology_text,
    percent_cells,
)

CHROMIUM = Path("/usr/bin/chromium")
FORMATS = ("pdf", "xlsx")
MIME_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FULL_WIDTH = 600  # px of a chart's plot area across an A4 portrait page
HALF_WIDTH = 230


class ReportError(Exception):
    """A reason the report cannot be written (the CLI turns it into a one-line error)."""


@dataclass
class Section:
    """One block of the report: a heading, prose, charts (SVG) and tables (as shown)."""

    heading: str
    level: int = 2
    paragraphs: list[str] = field(default_factory=list)
    charts: list[alt.TopLevelMixin] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    new_page: bool = False
    side_by_side: bool = False


# --------------------------------------------------------------------------------------
# The views, as frames of display text (shared by the PDF and the workbook)
# --------------------------------------------------------------------------------------
def breakdown_table(index: pd.DataFrame, breakdown: str, missions: list[str]) -> pd.DataFrame:
    """The app's breakdown table: groups x missions, cells as shown, a base column."""
    frame = index[(index["breakdown"] == breakdown) | (index["breakdown"] == "all")]
    frame = frame.assign(
        row=group_names(frame),
        cell=index_cells(frame),
    )
    rows = list(dict.fromkeys(frame["row"]))
    table = frame.pivot(index="row", columns="mission_name", values="cell").reindex(
        index=rows, columns=missions
    )
    table.insert(0, "Base (n)", frame.groupby("row")["unweighted_base"].max().reindex(rows))
    return table.rename_axis("Group").reset_index()


def paired_table(frame: pd.DataFrame, missions: list[str]) -> pd.DataFrame:
    """Missions x groups (most vs least deprived, urban vs rural), cells as shown."""
    table = (
        frame.assign(cell=index_cells(frame))
        .pivot(index="mission_name", columns="row", values="cell")
        .reindex(index=missions, columns=list(dict.fromkeys(frame["row"])))
    )
    table.columns.name = None
    return table.rename_axis("Mission").reset_index()


def overview_table(index: pd.DataFrame, level: str) -> pd.DataFrame:
    uk = index[index["breakdown"] == "all"]
    return pd.DataFrame(
        {
            "Mission": uk["mission_name"],
            "Index": index_cells(uk, with_vs_rest=False),
            f"{level} interval": [
                interval(a, b) for a, b in zip(uk.ci_low, uk.ci_high, strict=True)
            ],
            "Change vs previous wave": change_cells(uk),
            "Base (n)": uk["unweighted_base"],
            "Effective base": uk["effective_base"].round(0).astype("Int64"),
        }
    )


def top_priorities_table(top: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Nation": top["group_label"],
            "Rank": top["rank_in_group"],
            "Priority": top["priority_label"],
            "% choosing": percent_cells(top, "pct_chosen", "more_emphasis"),
            "Base (n)": top["unweighted_base"],
        }
    )


def priorities_table(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(
        column=group_names(frame),
        cell=percent_cells(frame, "pct_chosen", "more_emphasis"),
    )
    rows = list(dict.fromkeys(frame["priority_label"]))
    columns = list(dict.fromkeys(frame["column"]))
    table = frame.pivot(index="priority_label", columns="column", values="cell").reindex(
        index=rows, columns=columns
    )
    return table.rename_axis("Priority").reset_index()


def answers_table(history: pd.DataFrame) -> pd.DataFrame:
    frame = history.assign(cell=percent_cells(history))
    answers = list(dict.fromkeys(frame.sort_values("response_code")["response_label"]))
    waves = list(dict.fromkeys(frame["wave_id"]))
    table = frame.pivot(index="wave_id", columns="response_label", values="cell").reindex(
        index=waves, columns=answers
    )
    table.insert(0, "Base (n)", frame.groupby("wave_id")["unweighted_base"].max().reindex(waves))
    return table.rename_axis("Wave").reset_index()


# --------------------------------------------------------------------------------------
# The report's structure
# --------------------------------------------------------------------------------------
def _bars(rows: pd.DataFrame, title: str, width: int) -> alt.TopLevelMixin:
    """A mission page's bar chart of some groups, in the rows' order."""
    return charts.groups_chart(rows, list(rows["row"]), title=title, width=width)


def published_waves(marts: data.Marts, wave_id: str) -> pd.DataFrame:
    """dim_wave, once `wave_id` is known to be one of its waves."""
    wave_frame = data.waves(marts)
    if wave_id not in set(wave_frame["wave_id"]):
        known = ", ".join(wave_frame["wave_id"])
        raise ReportError(f"wave {wave_id} is not in the published marts (published: {known})")
    return wave_frame


def sections_for(marts: data.Marts, wave_id: str) -> list[Section]:
    """Every section of the wave report, in the printed report's order."""
    wave_frame = published_waves(marts, wave_id)
    wave_ids = wave_frame["wave_id"].tolist()
    wave_row = wave_frame[wave_frame["wave_id"] == wave_id].iloc[0]
    dates = fieldwork(wave_row.fieldwork_start, wave_row.fieldwork_end)
    thresholds = data.thresholds(marts)
    missions = data.missions(marts)
    mission_names = missions["mission_name"].tolist()
    index = data.wave_index(marts, wave_id)
    uk = index[index["breakdown"] == "all"]
    base_line = f"Base: all UK adults 16+ ({wave_row.respondents:,}). Fieldwork dates: {dates}."
    marks = (
        f"{ABOVE_MARK} / {BELOW_MARK} significantly above / below the rest of the sample; "
        f"{BREAK_MARK} trend break; " + base_note(thresholds)
    )

    out = [
        Section(
            f"Levelling Up Index: wave {wave_id}",
            level=1,
            paragraphs=[base_line],
        ),
        Section(
            "Key findings",
            paragraphs=[f.text for f in sections.key_findings(index)],
        ),
        Section(
            "Overview: index scores for the 12 missions",
            charts=[
                charts.scorecard_chart(uk[~uk["suppressed"].astype(bool)], width=FULL_WIDTH - 150)
            ],
            tables=[("", overview_table(index, thresholds.confidence_level))],
            paragraphs=[base_line],
        ),
    ]
    nations = data.groups(marts, "nation")
    trends = pd.concat(
        [
            data.mission_trends(marts, "all", (UK,)),
            data.mission_trends(marts, "nation", tuple(nations)),
        ]
    )
    trends = trends[trends["wave_number"] <= wave_row.wave_number]
    for mission in missions.itertuples():
        rows = index[index["mission_id"] == mission.mission_id]
        questions = data.mission_questions(marts, mission.mission_id)
        region_rows = sections.nations_and_regions(rows)
        out.append(
            Section(
                f"Mission {mission.mission_id}: {mission.mission_name}",
                new_page=True,
                paragraphs=[f"<i>“{html.escape(mission.mission_statement)}”</i>"],
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
                charts=[_bars(region_rows, "By nation and English region", FULL_WIDTH - 200)],
            )
        )
        imd = sections.deprivation_ends(rows)
        urban = sections.urban_rural(rows)
        out.append(
            Section(
                "",
                side_by_side=True,
                charts=[
                    _bars(imd, "Most vs least deprived", HALF_WIDTH - 100),
                    _bars(urban, "Urban vs rural", HALF_WIDTH - 100),
                ],
            )
        )
        supergroups = sections.breakdown_rows(rows, "supergroup")
        mission_trend = trends[trends["mission_id"] == mission.mission_id]
        out.append(
            Section(
                "",
                side_by_side=True,
                charts=[
                    _bars(supergroups, "By ONS area supergroup", HALF_WIDTH - 110),
                    charts.trend_chart(
                        mission_trend,
                        [w for w in wave_ids if w in set(mission_trend["wave_id"])],
                        [UK, *nations],
                        width=HALF_WIDTH,
                        height=180,
                        title="Trend: the UK and the nations",
                    ),
                ],
                paragraphs=[marks, base_line],
            )
        )
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
                        frame, mission_names, sections.paired_order(frame), width=FULL_WIDTH - 150
                    )
                ],
                paragraphs=[base_line, marks],
            )
        )
    out.append(
        Section(
            "Index scores by ONS area classification",
            new_page=True,
            tables=[("", breakdown_table(index, "supergroup", mission_names))],
            paragraphs=[marks, base_line],
        )
    )
    questions = data.perception_questions(marts)
    for position, question in enumerate(questions.itertuples()):
        history = answers_until(marts, question.question_code, wave_ids, wave_id)
        if history.empty:
            continue
        history = history.assign(row=history["wave_id"], group_label=history["wave_id"])
        nets = data.question_nets(marts, question.question_code)
        nets = nets[nets["wave_id"].isin(set(history["wave_id"]))]
        out.append(
            Section(
                f"Perceptions: {question.short_label}",
                new_page=position % 2 == 0,
                paragraphs=[f"<i>{html.escape(question.question_text)}</i>"],
                charts=[
                    charts.answers_chart(
                        history, list(dict.fromkeys(history["wave_id"])), width=FULL_WIDTH - 160
                    )
                ],
                tables=[("UK, weighted % by wave", answers_table(history))]
                + ([("The report's nets, UK", nets_table(nets))] if not nets.empty else []),
            )
        )
    if wave_id in data.priority_waves(marts):
        out.append(
            Section(
                "Priorities: top five answers in each nation",
                new_page=True,
                tables=[
                    ("", top_priorities_table(data.top_priorities(marts, wave_id, "nation", 5)))
                ],
                paragraphs=[
                    f"{EMPHASIS_MARK} given more emphasis than the rest of the sample "
                    f"({thresholds.confidence_level} level); {LOW_BASE_MARK} low base. " + base_line
                ],
            )
        )
        out.append(
            Section(
                "Priorities by region",
                tables=[("", priorities_table(data.priorities(marts, "region", wave_id)))],
            )
        )
    out.append(
        Section(
            "Methodology and bases",
            new_page=True,
            paragraphs=_markdown_paragraphs(methodology_text(thresholds)),
            tables=[("Waves", waves_table(wave_frame)), ("Bases in this wave", bases_table(index))],
        )
    )
    return out


def nets_table(nets: pd.DataFrame) -> pd.DataFrame:
    """The report's nets of one question by wave: 23% ▲ (a significant change since the
    previous wave), as the Perceptions page shows them."""
    cells = nets.assign(
        cell=[
            " ".join(filter(None, [p, change_mark(c, s)]))
            for p, c, s in zip(
                percent_cells(nets, "pct"),
                nets.change_vs_previous,
                nets.change_significant,
                strict=True,
            )
        ]
    )
    waves = list(dict.fromkeys(cells["wave_id"]))
    table = cells.pivot(index="net_label", columns="wave_id", values="cell").reindex(
        index=list(dict.fromkeys(cells["net_label"])), columns=waves
    )
    table.columns.name = None
    return table.rename_axis("Net").reset_index()


def answers_until(
    marts: data.Marts, question_code: str, wave_ids: list[str], wave_id: str
) -> pd.DataFrame:
    """A question's UK answers by wave, up to the reported wave."""
    history = data.question_over_time(marts, question_code)
    return history[history["wave_id"].map(wave_ids.index) <= wave_ids.index(wave_id)]


def waves_table(wave_frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Wave": wave_frame["wave_id"],
            "Fieldwork": [
                fieldwork(a, b)
                for a, b in zip(wave_frame.fieldwork_start, wave_frame.fieldwork_end, strict=True)
            ],
            "Respondents": wave_frame["respondents"],
            "Effective base": wave_frame["effective_base"].round(0).astype(int),
        }
    )


def bases_table(index: pd.DataFrame) -> pd.DataFrame:
    """Each group's unweighted base (its largest over the missions) in this wave."""
    bases = (
        index.assign(group=group_names(index))
        .groupby(["breakdown", "group"], sort=False)["unweighted_base"]
        .max()
        .reset_index()
    )
    return pd.DataFrame(
        {
            "Breakdown": bases["breakdown"].map(breakdown_label),
            "Group": bases["group"],
            "Base (n)": bases["unweighted_base"],
        }
    )


def _markdown_paragraphs(text: str) -> list[str]:
    """The methodology's markdown (bold, italics, code) as HTML paragraphs."""
    out = []
    for block in text.strip().split("\n\n"):
        escaped = html.escape(" ".join(block.split()))
        escaped = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escaped)
        escaped = re.sub(r"\*(.+?)\*", r"<i>\1</i>", escaped)
        out.append(re.sub(r"`(.+?)`", r"<code>\1</code>", escaped))
    return out


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
.page { break-before: page; }
.row { display: flex; gap: 10pt; align-items: flex-start; }
.chart svg { max-width: 100%; height: auto; }
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
        for paragraph in section.paragraphs[:1] if section.charts or section.tables else []:
            parts.append(f"<p>{paragraph}</p>")
        for title, table in section.tables:
            if title:
                parts.append(f"<h3>{html.escape(title)}</h3>")
            parts.append(_table_html(table))
        svgs = [_svg(c) for c in section.charts]
        if section.side_by_side:
            parts.append("<div class='row'>" + "".join(svgs) + "</div>")
        else:
            parts.extend(svgs)
        rest = section.paragraphs[1:] if section.charts or section.tables else section.paragraphs
        parts.extend(f"<p>{p}</p>" for p in rest)
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
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
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


# --------------------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------------------
def workbook_sheets(marts: data.Marts, wave_id: str) -> dict[str, pd.DataFrame]:
    """The app's tables for one wave, one sheet each, cells as shown."""
    wave_frame = published_waves(marts, wave_id)
    index = data.wave_index(marts, wave_id)
    mission_names = data.missions(marts)["mission_name"].tolist()
    rules = data.thresholds(marts)
    level = rules.confidence_level
    sheets: dict[str, pd.DataFrame] = {
        "Overview": overview_table(index, rules.confidence_level),
        "Key findings": pd.DataFrame(
            {
                "Finding": [f.text for f in sections.key_findings(index)],
                "Read from": ["; ".join(f.cells) for f in sections.key_findings(index)],
            }
        ),
    }
    for breakdown in data.breakdowns(marts):
        if breakdown != "all":
            sheets[f"Index by {breakdown}"] = breakdown_table(index, breakdown, mission_names)
    if wave_id in data.priority_waves(marts):
        sheets["Top priorities by nation"] = top_priorities_table(
            data.top_priorities(marts, wave_id, "nation", 5)
        )
        sheets["Priorities by region"] = priorities_table(data.priorities(marts, "region", wave_id))
    for question in data.perception_questions(marts).itertuples():
        history = answers_until(
            marts, question.question_code, wave_frame["wave_id"].tolist(), wave_id
        )
        if not history.empty:
            sheets[f"Perception {question.short_label}"[:31]] = answers_table(history)
        nets = data.question_nets(marts, question.question_code)
        nets = nets[nets["wave_id"].isin(set(history["wave_id"]))]
        if not nets.empty:
            sheets[f"Nets {question.short_label}"[:31]] = nets_table(nets)
    sheets["Bases"] = bases_table(index)
    sheets["Waves"] = waves_table(wave_frame)
    sheets["Notes"] = pd.DataFrame(
        {
            "Mark": [
                ABOVE_MARK,
                BELOW_MARK,
                BREAK_MARK,
                LOW_BASE_MARK,
                EMPHASIS_MARK,
                "suppressed",
            ],
            "Meaning": [
                f"significantly above the rest of the sample / significant rise ({level} level)",
                f"significantly below the rest of the sample / significant fall ({level} level)",
                "trend break: the mission's questions changed; not comparable, never significant",
                base_note(rules),
                f"priority given more emphasis than the rest of the sample ({level} level)",
                "base too small to publish",
            ],
        }
    )
    return sheets


def write_xlsx(sheets: dict[str, pd.DataFrame], out: Path) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=_sheet_name(name), index=False)
            sheet = writer.sheets[_sheet_name(name)]
            for cell in sheet[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="EEF2F6")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for column in sheet.columns:
                width = max(len(str(c.value or "")) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
            sheet.freeze_panes = "B2"


def _sheet_name(name: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31]


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------
WRITERS: dict[str, Callable[[data.Marts, str, Path], None]] = {
    "pdf": lambda marts, wave, out: write_pdf(sections_for(marts, wave), out),
    "xlsx": lambda marts, wave, out: write_xlsx(workbook_sheets(marts, wave), out),
}


def write(marts: data.Marts, wave_id: str, out: Path, file_format: str) -> Path:
    """Write the wave report for `wave_id` to `out` as `file_format` (pdf or xlsx)."""
    if file_format not in WRITERS:
        raise ReportError(
            f"unknown report format {file_format!r} (use one of: {', '.join(FORMATS)})"
        )
    WRITERS[file_format](marts, wave_id, out)
    return out
