"""Hostile input and faults: every refusal is one line naming the problem, exit code 2, no
traceback; the raw tables and the published copy are unchanged after each refusal.

The hostile files are generated here (from the valid wave of land_fixtures). Faults that need
a real file system (read-only, full) mount a small tmpfs: the suite runs as root in CI.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from land_fixtures import WAVE, raw_checksum, valid_wave, write

from lui import cli, codebook
from lui.landing import raw, wavefile
from lui.landing.land import land_file
from lui.warehouse import publish

LUI = Path(sys.executable).with_name("lui")
BAD_WAVE_IDS = ["20\u0662\u0664-02", "2024-02\n", "2024-13", "2024-00", " 2024-02", "2024-2"]


# --------------------------------------------------------------------------------------------
# A landed warehouse and a published copy that every refusal must leave as they are
# --------------------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(warehouse with one valid wave landed, a published copy beside it)."""
    directory = tmp_path_factory.mktemp("hostile")
    warehouse = directory / "levelling_up.duckdb"
    land_file(write(valid_wave(), directory / "valid.parquet"), WAVE, warehouse)
    published = directory / "published.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute("create schema marts; create table marts.dim_wave as select 'x' as wave_id")
    return warehouse, published


def _raw_state(warehouse: Path) -> str:
    """The raw tables' checksum, or the file's bytes' when it cannot be opened (damaged)."""
    try:
        return raw_checksum(warehouse)
    except duckdb.Error:
        return sha256(warehouse)


