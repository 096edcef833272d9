"""Peak memory of reading very large wave files (issue 28): `python bench/large_files.py`.

Two files, each read by `lui inspect` in a child process whose peak resident memory
(`ru_maxrss`) is measured:

- a 1,000,000-respondent SPSS .sav (`--respondents`, 90 numeric answers and an id), which
  pyreadstat reads in chunks of `SPSS_CHUNK_ROWS` rows; its peak must stay under 2 GB;
- a 30,000,000-row Parquet file (`--parquet-rows`, one small column), beyond the wave-file
  row limit: it must be refused in one line from its metadata, before memory grows.

Writes bench/large_files.json. The files are written to a scratch directory (`--dir`,
default a temporary one) and removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import resource
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


def write_sav(path: Path, respondents: int, questions: int = 90) -> None:
    """A wide labelled .sav written in one go (pyreadstat writes from one frame)."""
    import pandas as pd
    import pyreadstat

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {f"Q{i}": rng.integers(1, 6, respondents).astype("float64") for i in range(questions)}
    )
    frame.insert(0, "serial", np.arange(respondents).astype("float64"))
    pyreadstat.write_sav(frame, str(path), missing_ranges={f"Q{i}": [98, 99] for i in range(3)})


def write_parquet(path: Path, rows: int, group: int = 5_000_000) -> None:
    with pq.ParquetWriter(path, pa.schema([("respondent_id", pa.int32())])) as writer:
        for start in range(0, rows, group):
            count = min(group, rows - start)
            writer.write_table(
                pa.table({"respondent_id": pa.array(np.arange(count, dtype="int32"))})
            )


def peak_of(args: list[str]) -> dict[str, object]:
    """Run `lui ARGS` in a child; its exit code, first stderr line and peak memory."""
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run([*LUI, *args], capture_output=True, text=True, check=False)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    stderr = result.stderr.strip().splitlines()
    return {
        "args": args,
        "exit_code": result.returncode,
        "stderr_lines": len(stderr),
        "stderr_first": stderr[0] if stderr else "",
        "peak_bytes": peak_kib * 1024,
        "peak_is_this_run": peak_kib > before,
        "seconds": round(time.monotonic() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--parquet-rows", type=int, default=30_000_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "large_files.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        directory = Path(scratch)
        results = {}
        parquet = directory / "huge.parquet"
        write_parquet(parquet, args.parquet_rows)
        results["parquet"] = peak_of(["inspect", str(parquet)])
        sav = directory / "big.sav"
        write_sav(sav, args.respondents)
        results["sav"] = peak_of(["inspect", str(sav)])
        results["sav"]["file_bytes"] = sav.stat().st_size
    ok = (
        results["sav"]["exit_code"] == 0
        and int(results["sav"]["peak_bytes"]) < LIMIT_BYTES
        and results["parquet"]["exit_code"] == 2
        and results["parquet"]["stderr_lines"] == 1
        and int(results["parquet"]["peak_bytes"]) < LIMIT_BYTES
    )
    results["within_2_gb"] = ok
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
