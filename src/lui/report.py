"""Write the wave report from the published marts: an A4 PDF (main points, the 12 mission
pages, urban vs rural, most vs least deprived, the ONS area table, perceptions,
priorities, things you need to know, bases) or a workbook to the GSS spreadsheet standard.

The report is built by lui.present (report.py, pdf.py, workbook.py), the package the app's
pages show too, so the printed tables and charts are the ones on screen. The PDF needs
Debian's chromium.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from lui.errors import LuiError
from lui.paths import marts_path
from lui.present import queries, report
from lui.present.report import FORMATS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wave", help="the wave to report, YYYY-MM (default: the latest published wave)"
    )
    parser.add_argument(
        "--out", type=Path, help="file to write (default: levelling-up-index-WAVE.FORMAT)"
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="pdf (A4 report) or xlsx (one sheet per view); default: from --out, else pdf",
    )


def run(args: argparse.Namespace) -> int:
    file_format = args.format or (
        args.out.suffix.lstrip(".").lower() if args.out and args.out.suffix else "pdf"
    )
    if file_format not in FORMATS:
        raise LuiError(f"cannot tell the format from {args.out}: give --format pdf or xlsx")
    marts = queries.published()
    if marts is None:
        raise LuiError(f"no published marts at {marts_path()}: run `lui build` first")
    try:
        wave = args.wave or str(queries.waves(marts)["wave_id"].iloc[-1])
    except (queries.MartsUnavailable, IndexError) as error:
        raise LuiError(f"the published marts at {marts.path} hold no wave to report") from error
    out = (args.out or Path(f"levelling-up-index-{wave}.{file_format}")).resolve()
    if not out.parent.is_dir():
        raise LuiError(f"folder {out.parent} does not exist")
    try:
        report.write(marts, wave, out, file_format)
    except (report.ReportError, queries.MartsUnavailable) as error:
        raise LuiError(str(error)) from error
    print(f"wrote {out} ({out.stat().st_size / 1e3:,.0f} kB)")
    return 0