def refuse(
    arguments: list[str],
    warehouse: Path,
    published: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> str:
    """Run `lui ARGUMENTS`; check a one-line refusal and nothing changed; return the line."""
    monkeypatch.setenv("LUI_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("LUI_MARTS", str(published))
    before = _raw_state(warehouse), sha256(published)
    capsys.readouterr()
    code = cli.main(arguments)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert err.startswith(f"lui {arguments[0]}: error: "), err
    assert err.count("\n") == 1, err  # one line
    assert (_raw_state(warehouse), sha256(published)) == before
    return err


# --------------------------------------------------------------------------------------------
# Files that are not what they look like
# --------------------------------------------------------------------------------------------
def _csv(directory: Path) -> bytes:
    return write(valid_wave(), directory / "valid.csv").read_bytes()


def _nul_at(offset: int) -> Callable[[bytes], bytes]:
    """A NUL byte inside a text value, at about `offset` bytes into the file."""

    def change(data: bytes) -> bytes:
        at = data.index(b",E", offset) + 2  # inside an la_code value
        return data[:at] + b"\x00" + data[at:]

    return change


def _trailing_commas(count: int) -> Callable[[bytes], bytes]:
    def change(data: bytes) -> bytes:
        return b"\n".join(line + b"," * count if line else line for line in data.split(b"\n"))

    return change


def _parquet_bytes(directory: Path) -> bytes:
    return write(valid_wave(), directory / "valid.parquet").read_bytes()


HOSTILE_FILES: dict[str, tuple[str, Callable[[Path], bytes], str]] = {
    # name: (file name, content, what the refusal must say)
    "gzip named .csv": (
        "wave.csv",
        lambda d: gzip.compress(_csv(d)),
        "wave.csv is a gzip-compressed file, not CSV text: decompress it first",
    ),
    "NUL byte in the first 4 KB": (
        "wave.csv",
        lambda d: _nul_at(100)(_csv(d)),
        "is not text: it holds a NUL (zero) byte at byte",
    ),
    "NUL byte after the first 4 KB": (
        "wave.csv",
        lambda d: _nul_at(20_000)(_csv(d)),
        "is not text throughout: it holds a NUL (zero) byte at byte",
    ),
    "sparse file of zeros": (
        "wave.csv",
        lambda d: bytes(1 << 20),
        "wave.csv is nothing but zero bytes",
    ),
    "UTF-16 text": ("wave.csv", lambda d: _csv(d).decode().encode("utf-16"), "is UTF-16 text"),
    "Excel sep= first line": (
        "wave.csv",
        lambda d: b"sep=,\r\n" + _csv(d),
        "the first line 'sep=,' is Excel's delimiter hint, not the column names",
    ),
    "one trailing empty column": (
        "wave.csv",
        lambda d: _trailing_commas(1)(_csv(d)),
        "the header line ends with 1 empty column name",
    ),
    "two trailing empty columns": (
        "wave.csv",
        lambda d: _trailing_commas(2)(_csv(d)),
        "the header line ends with 2 empty column names",
    ),
    "a nameless column in the middle": (
        "wave.csv",
        lambda d: _csv(d).replace(b"gender,", b",", 1),
        "1 column (9 of ",
    ),
    "Parquet named .csv": (
        "wave.csv",
        _parquet_bytes,
        "wave.csv is a Parquet file, not CSV text: name it .parquet",
    ),
    "CSV named .parquet": (
        "wave.parquet",
        _csv,
        "wave.parquet is text (a CSV file?), not a Parquet file: name a CSV file .csv",
    ),
    "ZIP (xlsx) named .csv": (
        "wave.csv",
        lambda d: b"PK\x03\x04" + bytes(200),
        "is a ZIP archive (an Excel .xlsx workbook",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_a_hostile_file_is_refused_naming_what_it_is(
    case: str, landed, tmp_path: Path, capsys, monkeypatch
) -> None:
    name, content, reason = HOSTILE_FILES[case]
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    err = refuse(["land", str(path), "--wave", WAVE], *landed, capsys, monkeypatch)
    assert reason in err, err


def test_a_nul_byte_after_4_kb_is_located(landed, tmp_path: Path, capsys, monkeypatch) -> None:
    data = _csv(tmp_path)
    changed = _nul_at(20_000)(data)
    offset = changed.index(b"\x00")
    path = tmp_path / "wave.csv"
    path.write_bytes(changed)
    err = refuse(["land", str(path), "--wave", WAVE], *landed, capsys, monkeypatch)
    line = changed[:offset].count(b"\n") + 1
    assert f"at byte {offset:,} (line {line:,})" in err, err


# --------------------------------------------------------------------------------------------
# Wave ids: one rule everywhere
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wave_id", BAD_WAVE_IDS)
def test_a_wave_id_that_is_not_ascii_yyyy_mm_is_refused_by_land_and_build(
    wave_id: str, landed, tmp_path: Path, capsys, monkeypatch
) -> None:
    path = write(valid_wave(), tmp_path / "wave.parquet")
    err = refuse(["land", str(path), "--wave", wave_id], *landed, capsys, monkeypatch)
    assert f"wave id {wave_id!r} is not of the form YYYY-MM" in err
    err = refuse(["build", "--wave", wave_id], *landed, capsys, monkeypatch)
    assert f"wave id {wave_id!r} is not of the form YYYY-MM" in err


def test_non_ascii_digits_and_newlines_are_named() -> None:
    from lui.errors import LuiError

    with pytest.raises(LuiError, match="U\\+0662 ARABIC-INDIC DIGIT TWO"):
        codebook.parse_wave_id("20\u0662\u0664-02")
    with pytest.raises(LuiError, match="U\\+000A LINE FEED"):
        codebook.parse_wave_id("2024-02\n")
    assert codebook.parse_wave_id("2024-02") == "2024-02"
    assert not any(codebook.is_wave_id(w) for w in BAD_WAVE_IDS)


@pytest.mark.parametrize("wave_id", BAD_WAVE_IDS)
def test_the_raw_tables_hold_only_wave_ids(wave_id: str, tmp_path: Path) -> None:
    """Past the CLI too: replace_wave refuses, and the raw tables' check constraint."""
    from lui.errors import LuiError

    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        raw.ensure_schema(con)
        con.register("wave_frame", valid_wave().head(3))
        with pytest.raises(LuiError, match="is not of the form YYYY-MM"):
            raw.replace_wave(con, "wave_frame", [], raw.LandingRecord(wave_id, "f", "s", "csv"))
        # the wave ids live once, in raw.wave_keys (raw.respondents and raw.responses are
        # views that take them from there), and in raw.landing_log
        with pytest.raises(duckdb.ConstraintException):
            con.execute("insert into raw.wave_keys values (1, ?)", [wave_id])
        with pytest.raises(duckdb.ConstraintException):
            con.execute(
                "insert into raw.landing_log (wave_id, file_name, file_sha256, file_format, "
                "respondents, answers, questions, landed_at, validation_outcome, "
                "replaced_previous) values (?, 'f', 's', 'csv', 0, 0, 0, now(), 'passed', false)",
                [wave_id],
            )
        assert con.execute("select count(*) from raw.respondents").fetchone() == (0,)


def test_the_dbt_environment_takes_only_wave_ids(tmp_path: Path) -> None:
    from lui.errors import LuiError
    from lui.warehouse.dbt import WAVE_VARIABLE, dbt_environment

    assert dbt_environment(tmp_path / "w.duckdb", "2024-02")[WAVE_VARIABLE] == "2024-02"
    for wave_id in BAD_WAVE_IDS:
        with pytest.raises(LuiError, match="is not of the form YYYY-MM"):
            dbt_environment(tmp_path / "w.duckdb", wave_id)


@pytest.mark.slow
@pytest.mark.parametrize("wave_id", ["2022-08\n", "20\u0662\u0662-08"])
def test_the_dbt_macro_refuses_a_wave_var_that_is_not_a_wave_id(
    wave_id: str, built_warehouse: Path, tmp_path: Path
) -> None:
    """`dbt build --vars` (or LUI_BUILD_WAVE set by hand) hits the same rule in the macro."""
    import json

    from lui.warehouse.dbt import run_dbt

    warehouse = tmp_path / "levelling_up.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    result = run_dbt(
        ["compile", "--select", "int_cells", "--vars", json.dumps({"wave": wave_id})],
        warehouse=warehouse,
    )
    assert result.returncode != 0
    assert "must be a wave id of the form YYYY-MM" in result.stdout


# --------------------------------------------------------------------------------------------
# Weights: any scale lands; only non-finite, non-positive or out-of-line weights are refused
# --------------------------------------------------------------------------------------------
def _weights(change: Callable[[pd.Series], pd.Series]) -> pd.DataFrame:
    frame = valid_wave()
    frame["weight"] = change(frame["weight"].astype("float64"))
    return frame


@pytest.mark.parametrize(
    ("case", "frame", "reason"),
    [
        (
            "a weight of 1e-10",
            _weights(lambda w: w.where(w.index != 7, 1e-10)),
            "weight within a factor of 1,000 of the wave's median weight "
            "(so the largest is at most 1e6 times the smallest): 1 row, e.g. R00007=1e-10",
        ),
        (
            "an infinite weight",
            _weights(lambda w: w.where(w.index != 3, np.inf)),
            "weight is a finite number above 0: 1 row, e.g. R00003=inf",
        ),
        (
            "a weight of zero",
            _weights(lambda w: w.where(w.index != 5, 0.0)),
            "weight is a finite number above 0: 1 row, e.g. R00005=0.0",
        ),
    ],
)
def test_weights_out_of_line_are_refused(
    case: str, frame: pd.DataFrame, reason: str, landed, tmp_path: Path, capsys, monkeypatch
) -> None:
    path = write(frame, tmp_path / "wave.parquet")
    monkeypatch.setenv("LUI_WAREHOUSE", str(landed[0]))
    before = raw_checksum(landed[0])
    code = cli.main(["land", str(path), "--wave", WAVE, "--quiet"])
    _, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert reason in err, err
    assert raw_checksum(landed[0]) == before


@pytest.mark.parametrize("scale", [1e-6, 5000.0, 1e6])
def test_weights_at_any_scale_land_as_delivered(scale: float, tmp_path: Path) -> None:
    frame = _weights(lambda w: w * scale)
    warehouse = tmp_path / "levelling_up.duckdb"
    result = land_file(write(frame, tmp_path / "wave.parquet"), WAVE, warehouse)
    assert result.status == "landed"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stored = con.execute("select weight from raw.respondents order by respondent_id").df()
    np.testing.assert_array_equal(stored["weight"].to_numpy(), frame["weight"].to_numpy())


def _scaled(frame: pd.DataFrame, factor: float) -> pd.DataFrame:
    return frame.assign(weight=frame["weight"] * factor)


FLOAT_TOLERANCE = 1e-9
# Every scaled weight is rounded once to the exact sums' 1e-9 grid (int_respondent_cells:
# a weight raked at landing has full double precision, issue 27). Weights delivered times
# 1e6 are scaled by another power of two, so they meet that grid at other points and a
# difference of two near-equal estimates may move by about 1e-9 (1.04e-9 measured on
# fct_group_comparisons.difference): 1e-8 absolute, 5e-11 of the index's range of 400.
GRID_TOLERANCE = 1e-8


def _compare_marts(reference: Path, scaled: Path, factors: dict[str, float]) -> None:
    """Every mart of `scaled` equals `reference`'s, its weighted bases times the wave's factor.

    A weighted base is published rounded to var base_decimals places in its wave's unit:
    a sum lying on a half (weights of three decimals make 217.985 common) may round either
    way in the two builds, whose sums differ in the 16th digit, so a published base may
    differ by one step of that rounding, and by nothing more.
    """
    from lui.contract import dbt_vars

    rounding_step = 10.0 ** -int(dbt_vars()["base_decimals"])
    with (
        duckdb.connect(str(reference), read_only=True) as ref,
        duckdb.connect(str(scaled), read_only=True) as got,
    ):
        tables = [
            name
            for (name,) in ref.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"
            ).fetchall()
        ]
        assert "fct_mission_index" in tables
        for table in tables:
            a = ref.execute(f"select * from marts.{table} order by all").df()
            b = got.execute(f"select * from marts.{table} order by all").df()
            assert list(a.columns) == list(b.columns) and len(a) == len(b), table
            for column in a.columns:
                left, right = a[column], b[column]
                published_base = column.startswith("weighted_") and column != "weighted_pct"
                if published_base:
                    right = right / b["wave_id"].map(factors)
                if pd.api.types.is_float_dtype(left):
                    np.testing.assert_allclose(
                        right.to_numpy(dtype=float),
                        left.to_numpy(dtype=float),
                        rtol=FLOAT_TOLERANCE,
                        atol=rounding_step * (1 + 1e-6) if published_base else GRID_TOLERANCE,
                        equal_nan=True,
                        err_msg=f"{table}.{column}",
                    )
                elif column not in ("landed_at", "source_sha256", "source_file"):
                    pd.testing.assert_series_equal(left, right, check_names=False, obj=column)


@pytest.mark.slow
def test_scaling_the_weights_leaves_every_index_se_and_flag_unchanged(
    built_warehouse: Path, tmp_path: Path
) -> None:
    """The shared hand-made waves landed again with the first wave's weights times 1e-6, the
    second's times 1e6 and the third's as they are: every index, SE, z and flag is the same
    as in the shared build, weighted bases scaled."""
    from handmade import HANDMADE_RESPONDENTS, HANDMADE_WAVES, land, make_wave

    from lui.warehouse.dbt import dbt_build

    factors = dict(zip(HANDMADE_WAVES, (1e-6, 1e6, 1.0), strict=True))
    scaled = tmp_path / "scaled" / "levelling_up.duckdb"
    for wave_id, seed in HANDMADE_WAVES.items():
        frame = make_wave(wave_id, HANDMADE_RESPONDENTS, seed)
        land(scaled, wave_id, _scaled(frame, factors[wave_id]))
    dbt_build(warehouse=scaled)
    _compare_marts(built_warehouse, scaled, factors)


# --------------------------------------------------------------------------------------------
# Memory: a file is read in chunks; a wave too large to hold is refused before it is built
# --------------------------------------------------------------------------------------------
def test_a_wave_too_large_to_hold_is_refused_before_it_is_built(
    landed, tmp_path: Path, capsys, monkeypatch
) -> None:
    """The 30-million-row case without 30 million rows: the file is read in chunks, and a
    wave whose compact table would exceed the memory a wave may take is refused in one line
    before that table is built (no row limit: the bound is on memory)."""
    path = write(valid_wave(), tmp_path / "wave.parquet")
    monkeypatch.setattr(wavefile, "WAVE_MEMORY_BYTES", 50_000)
    monkeypatch.setattr(wavefile, "CHUNK_ROWS", 30)
    built: list[int] = []
    monkeypatch.setattr(wavefile, "join_chunks", lambda tables, _p: built.append(1))
    err = refuse(["land", str(path), "--wave", WAVE], *landed, capsys, monkeypatch)
    columns = len(pq.read_schema(path).names)
    assert f"wave.parquet holds 200 rows of {columns} columns: checked and landed whole" in err
    assert "more than the 0.0 MiB a wave may take (is it one wave?" in err
    assert built == []


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".sav"])
def test_a_wave_read_in_small_chunks_lands_as_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """Chunks of 7 rows (a CSV in blocks of 2 KiB) land the same rows and answers as one."""
    path = write(valid_wave(), tmp_path / f"wave{suffix}")
    whole = tmp_path / "whole.duckdb"
    land_file(path, WAVE, whole)
    monkeypatch.setattr(wavefile, "CHUNK_ROWS", 7)
    monkeypatch.setattr(wavefile, "CSV_CHUNK_BYTES", 2048)
    chunked = tmp_path / "chunked.duckdb"
    land_file(path, WAVE, chunked)

    def stored(warehouse: Path) -> tuple[list[tuple], list[tuple]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return (
                con.execute("select * from raw.respondents order by all").fetchall(),
                con.execute("select * from raw.keyed_responses order by all").fetchall(),
            )

    assert stored(chunked) == stored(whole)
    assert len(stored(whole)[0]) == 200


def test_a_file_with_too_many_columns_is_refused(
    landed, tmp_path: Path, capsys, monkeypatch
) -> None:
    path = tmp_path / "wave.parquet"
    columns = wavefile.MAX_COLUMNS + 1
    pq.write_table(pa.table({f"c{i}": pa.array([1], pa.int8()) for i in range(columns)}), path)
    err = refuse(["land", str(path), "--wave", WAVE], *landed, capsys, monkeypatch)
    assert f"has {columns:,} columns: a wave file may have at most" in err


# --------------------------------------------------------------------------------------------
# The warehouse file and its directory
# --------------------------------------------------------------------------------------------
@pytest.fixture
def truncated(landed, tmp_path: Path) -> tuple[Path, Path]:
    warehouse = tmp_path / "levelling_up.duckdb"
    data = landed[0].read_bytes()
    warehouse.write_bytes(data[: len(data) // 3])
    return warehouse, tmp_path / "published.duckdb"


@pytest.mark.parametrize("command", ["land", "build", "publish"])
def test_a_truncated_warehouse_is_called_damaged(
    command: str, truncated, tmp_path: Path, capsys, monkeypatch
) -> None:
    arguments = [command]
    if command == "land":
        arguments += [str(write(valid_wave(), tmp_path / "wave.parquet")), "--wave", WAVE]
    before = sha256(truncated[0])
    err = refuse(arguments, *truncated, capsys, monkeypatch)
    assert "is damaged or truncated" in err and "another" not in err, err
    assert sha256(truncated[0]) == before


def test_a_file_ending_before_its_free_blocks_is_complete() -> None:
    """A healthy warehouse was once refused as truncated after dbt builds: its header listed
    248 blocks (18 of them free), the file held 247, and every table read back. A file is
    judged by the blocks in use, which must all be in it."""
    block = 262_144
    listed, used, in_file = 248, 230, 247
    size = raw.DUCKDB_HEADER_BYTES + in_file * block
    assert size >= raw.shortest_complete_size(block, used)  # accepted
    assert size < raw.DUCKDB_HEADER_BYTES + listed * block  # what the old rule demanded
    cut_into_used_blocks = size - (in_file - used + 1) * block
    assert cut_into_used_blocks < raw.shortest_complete_size(block, used)  # refused


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """mount(size, read_only=False) -> a fresh tmpfs mount point; unmounted afterwards."""
    mounted: list[Path] = []

    def mount(size: str = "4m") -> Path:
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)],
            check=True,
        )
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def _read_only(point: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)


