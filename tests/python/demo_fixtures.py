"""`lui demo` run once per test session (shared by the pytest-xdist workers: conftest's
`demo_run`): the four demo waves generated, landed, built and published in a temporary
folder, as a newcomer's `make demo` does. The demo, CLI, app, browser, report and
local-area tests all read this one build; none may modify it (a test that must change it
works on `copy_demo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LUI = Path(sys.executable).with_name("lui")


@dataclass(frozen=True)
class DemoRun:
    root: Path
    warehouse: Path
    marts: Path
    waves_dir: Path
    first: subprocess.CompletedProcess[str]


def run_demo(root: Path) -> subprocess.CompletedProcess[str]:
    """`lui demo` with its warehouse, published copy and wave files under `root`."""
    env = dict(
        os.environ,
        LUI_WAREHOUSE=str(root / "warehouse" / "levelling_up.duckdb"),
        LUI_MARTS=str(root / "warehouse" / "published.duckdb"),
    )
    return subprocess.run(
        [str(LUI), "demo", "--dir", str(root / "demo_waves")],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def demo_at(root: Path, first: subprocess.CompletedProcess[str]) -> DemoRun:
    return DemoRun(
        root,
        root / "warehouse" / "levelling_up.duckdb",
        root / "warehouse" / "published.duckdb",
        root / "demo_waves",
        first,
    )


def copy_demo(demo: DemoRun, root: Path) -> DemoRun:
    """A copy of the demo's folder (warehouse, published copy, wave files) under `root`,
    for a test that changes it."""
    for name in ("warehouse", "demo_waves"):
        shutil.copytree(
            demo.root / name, root / name, ignore=shutil.ignore_patterns("dbt", "*.wal")
        )
    return demo_at(root, demo.first)
