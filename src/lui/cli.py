"""`lui`: the command line of the Levelling Up Index warehouse.

Each sub-command lives in its own module and exposes `add_arguments(parser)` and
`run(args) -> int`; this file only wires them together and turns `LuiError` into a short
message on stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from lui.errors import LuiError

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
    "build": ("lui.warehouse.build", "run dbt build for one wave (or all) and publish the marts"),
    "publish": ("lui.warehouse.publish", "copy the marts to the published read-only file"),
    "app": ("lui.app", "serve the Streamlit app on the published marts"),
    "demo": ("lui.demo.run", "generate, land, build and publish the four demo waves"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lui",
        description="Levelling Up Index warehouse: land survey waves, build and publish the index.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except LuiError as error:
        print(f"lui {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"lui {args.command}: interrupted; the warehouse is left as it was", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
