"""`lui report`: the wave report from the published demo marts, read back as a reader would.

The PDF is turned into text (pdftotext) and page images (pdftoppm, poppler-utils: `.ci/run`
installs it; the test fails, never skips, without it): its pages follow the report's
structure, its numbers are the marts', no page is blank, and a trend break is never shown
as a significant change. The workbook has one sheet per view with the app's cells.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from PIL import Image
from test_app import DEMO_WAVES

from lui.cli import main

pytestmark = pytest.mark.slow

TREND_BREAK_WAVE = "2023-02"  # the demo's questionnaire change (internet mission)


def tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is missing: install Debian's poppler-utils (`.ci/run` does)")
    return found


def signed(value: float) -> str:
    rounded = round(float(value))
    return "0" if rounded == 0 else f"{rounded:+d}"


def uk_rows(marts: Path, wave: str) -> list[tuple]:
    with duckdb.connect(str(marts), read_only=True) as con:
        return con.execute(
            """
            select mission_id, mission_name, index_score, change_vs_previous,
                   change_significant, trend_break
            from marts.fct_mission_index where wave_id = ? and breakdown = 'all'
            order by mission_id
            """,
            [wave],
        ).fetchall()


@pytest.fixture(scope="module")
def pdf_report(
    demo_marts: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LUI_MARTS", str(demo_marts))
        assert main(["report", "--wave", DEMO_WAVES[-1], "--out", str(out)]) == 0
    return out


def test_pdf_follows_the_reports_structure_with_the_marts_numbers(
    pdf_report: Path,
    demo_marts: Path,
    tmp_path: Path,
) -> None:
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(pdf_report), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pages = text.split("\f")
    headings = [
        "Levelling Up Index: wave " + DEMO_WAVES[-1],
        "Main points",
        "Overview: index scores for the 12 missions",
        *[f"Mission {m}: {name}" for m, name, *_ in uk_rows(demo_marts, DEMO_WAVES[-1])],
        "Urban and rural areas",
        "Most-deprived and least-deprived areas (IMD)",
        "Index scores by ONS area classification",
        "Perceptions: ",
        "Priorities: top five answers in each nation",
        "Things you need to know",
        "Waves and bases",
    ]
    positions = [text.find(h) for h in headings]
    assert all(p >= 0 for p in positions), [
        h for h, p in zip(headings, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions), "sections in the report's order"
    # each mission starts its own page, with its statement and its questions
    for m, name, *_ in uk_rows(demo_marts, DEMO_WAVES[-1]):
        page = next(p for p in pages if f"Mission {m}: {name}" in p)
        assert page.lstrip().startswith(f"Mission {m}: {name}")
        assert "Questions used and their weights" in page
        assert "By nation and English region" in page
    # the overview table carries the UK's score of every mission, rounded as shown
    overview = text[text.find("Overview: index scores") :].split("\f")[0]
    for _, name, score, *_ in uk_rows(demo_marts, DEMO_WAVES[-1]):
        line = next(line for line in overview.splitlines() if line.strip().startswith(name))
        assert line.split()[len(name.split())] == signed(score), line
    assert "Fieldwork dates:" in text and "Base: all UK adults 16+" in text
    # the methods carry the wave's weighting report (fct_wave_weighting)
    methods = text[text.find("Things you need to know") :]
    assert "Weighting this wave" in methods and "Kish efficiency" in methods
    assert "Taylor linearisation on the final weights" in methods

    # every page drawn, none blank: pdftoppm renders each with ink on it
    subprocess.run(
        [tool("pdftoppm"), "-r", "30", "-png", str(pdf_report), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len([p for p in pages if p.strip()]) >= 18
    for image in images:
        grey = Image.open(image).convert("L")
        inked = sum(1 for v in grey.tobytes() if v < 200)  # mode L: one byte a pixel
        assert inked > 0.01 * grey.width * grey.height, f"{image.name} is nearly blank"


INTERNAL_NAMES = re.compile(
    r"mission_name|response_label|group_label|index_score|unweighted_base|wave_id|breakdown"
    r"|imd_quintile|urban_rural|age_band|supergroup_x|\w+_x_\w+|fct_\w+|significant_(raw|fdr)"
)


def mission_pages(text: str, missions: list[tuple]) -> dict[int, str]:
    """Each mission's pages of the PDF's text: from its heading to the next section's."""
    starts = [text.find(f"Mission {m}: {name}") for m, name, *_ in missions]
    ends = [*starts[1:], text.find("Urban and rural areas", starts[-1])]
    return {m: text[a:b] for (m, *_), a, b in zip(missions, starts, ends, strict=True)}


