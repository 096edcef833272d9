"""The wave report from the published marts: an A4 PDF (pdf.py) or an Excel workbook
(workbook.py). `lui report --wave W --out report.pdf` and the app's Overview page both call
`write`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lui.present import pdf, queries, workbook
from lui.present.tables import ReportError

FORMATS = ("pdf", "xlsx")
MIME_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

WRITERS: dict[str, Callable[[queries.Marts, str, Path], None]] = {
    "pdf": lambda marts, wave, out: pdf.write_pdf(pdf.sections_for(marts, wave), out),
    "xlsx": workbook.write_xlsx,
}


def write(marts: queries.Marts, wave_id: str, out: Path, file_format: str) -> Path:
    """Write the wave report for `wave_id` to `out` as `file_format` (pdf or xlsx)."""
    if file_format not in WRITERS:
        raise ReportError(
            f"unknown report format {file_format!r} (use one of: {', '.join(FORMATS)})"
        )
    WRITERS[file_format](marts, wave_id, out)
    return out
