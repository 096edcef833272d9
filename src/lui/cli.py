"""`lui`: the command line of the Levelling Up Index warehouse.

Each sub-command lives in its own module and exposes `add_arguments(parser)` and
`run(args) -> int`; this file only wires them together and turns `LuiError` into a short
message on stderr with a non-zero exit. Every other failure (an I/O error, a full disk, a
read-only directory, a damaged file) is reported the same way, as one line and exit code 2
(`lui.errors.reason`); `lui --debug COMMAND` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

from lui.errors import LuiError, reason

COMMANDS: dict[str, tuple[str, str]] = {
    "generate": (
        "lui.demo.generate",
        "write a synthetic wave file (csv, parquet or sav)",
    ),
    "inspect": (
        "lui.landing.inspect",
        "show how a wave file maps onto the codebook, without landing it",
    ),
    "land": ("lui.landing.land", "validate a wave file and land it in the warehouse's raw schema"),
    "weights": (
        "lui.landing.weights",
        "write a landed wave's weights (respondent_id, design_weight, weight, replicate_group)",
    ),
    "export-raw": (
        "lui.landing.export",
        "write the raw tables as Parquet partitioned by wave (what the Spark target reads)",
    ),
    "build": ("lui.warehouse.build", "run dbt build for one wave (or all) and publish the marts"),
    "publish": ("lui.warehouse.publish", "copy the marts to the published read-only file"),
    "export": ("lui.warehouse.export", "write every published mart as Parquet (R, Python, BI)"),
    "app": ("lui.app", "serve the Streamlit app on the published marts"),
    "report": ("lui.report", "write a wave's report (A4 PDF or Excel) from the published marts"),
    "demo": ("lui.demo.run", "generate, land, build and publish the four demo waves"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lui",
        description="Levelling Up Index warehouse: land survey waves, build and publish the index.",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of a failure (for bug reports)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the process is so that cleanups run (and dbt stops)."""


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        return int(args._module.run(args) or 0)
    except KeyboardInterrupt as stop:
        print(f"lui {args.command}: interrupted; the warehouse is left as it was", file=sys.stderr)
        return 128 + signal.SIGTERM if isinstance(stop, Terminated) else 130
    except Exception as error:
        if args.debug:
            raise
        print(f"lui {args.command}: error: {reason(error)}", file=sys.stderr)
        return error.exit_code if isinstance(error, LuiError) else LuiError.exit_code
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


if __name__ == "__main__":
    sys.exit(main())
