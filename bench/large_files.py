"""Peak memory of reading very large wave files (issue 28): `python bench/large_files.py`.

Each run is a `lui` command in a child process whose peak resident memory (`ru_maxrss`)
is measured; every peak must stay under 2 GB. The files are read in chunks of
`lui.landing.wavefile.CHUNK_ROWS` rows:

- a 1,000,000-respondent SPSS .sav (`--respondents`): the demo's wave `--wave` with its
  value labels (`lui.demo.generate.write_wave`); `lui inspect` (the variable view, counted
  chunk by chunk) and `lui land` into a scratch warehouse, which must land it;
- a 30,000,000-row Parquet file (`--parquet-rows`, one small column): `lui inspect` must
  show it, and `lui land` must refuse it in one line (it is no wave: the gate's columns
  check), its peak under 2 GB too (`--no-parquet-land` leaves that run out).

Writes bench/large_files.json. The files are written to a scratch directory (`--dir`,
default a temporary one) and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

LIMIT_BYTES = 2 << 30
HERE = Path(__file__).resolve().parent
LUI = [sys.executable, "-m", "lui.cli"]


def write_parquet(path: Path, rows: int, group: int = 5_000_000) -> None:
    with pq.ParquetWriter(path, pa.schema([("respondent_id", pa.int32())])) as writer:
        for start in range(0, rows, group):
            count = min(group, rows - start)
            writer.write_table(
                pa.table({"respondent_id": pa.array(np.arange(count, dtype="int32"))})
            )


def peak_of(args: list[str]) -> dict[str, object]:
    """Run `lui ARGS` in a child; its exit code, first stderr line and its own peak memory
    (`wait4`'s rusage of that child alone)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen([*LUI, *args], stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace").strip().splitlines()
    return {
        "args": args,
        "exit_code": child.returncode,
        "stderr_lines": len(stderr),
        "stderr_first": stderr[0] if stderr else "",
        "peak_bytes": usage.ru_maxrss * 1024,
        "seconds": round(time.monotonic() - started, 1),
    }


def in_child(code: str) -> None:
    """Write a file in a child process: the bench's own process stays small, since a child
    forked from it starts its peak (`ru_maxrss`) at the bench's size."""
    subprocess.run([sys.executable, "-c", code], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--wave", default="2024-03")
    parser.add_argument("--parquet-rows", type=int, default=30_000_000)
    parser.add_argument("--no-parquet-land", action="store_true")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "large_files.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        directory = Path(scratch)
        results: dict[str, dict[str, object]] = {}
        parquet = directory / "huge.parquet"
        in_child(
            f"import sys; sys.path.insert(0, {str(HERE)!r}); from large_files import "
            f"write_parquet; from pathlib import Path; "
            f"write_parquet(Path({str(parquet)!r}), {args.parquet_rows})"
        )
        results["parquet_inspect"] = peak_of(["inspect", str(parquet)])
        if not args.no_parquet_land:
            land = ["land", str(parquet), "--wave", args.wave, "--quiet"]
            results["parquet_land"] = peak_of([*land, "--warehouse", str(directory / "p.duckdb")])
        parquet.unlink()
        sav = directory / "big.sav"
        in_child(
            "from pathlib import Path; from lui.demo.generate import write_wave; "
            f"write_wave(Path({str(sav)!r}), {args.wave!r}, {args.respondents})"
        )
        results["sav_inspect"] = peak_of(["inspect", str(sav)])
        land = ["land", str(sav), "--wave", args.wave, "--quiet"]
        results["sav_land"] = peak_of([*land, "--warehouse", str(directory / "s.duckdb")])
        for name in ("sav_inspect", "sav_land"):
            results[name]["file_bytes"] = sav.stat().st_size
    ok = all(int(r["peak_bytes"]) < LIMIT_BYTES for r in results.values())
    ok &= results["parquet_inspect"]["exit_code"] == 0
    ok &= results["sav_inspect"]["exit_code"] == 0 and results["sav_land"]["exit_code"] == 0
    if "parquet_land" in results:  # refused in one line: no wave
        ok &= results["parquet_land"]["exit_code"] == 2
        ok &= results["parquet_land"]["stderr_lines"] <= 2  # the report path on a second line
    summary: dict[str, object] = dict(results)
    summary["within_2_gb"] = ok
    args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
