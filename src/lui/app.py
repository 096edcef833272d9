"""Serve the Streamlit app (streamlit_app/app.py) on the published marts.

The app reads only the published copy (LUI_MARTS, default warehouse/published.duckdb),
read-only, so it keeps answering while a build runs and shows a new wave once it is
published, without a restart. Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from lui.errors import LuiError
from lui.paths import PROJECT_ROOT, marts_path

APP_FILE = PROJECT_ROOT / "streamlit_app" / "app.py"
STREAMLIT_EXECUTABLE = Path(sys.executable).with_name("streamlit")
DEFAULT_PORT = 8501


def port_number(value: str) -> int:
    """argparse type: a TCP port 1..65535."""
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is outside 1..65535")
    return port


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
        except OSError:
            return False
    return True


def streamlit_command(port: int, app_file: Path = APP_FILE) -> list[str]:
    """The command that serves the app headless on `port`."""
    return [
        str(STREAMLIT_EXECUTABLE),
        "run",
        str(app_file),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]


def check_ready(port: int, marts: Path, app_file: Path = APP_FILE) -> None:
    """Refuse clearly when there is nothing to serve or nowhere to serve it."""
    if not marts.exists():
        raise LuiError(f"no published marts at {marts}: run `lui build` or `make demo` first")
    if not app_file.exists():
        raise LuiError(f"the Streamlit app is missing: {app_file}")
    if not STREAMLIT_EXECUTABLE.exists():
        raise LuiError(f"streamlit is not installed beside {sys.executable}: run `make install`")
    if not _port_free(port):
        raise LuiError(f"port {port} is already in use: choose another with --port N")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to serve on (default {DEFAULT_PORT})",
    )


def run(args: argparse.Namespace) -> int:
    marts = marts_path()
    check_ready(args.port, marts)
    env = dict(os.environ, LUI_MARTS=str(marts))
    print(f"lui app: serving {APP_FILE} on http://localhost:{args.port} (marts: {marts})")
    print("lui app: press Ctrl-C to stop", flush=True)
    process = subprocess.Popen(streamlit_command(args.port), env=env, cwd=PROJECT_ROOT)
    # `kill <lui pid>` stops the server too, rather than leaving it serving orphaned
    signal.signal(signal.SIGTERM, lambda *_: process.terminate())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.wait()
        return 0
