"""The three raking libraries considered for landing, timed and compared (docs/weighting.md).

They cannot share one environment (their pins conflict), so each runs in a virtualenv of
its own, with numpy and pandas only from this script's side:

    python -m venv /tmp/wt_samplics && /tmp/wt_samplics/bin/pip install samplics==0.6.1
    /tmp/wt_samplics/bin/python bench/raking_libraries.py samplics --out /tmp/rakes
    (the same for weightipy==0.4.2 and balance==0.23.0)
    .venv/bin/python bench/raking_libraries.py compare --out /tmp/rakes

Each library rakes the same synthetic respondents (every category of
seeds/weighting/targets.csv present, skewed from the targets) at 4,162 and 1,000,000 rows,
from log-normal design weights and, as weightipy cannot start from design weights, also
from weights of 1; `compare` puts each next to lui's own raking of the cells
(lui.landing.weighting.rake) and writes bench/raking_libraries.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "seeds" / "weighting" / "targets.csv"
SIZES = (4162, 1_000_000)
TOLERANCE = 1e-10


def targets() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with TARGETS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row.get("wave_id"):
                out.setdefault(row["variable"], {})[row["category"]] = float(row["share"])
    return out


def sample(n: int, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """n respondents, each target variable skewed (first categories rarer), design weights."""
    rng = np.random.default_rng(seed)
    frame = {}
    for variable, shares in targets().items():
        cats = list(shares)
        skew = np.array(list(shares.values())) * np.linspace(0.6, 1.4, len(cats))
        frame[variable] = rng.choice(cats, n, p=skew / skew.sum())
    return pd.DataFrame(frame), rng.lognormal(0.0, 0.4, n)


def rake_samplics(frame: pd.DataFrame, design: np.ndarray) -> np.ndarray:
    from samplics.weighting import SampleWeight

    n = len(frame)
    control = {v: {c: s * n for c, s in shares.items()} for v, shares in targets().items()}
    margins = {v: frame[v].to_numpy() for v in control}
    return SampleWeight().rake(
        samp_weight=design,
        margins=margins,
        control=control,
        tol=TOLERANCE,
        ctrl_tol=TOLERANCE,
        max_iter=1000,
    )


def rake_weightipy(frame: pd.DataFrame, design: np.ndarray) -> np.ndarray:
    import weightipy as wp

    if not np.all(design == 1):
        raise NotImplementedError("weightipy starts every respondent at weight 1")
    scheme = wp.Rim("lui", max_iterations=1000, convcrit=TOLERANCE)
    scheme.set_targets(
        targets=[{v: {c: s * 100 for c, s in shares.items()}} for v, shares in targets().items()]
    )
    return wp.weight(frame, scheme).to_numpy()


def rake_balance(frame: pd.DataFrame, design: np.ndarray) -> np.ndarray:
    from balance.weighting_methods.rake import rake

    # balance rakes to a target *sample*: the product of the margins, one row per cell
    shares = targets()
    grid = pd.MultiIndex.from_product([list(s) for s in shares.values()], names=list(shares))
    target = grid.to_frame(index=False)
    target_weight = np.ones(len(target))
    for variable, share in shares.items():
        target_weight *= target[variable].map(share).to_numpy()
    result = rake(
        sample_df=frame,
        sample_weights=pd.Series(design),
        target_df=target,
        target_weights=pd.Series(target_weight),
        max_iteration=1000,
        convergence_rate=TOLERANCE,
        transformations=None,  # its default lumps rare categories into "_lumped_other"
    )
    weights = result["weight"].to_numpy()
    return weights * len(frame) / weights.sum()


LIBRARIES = {"samplics": rake_samplics, "weightipy": rake_weightipy, "balance": rake_balance}


def run_library(name: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for n in SIZES:
        frame, design = sample(n)
        for start, weights in (("design", design), ("ones", np.ones(n))):
            started = time.perf_counter()
            try:
                raked = LIBRARIES[name](frame, weights)
            except NotImplementedError as error:
                print(json.dumps({"library": name, "n": n, "start": start, "error": str(error)}))
                continue
            seconds = time.perf_counter() - started
            np.save(out / f"{name}_{n}_{start}.npy", np.asarray(raked, dtype=float))
            print(json.dumps({"library": name, "n": n, "start": start, "seconds": seconds}))
            (out / f"{name}_{n}_{start}.json").write_text(json.dumps({"seconds": seconds}))


def compare(out: Path) -> None:
    import pyarrow as pa

    from lui.landing import weighting

    rows = []
    for n in SIZES:
        frame, design = sample(n)
        table = pa.Table.from_pandas(frame.astype(str))
        wanted = [
            weighting.Target(v, tuple(s), np.array(list(s.values()))) for v, s in targets().items()
        ]
        found = weighting.Margins(
            wanted,
            [pd.Categorical(frame[t.variable], categories=t.categories).codes for t in wanted],
        )
        del table
        settings = weighting.Settings(tolerance=TOLERANCE)
        for start, weights in (("design", design), ("ones", np.ones(n))):
            started = time.perf_counter()
            ours = weighting.rake(weights, found, settings).weights
            row = {"n": n, "start": start, "lui_seconds": time.perf_counter() - started}
            for name in LIBRARIES:
                path = out / f"{name}_{n}_{start}.npy"
                if not path.exists():
                    continue
                theirs = np.load(path)
                theirs = theirs * n / theirs.sum()
                row[f"{name}_seconds"] = json.loads(path.with_suffix(".json").read_text())[
                    "seconds"
                ]
                row[f"{name}_max_relative_difference"] = float(np.max(np.abs(theirs - ours) / ours))
            rows.append(row)
            print(json.dumps(row))
    (ROOT / "bench" / "raking_libraries.json").write_text(json.dumps(rows, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("library", choices=[*LIBRARIES, "compare"])
    parser.add_argument("--out", type=Path, default=Path("/tmp/rakes"))
    args = parser.parse_args()
    if args.library == "compare":
        compare(args.out)
    else:
        run_library(args.library, args.out)


if __name__ == "__main__":
    sys.exit(main())
