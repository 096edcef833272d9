"""A copy of the dbt project whose seeds (codebook, mapping) a test may edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from lui.paths import PROJECT_ROOT


def copy_project(directory: Path) -> Path:
    """Copy dbt_project.yml, profiles, macros, models, seeds and the dbt tests to
    `directory/project` and return that path."""
    copy = directory / "project"
    for name in ("dbt_project.yml", "profiles", "macros", "models", "seeds", "tests"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("python"))
        else:
            copy.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy / name)
    return copy
