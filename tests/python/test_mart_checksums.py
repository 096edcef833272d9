"""bench/mart_checksums.py: the proof that issue 29's rewrite changed no published number.

bench/mart-checksums-before.json holds the demo's marts built at 2de5b22 (before the
rewrite), bench/mart-checksums-after.json the same after it (`make demo`, then
`bench/mart_checksums.py warehouse/published.duckdb --compare
bench/mart-checksums-before.json`). The tool itself is checked on a small file here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import duckdb

from lui.paths import PROJECT_ROOT

BENCH = PROJECT_ROOT / "bench"


def _tool():
    spec = importlib.util.spec_from_file_location("mart_checksums", BENCH / "mart_checksums.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _file(path: Path, rows: list[tuple]) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t (wave_id varchar, score double, n integer)")
        con.executemany("insert into marts.t values (?, ?, ?)", rows)
    return path


def test_the_checksum_ignores_order_and_the_last_bits_but_not_a_change(tmp_path: Path):
    tool = _tool()
    rows = [("2022-02", 1.25, 3), ("2022-08", -0.5, None), ("2023-02", None, 7)]
    base = tool.table_checksums(_file(tmp_path / "a.duckdb", rows))
    reordered = tool.table_checksums(_file(tmp_path / "b.duckdb", rows[::-1]))
    last_bits = [("2022-02", 1.25 + 1e-13, 3), *rows[1:]]
    rounded = tool.table_checksums(_file(tmp_path / "c.duckdb", last_bits))
    moved = [("2022-02", 1.25 + 1e-6, 3), *rows[1:]]
    changed = tool.table_checksums(_file(tmp_path / "d.duckdb", moved))
    fewer = tool.table_checksums(_file(tmp_path / "e.duckdb", rows[:2]))
    assert base["marts.t"]["rows"] == 3
    assert tool.differences(base, reordered) == []
    assert tool.differences(base, rounded) == []
    assert tool.differences(base, changed) == ["marts.t: checksum differ"]
    assert tool.differences(base, fewer) == ["marts.t: rows, checksum differ"]


def test_the_demo_marts_after_the_rewrite_are_the_marts_before_it():
    before = json.loads((BENCH / "mart-checksums-before.json").read_text())
    after = json.loads((BENCH / "mart-checksums-after.json").read_text())
    assert len(before) == 14
    assert _tool().differences(before, after) == []


def test_the_demo_marts_after_this_rounds_merge_are_main_s_before_it():
    """The demo built at 3435ead (before the rollup in grouping sets, the seeds loaded
    once and the replicate SEs) and at 13366b0 (after them): every published table is the
    same but dim_wave, which gained its se_method column (docs/weighting.md)."""
    before = json.loads((BENCH / "mart-checksums-3435ead.json").read_text())
    after = json.loads((BENCH / "mart-checksums-13366b0.json").read_text())
    assert len(before) == len(after) == 18
    assert _tool().differences(before, after) == ["marts.dim_wave: columns, checksum differ"]
    assert after["marts.dim_wave"]["columns"] == before["marts.dim_wave"]["columns"] + ",se_method"


def test_the_design_effect_columns_left_every_old_number_as_it_was():
    """The demo built after the design effects were published beside the bases (issue 27),
    checksummed over the columns 13366b0's marts had (`--old-columns`): every table the
    same but the toplines, and the columns added are the design effects only.

    The toplines' weighted_pct is now 100 x (count / base) instead of (100 x count) / base
    (which rounds a group that all gave one answer to 100.00000000000001, over the mart's
    accepted range): the two differ in the last bit of 278,493 of 1,206,431 shares (at most
    1.4e-14, measured by running the mart's compiled SQL with both formulas on the demo
    warehouse), and 2 of them sit on a 1e-9 rounding boundary the checksum rounds at."""
    before = json.loads((BENCH / "mart-checksums-13366b0.json").read_text())
    old_columns = json.loads((BENCH / "mart-checksums-design-effect-old-columns.json").read_text())
    assert _tool().differences(before, old_columns) == [
        "marts.fct_question_toplines: checksum differ"
    ]
    assert (
        old_columns["marts.fct_question_toplines"]["rows"]
        == (before["marts.fct_question_toplines"]["rows"])
    )
    added = {table: sums["added"] for table, sums in old_columns.items() if "added" in sums}
    assert added == {
        "marts.dim_wave": "weighting_design_effect",
        "marts.fct_mission_index": "design_factor,design_effect",
        "marts.fct_priorities": "design_factor,design_effect",
        "marts.fct_question_nets": "design_factor,design_effect",
    }


def test_old_columns_checksums_name_the_added_columns(tmp_path: Path):
    tool = _tool()
    rows = [("2022-02", 1.25, 3), ("2022-08", -0.5, None)]
    base = tool.table_checksums(_file(tmp_path / "a.duckdb", rows))
    with duckdb.connect(str(tmp_path / "b.duckdb")) as con:
        con.execute("create schema marts")
        con.execute("create table marts.t (wave_id varchar, extra double, score double, n integer)")
        con.executemany(
            "insert into marts.t values (?, ?, ?, ?)", [(w, 9.0, s, n) for w, s, n in rows]
        )
    only = {"marts.t": base["marts.t"]["columns"].split(",")}
    wider = tool.table_checksums(tmp_path / "b.duckdb", only)
    assert tool.differences(base, wider) == []
    assert wider["marts.t"]["added"] == "extra"
    assert tool.differences(base, tool.table_checksums(tmp_path / "b.duckdb")) == [
        "marts.t: columns, checksum differ"
    ]