@pytest.mark.parametrize("command", ["land", "build", "publish"])
def test_a_read_only_warehouse_directory_is_named(
    command: str, landed, small_filesystem, tmp_path: Path, capsys, monkeypatch
) -> None:
    point = small_filesystem("16m")
    warehouse = point / "levelling_up.duckdb"
    published = point / "published.duckdb"
    shutil.copyfile(landed[0], warehouse)
    shutil.copyfile(landed[1], published)
    _read_only(point)
    arguments = [command]
    if command == "land":
        arguments += [str(write(valid_wave(), tmp_path / "wave.parquet")), "--wave", WAVE]
    err = refuse(arguments, warehouse, published, capsys, monkeypatch)
    assert "read-only file system" in err, err
    assert str(point) in err


# --------------------------------------------------------------------------------------------
# Publishing: a full disk, and copies left by a publish that was killed
# --------------------------------------------------------------------------------------------
def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_stale_half_written_copies_are_cleared_and_live_ones_kept(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getpid()
    stale = [tmp_path / f".published-{dead}-00ff00ff.duckdb"]
    stale.append(stale[0].with_name(stale[0].name + ".wal"))
    live = tmp_path / f".published-{alive}-11aa11aa.duckdb"
    other = tmp_path / "published.duckdb"
    for path in [*stale, live, other]:
        path.write_bytes(b"x")
    assert publish.clear_stale_copies(tmp_path) == sorted(stale)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


@pytest.mark.slow
def test_a_full_disk_while_publishing_is_one_line_and_leaves_the_copy(
    built_warehouse: Path, small_filesystem, capsys, monkeypatch
) -> None:
    point = small_filesystem("1m")
    published = point / "published.duckdb"
    published.write_bytes(b"the previous copy")
    stale = point / f".published-{_dead_pid()}-deadbeef.duckdb"
    stale.write_bytes(b"left by a killed publish")
    err = refuse(["publish"], built_warehouse, published, capsys, monkeypatch)
    assert "no space left on the device" in err, err
    assert published.read_bytes() == b"the previous copy"
    assert sorted(p.name for p in point.iterdir()) == ["published.duckdb"]


@pytest.mark.slow
def test_publish_clears_stale_copies(built_warehouse: Path, tmp_path: Path) -> None:
    stale = tmp_path / f".published-{_dead_pid()}-deadbeef.duckdb"
    stale.write_bytes(b"x" * 1000)
    stale.with_name(stale.name + ".wal").write_bytes(b"x")
    result = publish.publish(built_warehouse, tmp_path / "published.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == [result.path.name]


# --------------------------------------------------------------------------------------------
# A killed build takes dbt with it
# --------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_a_killed_build_leaves_no_dbt_holding_the_warehouse(
    sig: signal.Signals, built_warehouse: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "levelling_up.duckdb"
    shutil.copyfile(built_warehouse, warehouse)
    env = {**os.environ, "LUI_WAREHOUSE": str(warehouse), "LUI_MARTS": str(tmp_path / "p.duckdb")}
    build = subprocess.Popen(
        [str(LUI), "build", "--full-refresh"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    dbt: list[int] = []
    while not dbt and time.monotonic() < deadline and build.poll() is None:
        time.sleep(0.2)
        dbt = _children(build.pid)
    assert dbt, "dbt never started"
    time.sleep(2)  # let dbt get going (it holds the warehouse while it runs)
    build.send_signal(sig)
    _, err = build.communicate(timeout=60)
    assert "Traceback" not in err
    deadline = time.monotonic() + 20
    while not all(_gone(pid) for pid in dbt) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert all(_gone(pid) for pid in dbt), f"dbt {dbt} outlived lui build ({sig.name})"
    with duckdb.connect(str(warehouse)) as con:  # nothing holds the warehouse
        assert con.execute("select count(*) from raw.respondents").fetchone()[0] > 0


# --------------------------------------------------------------------------------------------
# The app on a published copy written by an older version
# --------------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "table", "column"),
    [
        ("views/trends.py", "dim_wave", "validation_outcome"),  # read by every page
        ("views/trends.py", "fct_mission_index", "trend_break"),  # read by the page itself
        ("views/scorecard.py", "fct_mission_index", "trend_break"),
    ],
)
def test_the_app_on_an_older_published_copy_says_so(
    page: str, table: str, column: str, built_warehouse: Path, tmp_path: Path, monkeypatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from lui.paths import PROJECT_ROOT

    published = publish.publish(built_warehouse, tmp_path / "published.duckdb").path
    with duckdb.connect(str(published)) as con:  # what an earlier version wrote
        con.execute(f"alter table marts.{table} drop column {column}")
    monkeypatch.setenv("LUI_MARTS", str(published))
    at = AppTest.from_file(str(PROJECT_ROOT / "streamlit_app" / "app.py"), default_timeout=60)
    at.run()
    if page != "views/trends.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = " ".join(w.value for w in at.warning)
    assert "written by an older version of lui" in warnings, warnings
    assert "`lui publish`" in warnings


def test_build_refuses_a_warehouse_holding_a_bogus_wave_id(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    """A warehouse written before the raw tables' check constraint may hold a wave id that
    is not one: `lui build` names it instead of building and publishing it."""
    warehouse = tmp_path / "levelling_up.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(raw.RAW_DDL.replace(raw.WAVE_ID_CHECK, ""))
        con.execute(raw.VIEWS_DDL)
        con.register("wave_frame", valid_wave().head(3))
        con.execute("insert into raw.wave_keys values (1, ?)", ["20\u0662\u0664-02"])
        con.execute(
            f"insert into raw.respondent_records select 1, row_number() over (), "
            f"{raw.RESPONDENT_SELECT} from wave_frame"
        )
    err = refuse(["build"], warehouse, tmp_path / "published.duckdb", capsys, monkeypatch)
    assert "holds a wave in raw.respondents whose id '20\u0662\u0664-02' is not of the form" in err


def test_an_unexpected_failure_is_one_line_unless_debug(
    capsys, monkeypatch, tmp_path: Path
) -> None:
    import errno

    from lui.warehouse import publish as publish_module

    def full_disk(_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.duckdb"))

    monkeypatch.setattr(publish_module, "run", full_disk)
    assert cli.main(["publish"]) == 2
    err = capsys.readouterr().err
    assert err == f"lui publish: error: no space left on the device: {tmp_path / 'x.duckdb'}\n"
    with pytest.raises(OSError):
        cli.main(["--debug", "publish"])
