"""One way to scope a build to a wave (macros/wave_scope.sql, docs/design.md).

A wave's build compiles every per-wave model (materialized incremental) with each read of
a per-wave relation (one with a wave_id column) handed to it by the scoped `ref` as
`(select * from relation where wave_id = 'W')`; a read outside it (a hard-coded relation,
`builtins.ref`, a model dbt's ref does not scope) makes the build read every wave, slower
but not wrong, so only a test notices. The dbt Python model gets the same scoped input. A
model whose change depends on the previous wave (config wave_scope 'with_previous_wave')
reads the wave before as well and writes the built wave and the next only. A hand-run
`dbt build` is never silently partial.
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


def unscoped_reads(code: str, per_wave: set[str], wave: str) -> list[str]:
    """The reads of a relation of `per_wave` in compiled `code` (SQL, or a Python model's
    compiled source, whose relation names are escaped) not wrapped in the wave's scope."""
    code = code.replace('\\"', '"').replace("\\u0027", "'")
    scoped = re.compile(
        r"\(select \* from (" + RELATION.pattern + r") where wave_id "
        rf"(= '{wave}'|in \([^)]*'{wave}'[^)]*\))\)"
    )
    inside = {match.start(1) for match in scoped.finditer(code)}
    return sorted(
        {
            m.group(0)
            for m in RELATION.finditer(code)
            if m.group(0) in per_wave and m.start() not in inside
        }
    )


def test_the_check_finds_an_unscoped_read():
    sql = (
        "with\n\nscores as (\n\n"
        '    select * from "db"."intermediate"."int_scores"\n\n),\n\n'
        "cells as (\n\n"
        '    select * from (select * from "db"."intermediate"."int_cells"'
        f" where wave_id = '{WAVE}')\n\n),\n\n"
        "sizes as (\n\n"
        '    select * from "db"."intermediate"."int_cells"\n'
        f"    where wave_id = '{WAVE}'\n\n),\n\n"
        "codebook as (\n\n"
        '    select * from "db"."codebook"."questions"\n\n)\n\nselect * from scores\n'
    )
    per_wave = {'"db"."intermediate"."int_scores"', '"db"."intermediate"."int_cells"'}
    # a hand-placed filter is not the scope: only the scoped ref's subquery is
    assert unscoped_reads(sql, per_wave, WAVE) == [
        '"db"."intermediate"."int_cells"',
        '"db"."intermediate"."int_scores"',
    ]
    python = (
        'refs = {"int_cells": "(select * from \\"db\\".\\"intermediate\\".\\"int_cells\\"'
        f' where wave_id = \\u0027{WAVE}\\u0027)", '
        '"int_scores": "\\"db\\".\\"intermediate\\".\\"int_scores\\""}'
    )
    assert unscoped_reads(python, per_wave, WAVE) == ['"db"."intermediate"."int_scores"']


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
    assert any(node["language"] == "python" for node in models)
    # (a model's own relation is where it writes, e.g. the Python model's `this`)
    problems = {
        node["name"]: unscoped_reads(
            node["compiled_code"], per_wave - {node["relation_name"]}, WAVE
        )
        for node in models
    }
    assert {name: found for name, found in problems.items() if found} == {}
    # no model filters the wave by hand: the scope has one home
    for node in models:
        assert not re.search(r"wave_scope\(|build_wave\(|LUI_BUILD_WAVE", node["raw_code"]), node[
            "name"
        ]
    # a model whose change depends on the wave before reads it, and writes the built wave
    # and the next one only (its final select)
    with_previous = [n for n in models if n["config"].get("wave_scope") == "with_previous_wave"]
    assert {n["name"] for n in with_previous} >= {
        "fct_mission_index",
        "fct_question_nets",
        "fct_mission_question_contributions",
    }
    for node in with_previous:
        code = node["compiled_code"]
        assert "where wave_id in ('2022-02', '2022-08', '2023-02'))" in code, node["name"]
        assert code.rstrip().endswith("where wave_id in ('2022-08', '2023-02')"), node["name"]
    # the other per-wave models read and write the built wave alone
    for node in models:
        if node not in with_previous:
            assert "wave_id in (" not in node["compiled_code"], node["name"]


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
