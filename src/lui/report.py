"""Write the wave report from the published marts: an A4 PDF (overview and key findings,
the 12 mission pages, urban vs rural, most vs least deprived, the ONS area table,
perceptions, priorities, methodology and bases) or an Excel workbook (one sheet per view).

The report is the app's own views (streamlit_app/report.py, over the app's data.py), so
the printed tables and charts are the ones on screen. The PDF needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path
from types import ModuleType

from lui.errors import LuiError
from lui.paths import PROJECT_ROOT, marts_path

APP_DIR = PROJECT_ROOT / "streamlit_app"
FORMATS = ("pdf", "xlsx")


def load_report_module() -> ModuleType:
    """streamlit_app/report.py, imported the way streamlit imports the app's modules."""
    if str(APP_DIR) not in sys.path:
        sys.path.insert(0, str(APP_DIR))
    module = importlib.import_module("report")
    # st.cache_data outside a running app works, but says so (set after streamlit's import,
    # which sets its loggers' levels)
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    return module


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wave", required=True, help="the wave to report, YYYY-MM")
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
    out = (args.out or Path(f"levelling-up-index-{args.wave}.{file_format}")).resolve()
    if not out.parent.is_dir():
        raise LuiError(f"folder {out.parent} does not exist")
    report = load_report_module()
    data = sys.modules["data"]
    marts = data.published()
    if marts is None:
        raise LuiError(f"no published marts at {marts_path()}: run `lui build` first")
    try:
        report.write(marts, args.wave, out, file_format)
    except (report.ReportError, data.MartsUnavailable) as error:
        raise LuiError(str(error)) from error
    print(f"wrote {out} ({out.stat().st_size / 1e3:,.0f} kB)")
    return 0
