"""What weighting at landing costs: raking, 50 JK1 replicates, and storing the replicates.

    .venv/bin/python bench/weighting.py [--sizes 4162 1000000] [--results bench/weighting.json]

For each size, a synthetic wave (every target category of seeds/weighting/targets.csv
present, skewed from the targets, log-normal design weights):

- **rake**: lui.landing.weighting.rake from the design weights to the targets (targets:
  under 3 s at 4,162 and under 10 s at 1,000,000);
- **replicates**: the 50 JK1 replicates, each raked again (jk1_replicates);
- **store long / wide**: writing the replicate weights into a scratch DuckDB file as
  raw.replicate_weights does (long: respondent_key, replicate, weight) and as a wide table
  (respondent_key, rw_1..rw_50), with the file's size, and the time of the SQL a mart
  would run on each: the weighted mean of a score by one breakdown for every replicate.

Cost is judged here, never in a timed unit test. Results: bench/weighting.json and
docs/weighting.md ("Cost").
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from lui import codebook, contract
from lui.landing import weighting

WAVE = "2024-02"
GROUPS = 50


def synthetic(n: int, seed: int = 3) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """(respondent table, design weights, a score) of n synthetic respondents."""
    rng = np.random.default_rng(seed)
    las = np.array(sorted(codebook.local_authorities()))
    table = pa.table(
        {
            "respondent_id": pa.array(np.char.add("R", np.arange(n).astype(str))),
            "la_code": pa.array(las[rng.integers(0, len(las), n)]),
            "imd_quintile": pa.array(
                rng.choice(np.array(contract.IMD_QUINTILES), n, p=[0.15, 0.2, 0.2, 0.2, 0.25])
            ),
            "urban_rural": pa.array(rng.choice(np.array(contract.URBAN_RURAL), n, p=[0.7, 0.3])),
            "age_band": pa.array(
                rng.choice(np.array(contract.AGE_BANDS), n, p=[0.05, 0.12, 0.15, 0.18, 0.2, 0.3])
            ),
            "gender": pa.array(rng.choice(np.array(contract.GENDERS), n, p=[0.45, 0.54, 0.01])),
        }
    )
    return table, rng.lognormal(0.0, 0.4, n), rng.normal(0, 60, n)


def _timed(action):  # noqa: ANN001, ANN202 - a tiny timer
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def store(replicates: np.ndarray, score: np.ndarray, group: np.ndarray, folder: Path) -> dict:
    """Write the replicates long and wide; time each write, size and a per-replicate query."""
    n, count = replicates.shape
    key = np.arange(1, n + 1, dtype=np.int32)
    out: dict[str, float] = {}
    facts = pa.table({"respondent_key": key, "score": score, "grp": group.astype(np.int32)})
    long = pa.table(
        {
            "respondent_key": np.tile(key, count),
            "replicate": np.repeat(np.arange(1, count + 1, dtype=np.int16), n),
            "weight": replicates.reshape(-1, order="F"),
        }
    )
    wide = pa.table(
        {"respondent_key": key, **{f"rw_{r + 1}": replicates[:, r] for r in range(count)}}
    )
    for layout, table in (("long", long), ("wide", wide)):
        path = folder / f"{layout}.duckdb"
        with duckdb.connect(str(path)) as con:
            con.register("facts_in", facts)
            con.execute("create table facts as select * from facts_in")
            con.register("reps", table)
            _, seconds = _timed(lambda con=con: con.execute("create table r as select * from reps"))
            con.execute("checkpoint")
            out[f"store_{layout}_s"] = seconds
            if layout == "long":
                query = (
                    "select f.grp, r.replicate, sum(r.weight * f.score) / sum(r.weight) "
                    "from r join facts as f using (respondent_key) group by all"
                )
            else:
                sums = ", ".join(
                    f"sum(rw_{k} * f.score) / sum(rw_{k}) as m_{k}" for k in range(1, count + 1)
                )
                query = (
                    f"select f.grp, {sums} from r join facts as f using (respondent_key) "
                    "group by f.grp"
                )
            _, out[f"query_{layout}_s"] = _timed(lambda con=con, q=query: con.execute(q).fetchall())
        out[f"size_{layout}_mb"] = path.stat().st_size / 1e6
    return out


def measure(n: int) -> dict:
    table, design, score = synthetic(n)
    settings = weighting.load_settings()
    found = weighting.margins(table, WAVE, weighting.targets(WAVE))
    raked, rake_s = _timed(lambda: weighting.rake(design, found, settings))
    group = weighting.replicate_groups(table.column("respondent_id"), GROUPS)
    replicates, replicates_s = _timed(
        lambda: weighting.jk1_replicates(design, group, found, settings, WAVE)
    )
    result = {
        "respondents": n,
        "rake_s": rake_s,
        "iterations": raked.iterations,
        "replicates_s": replicates_s,
    }
    with tempfile.TemporaryDirectory() as folder:
        breakdown = found.codes[0]  # region
        result.update(store(replicates, score, breakdown, Path(folder)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4162, 1_000_000])
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("weighting.json"))
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        result = measure(n)
        print(json.dumps(result), flush=True)
        results.append(result)
    args.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
