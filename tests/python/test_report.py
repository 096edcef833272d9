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
        "Key findings",
        "Overview: index scores for the 12 missions",
        *[f"Mission {m}: {name}" for m, name, *_ in uk_rows(demo_marts, DEMO_WAVES[-1])],
        "Urban and rural areas",
        "Most-deprived and least-deprived areas (IMD)",
        "Index scores by ONS area classification",
        "Perceptions: ",
        "Priorities: top five answers in each nation",
        "Methodology and bases",
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


def test_xlsx_has_a_sheet_per_view_with_the_apps_cells(
    demo_marts: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LUI_MARTS", str(demo_marts))
    out = tmp_path / "tables.xlsx"
    assert main(["report", "--wave", TREND_BREAK_WAVE, "--out", str(out)]) == 0
    book = load_workbook(out)
    for sheet in (
        "Overview",
        "Key findings",
        "Index by nation",
        "Index by region",
        "Index by supergroup",
        "Index by imd_quintile",
        "Top priorities by nation",
        "Bases",
        "Notes",
    ):
        assert sheet in book.sheetnames, book.sheetnames
    overview = {
        row[0]: row for row in book["Overview"].iter_rows(min_row=2, values_only=True) if row[0]
    }
    for _, name, score, _change, significant, trend_break in uk_rows(demo_marts, TREND_BREAK_WAVE):
        _, index, interval, shown_change, base, _ = overview[name]
        assert index == signed(score)
        assert re.fullmatch(r"-?\d+\.\d to -?\d+\.\d", interval)
        assert isinstance(base, int) and base > 0
        if trend_break:
            assert shown_change.endswith("‡") and not {"▲", "▼"} & set(shown_change)
        else:
            assert ("▲" in shown_change or "▼" in shown_change) == bool(significant)
    with duckdb.connect(str(demo_marts), read_only=True) as con:
        cells = con.execute(
            """
            select group_label, mission_name, index_score, vs_rest, low_base, suppressed
            from marts.fct_mission_index where wave_id = ? and breakdown = 'supergroup'
            """,
            [TREND_BREAK_WAVE],
        ).fetchall()
    sheet = list(book["Index by supergroup"].iter_rows(values_only=True))
    header, rows = sheet[0], {r[0]: r for r in sheet[1:]}
    assert header[:2] == ("Group", "Base (n)") and rows["All UK"]
    for group, mission, score, vs_rest, low_base, suppressed in cells:
        cell = rows[group][header.index(mission)]
        if suppressed:
            assert cell == "suppressed"
            continue
        assert cell.split()[0] == signed(score)
        assert ("▲" in cell) == (vs_rest == "above") and ("▼" in cell) == (vs_rest == "below")
        assert ("†" in cell) == bool(low_base)


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
