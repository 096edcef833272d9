"""One way to scope a build to a wave (macros/wave_scope.sql, docs/design.md).

A wave's build compiles every per-wave model (materialized incremental) with each of its
imports of a per-wave relation (one with a wave_id column) filtered by `wave_scope()`;
forgetting the filter makes the build read every wave, slower but not wrong, so only a
test notices. A hand-run `dbt build` is never silently partial.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from lui.warehouse.dbt import run_dbt

pytestmark = pytest.mark.slow

WAVE = "2022-08"
RELATION = re.compile(r'"\w+"\."\w+"\."\w+"')


def import_ctes(sql: str) -> dict[str, str]:
    """CTE name -> body of a compiled model written in the house style (`name as (` at the
    start of a line, `)` closing it at the start of a line)."""
    ctes: dict[str, str] = {}
    name, body = None, []
    for line in sql.splitlines():
        start = re.match(r"^(\w+) as \($", line)
        if start:
            name, body = start.group(1), []
        elif name is not None and line.startswith(")"):
            ctes[name] = "\n".join(body)
            name = None
        elif name is not None:
            body.append(line)
    return ctes


def unscoped_reads(sql: str, per_wave: set[str], wave: str) -> list[str]:
    """The CTEs of `sql` that read a relation of `per_wave` without the wave's filter."""
    scoped = re.compile(rf"wave_id = '{wave}'|wave_id in \([^)]*'{wave}'")
    found = []
    for name, body in import_ctes(sql).items():
        read = [r for r in RELATION.findall(body) if r in per_wave]
        if read and not scoped.search(body):
            found.append(f"{name} reads {', '.join(read)}")
    return found


def test_the_check_finds_an_unscoped_import():
    sql = (
        "with\n\nscores as (\n\n"
        '    select * from "db"."intermediate"."int_scores"\n\n),\n\n'
        "cells as (\n\n"
        '    select * from "db"."intermediate"."int_cells"\n'
        f"    where wave_id = '{WAVE}'\n\n),\n\n"
        "codebook as (\n\n"
        '    select * from "db"."codebook"."questions"\n\n)\n\nselect * from scores\n'
    )
    per_wave = {'"db"."intermediate"."int_scores"', '"db"."intermediate"."int_cells"'}
    assert unscoped_reads(sql, per_wave, WAVE) == ['scores reads "db"."intermediate"."int_scores"']


def _compile(built_warehouse: Path, tmp_path: Path) -> dict:
    warehouse = tmp_path / "compile" / "levelling_up.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(built_warehouse, warehouse)
    result = run_dbt(
        ["compile", "--select", "config.materialized:incremental"], warehouse=warehouse, wave=WAVE
    )
    assert result.returncode == 0, result.stdout
    return json.loads((warehouse.parent / "dbt" / "target" / "manifest.json").read_text())


def test_every_per_wave_model_reads_only_the_waves_it_rebuilds(built_warehouse, tmp_path):
    manifest = _compile(built_warehouse, tmp_path)
    relations = [*manifest["nodes"].values(), *manifest["sources"].values()]
    per_wave = {r["relation_name"] for r in relations if "wave_id" in r["columns"]}
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    ]
    assert len(models) >= 9
    problems = {
        node["name"]: unscoped_reads(node["compiled_code"], per_wave, WAVE) for node in models
    }
    assert {name: found for name, found in problems.items() if found} == {}
    # the model whose change depends on the wave before reads it, and rebuilds the next wave
    [index] = [node for node in models if node["name"] == "fct_mission_index"]
    assert "wave_id in ('2022-02', '2022-08', '2023-02')" in index["compiled_code"]
    assert "wave_id in ('2022-08', '2023-02')" in index["compiled_code"]


@pytest.mark.parametrize("given", ["dbt var", "lui", "none", "stray environment variable"])
def test_the_wave_comes_from_a_dbt_var_or_from_lui_never_from_a_stray_variable(
    built_warehouse, tmp_path, given
):
    """`dbt build --vars '{wave: ...}'` and lui's way (the wave in the environment, so dbt
    need not re-parse the project for each new wave) build the same scope and say so; a
    LUI_BUILD_WAVE left in a shell does not scope a hand-run dbt (no lui marker var)."""
    warehouse = tmp_path / "compile" / "levelling_up.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(built_warehouse, warehouse)
    arguments = ["build", "--select", "int_cells"]
    if given == "dbt var":
        result = run_dbt([*arguments, "--vars", f'{{"wave": "{WAVE}"}}'], warehouse=warehouse)
    elif given == "stray environment variable":
        # what a hand-run `dbt build` sees: the variable set, lui's marker var absent
        result = run_dbt([*arguments, "--vars", "{}"], warehouse=warehouse, wave=WAVE)
    else:
        result = run_dbt(arguments, warehouse=warehouse, wave=WAVE if given == "lui" else None)
    assert result.returncode == 0, result.stdout
    compiled = warehouse.parent / "dbt" / "target" / "compiled" / "levelling_up_index"
    sql = (compiled / "models" / "intermediate" / "cells" / "int_cells.sql").read_text()
    if given in ("none", "stray environment variable"):
        assert "wave_id = '" not in sql
        assert "wave scope: this build rebuilds every wave" in result.stdout
    else:
        assert f"where wave_id = '{WAVE}'" in sql
        assert f"wave scope: this build rebuilds wave {WAVE}" in result.stdout
    stray = f"wave scope: LUI_BUILD_WAVE={WAVE} is ignored"
    assert (stray in result.stdout) == (given == "stray environment variable")
