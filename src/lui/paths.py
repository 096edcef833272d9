"""Where things live: the project root, the warehouse and the published marts.

`LUI_WAREHOUSE` and `LUI_MARTS` override the default locations (docs/design.md).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = PROJECT_ROOT / "seeds"
CODEBOOK_DIR = SEEDS_DIR / "codebook"
REFERENCE_DIR = SEEDS_DIR / "reference"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def warehouse_path() -> Path:
    """The writable warehouse file (one writer at a time, never held open between builds)."""
    default = PROJECT_ROOT / "warehouse" / "levelling_up.duckdb"
    return Path(os.environ.get("LUI_WAREHOUSE", default)).resolve()


def marts_path() -> Path:
    """The published, read-only copy of the marts that readers open."""
    default = PROJECT_ROOT / "warehouse" / "published.duckdb"
    return Path(os.environ.get("LUI_MARTS", default)).resolve()


def validation_dir() -> Path:
    """Great Expectations results (JSON and Data Docs), kept beside the warehouse."""
    return warehouse_path().parent / "validation"
