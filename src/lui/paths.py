"""Where things live: the project root, the warehouse and the published marts.

`LUI_WAREHOUSE` and `LUI_MARTS` override the default locations (docs/design.md);
`LUI_SPARK_DIR` the folder the Spark target keeps its files in.
"""

from __future__ import annotations

import os
from pathlib import Path

from lui.errors import LuiError, reason

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


def spark_dir(warehouse: Path | None = None) -> Path:
    """Everything the Spark target keeps: the raw tables as Parquet (`raw/`), its tables
    (`tables/`) and its Derby metastore. `warehouse/spark/` beside the warehouse file."""
    if "LUI_SPARK_DIR" in os.environ:
        return Path(os.environ["LUI_SPARK_DIR"]).resolve()
    return (warehouse or warehouse_path()).parent / "spark"


def validation_dir() -> Path:
    """Great Expectations results (JSON and Data Docs), kept beside the warehouse."""
    return warehouse_path().parent / "validation"


def require_writable(directory: Path, what: str) -> None:
    """Create `directory` if needed; refuse in one line when it cannot be written.

    Checked before any work starts, so a read-only or missing mount is named as such
    instead of failing halfway (root included: a read-only file system refuses root too).
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LuiError(f"cannot create {what} {directory}: {reason(error)}") from error
    if not os.access(directory, os.W_OK):
        readonly = os.statvfs(directory).f_flag & os.ST_RDONLY
        why = "it is on a read-only file system" if readonly else "permission denied"
        raise LuiError(f"cannot write {what} {directory}: {why}")