def test_pdf_labels_are_whole_and_human(pdf_report: Path, demo_marts: Path) -> None:
    """What the text can tell of the layout: every group's label on each mission page whole
    (a squeezed chart cut "Business, Education and Heritage Centres" short), wave labels apart
    (not "2022-022022-08"), no column or breakdown name anywhere, and page 1 saying that the
    demo's data are synthetic, with the release date."""
    text = subprocess.run(
        [tool("pdftotext"), str(pdf_report), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = re.sub(r"\s+", " ", text)
    with duckdb.connect(str(demo_marts), read_only=True) as con:
        groups = con.execute(
            """
            select distinct breakdown, group_label from marts.fct_mission_index
            where wave_id = ? and breakdown in ('region', 'nation', 'supergroup', 'urban_rural')
            """,
            [DEMO_WAVES[-1]],
        ).fetchall()
    labels = [g for _, g in groups] + ["1 – most deprived", "5 – least deprived", "All UK"]
    missions = uk_rows(demo_marts, DEMO_WAVES[-1])
    for mission, page in mission_pages(flat, missions).items():
        missing = [label for label in labels if label not in page]
        assert missing == [], f"mission {mission}: labels not whole: {missing}"
        for wave in DEMO_WAVES:
            assert wave in page, f"mission {mission}: trend lacks {wave}"
    assert not re.search(r"\d{4}-\d{2}\d{4}-\d{2}", flat), "wave labels run together"
    assert not INTERNAL_NAMES.search(text), INTERNAL_NAMES.search(text)
    first = text.split("\f")[0]
    assert "These data are synthetic" in re.sub(r"\s+", " ", first)
    assert "Release date:" in first


def test_pdf_never_shows_a_trend_break_as_significant(
    demo_marts: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LUI_MARTS", str(demo_marts))
    out = tmp_path / "break.pdf"
    assert main(["report", "--wave", TREND_BREAK_WAVE, "--out", str(out)]) == 0
    text = subprocess.run(
        [tool("pdftotext"), "-layout", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    overview = text[text.find("Overview: index scores") :].split("\f")[0]
    rows = uk_rows(demo_marts, TREND_BREAK_WAVE)
    broken = [r for r in rows if r[5]]
    assert broken, "the demo has a trend break in " + TREND_BREAK_WAVE
    for _, name, _, change, significant, trend_break in rows:
        line = next(line for line in overview.splitlines() if line.strip().startswith(name))
        if trend_break:
            assert "‡" in line and "▲" not in line and "▼" not in line, line
        elif significant:
            assert ("▲" if change > 0 else "▼") in line, line
    assert any("(a trend break)" in p for p in text.split("\f")), "named in the key findings"


def _table(sheet, first_header: str) -> tuple[list, list[tuple]]:
    """A gptables sheet's table: its header row (the one starting `first_header`, under the
    title and notes rows) and the rows under it."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == first_header)
    return list(rows[start]), [r for r in rows[start + 1 :] if r[0] is not None]


def test_xlsx_follows_the_spreadsheet_standard_with_numbers_as_numbers(
    demo_marts: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The GSS standard for statistics in spreadsheets: cover, contents and notes sheets; one
    table a sheet under a title in A1; human sheet names; estimates stored as numbers with a
    signed number format; [c] exactly where a group is suppressed, [low] beside a low base,
    explained on the notes sheet."""
    monkeypatch.setenv("LUI_MARTS", str(demo_marts))
    out = tmp_path / "tables.xlsx"
    assert main(["report", "--wave", TREND_BREAK_WAVE, "--out", str(out)]) == 0
    book = load_workbook(out)
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    for sheet in (
        "Main points",
        "UK index",
        "By nation",
        "By region",
        "By ONS area supergroup",
        "By deprivation quintile",
        "By area type and deprivation",
        "Significance tests",
        "Priorities by nation",
        "Waves",
    ):
        assert sheet in book.sheetnames, book.sheetnames
    for name in book.sheetnames:
        assert len(name) <= 31 and "_" not in name, name
        assert isinstance(book[name]["A1"].value, str) and book[name]["A1"].value, name
    assert "synthetic" in " ".join(str(c.value) for c in book["Cover"]["A"] if c.value)
    notes = " ".join(str(c.value) for row in book["Notes"].iter_rows() for c in row if c.value)
    assert all(mark in notes for mark in ("[c]", "[low]", "[x]"))

    header, rows = _table(book["UK index"], "Mission")
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    sheet = book["UK index"]
    index_column = header.index("Index") + 1
    for _, name, score, change, significant, trend_break in uk_rows(demo_marts, TREND_BREAK_WAVE):
        row = by_name[name]
        assert isinstance(row["Index"], float) and row["Index"] == pytest.approx(score, abs=1e-9)
        assert isinstance(row["Change since previous wave"], float)
        assert row["Change since previous wave"] == pytest.approx(change, abs=1e-9)
        low, high = row["Change: lower 95% limit"], row["Change: upper 95% limit"]
        assert isinstance(low, float) and low < change < high
        assert isinstance(row["Base (respondents)"], int)
        # the design effect beside the bases, a number (deff of a weighted mean, about 1.5)
        assert isinstance(row["Design effect"], float) and 1 < row["Design effect"] < 4
        if trend_break:
            assert row["Change significant"] == "No (trend break)"
        else:
            assert row["Change significant"] == ("Yes" if significant else "No")
    column = next(sheet.iter_cols(min_col=index_column, max_col=index_column))
    formats = {c.number_format for c in column[-12:]}
    assert formats == {"+0.0;-0.0;0.0"}

    with duckdb.connect(str(demo_marts), read_only=True) as con:
        cells = con.execute(
            """
            select group_label, mission_name, index_score, low_base, suppressed
            from marts.fct_mission_index where wave_id = ? and breakdown = 'gender'
            """,
            [TREND_BREAK_WAVE],
        ).fetchall()
        tests = con.execute(
            "select count(*) from marts.fct_significance_tests where wave_id = ?",
            [TREND_BREAK_WAVE],
        ).fetchone()[0]
    header, rows = _table(book["By gender"], "Group")
    by_group = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_group["All UK"]
    assert any(suppressed for *_, suppressed in cells), "the demo suppresses gender 'Other'"
    for group, mission, score, low_base, suppressed in cells:
        cell = by_group[group][mission]
        if suppressed:
            assert cell == "[c]"
        else:
            assert isinstance(cell, float) and cell == pytest.approx(score, abs=1e-9)
        if low_base:
            assert by_group[group]["Low base"] == "[low]"
    header, rows = _table(book["Significance tests"], "Test")
    assert len(rows) == tests
    assert all(isinstance(r[header.index("p-value")], float) for r in rows)
    assert {r[header.index("Significant after FDR control")] for r in rows} == {"Yes", "No"}


def test_report_misuse_is_a_one_line_reason(
    demo_marts: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LUI_MARTS", str(demo_marts))
    assert main(["report", "--wave", "2031-01", "--out", str(tmp_path / "r.pdf")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("lui report: error: wave 2031-01 is not in the published marts")
    assert len(error.splitlines()) == 1
    assert main(["report", "--wave", DEMO_WAVES[-1], "--out", str(tmp_path / "r.docx")]) == 2
    assert "give --format pdf or xlsx" in capsys.readouterr().err
    monkeypatch.setenv("LUI_MARTS", str(tmp_path / "none.duckdb"))
    assert main(["report", "--wave", DEMO_WAVES[-1], "--out", str(tmp_path / "r.pdf")]) == 2
    assert "no published marts" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()
