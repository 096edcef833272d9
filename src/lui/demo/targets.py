"""The demo's weighting targets (seeds/weighting/targets.csv), derived from the reference seeds
and the generator's population shares, so the seed can be checked and rebuilt.

- region: the population of seeds/reference/local_authorities.csv by region;
- imd_quintile, urban_rural: the population of seeds/reference/local_authority_frame.csv;
- age_band, gender: the generator's population by age band and sex
  (`lui.demo.model.POPULATION_AGE_SEX`); "Other" gender, absent from that table, is held at
  the panel's share (`SAMPLE_GENDER_SHARES["Other"]`, 0.4%), Male and Female share the rest.

`python -m lui.demo.targets` rewrites the seed. Shares are rounded to 6 decimals, the largest
category of each variable taking the rounding remainder, so each variable sums to 1 exactly.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from lui import contract
from lui.demo import model as demo_model
from lui.paths import REFERENCE_DIR, SEEDS_DIR

TARGETS_CSV = SEEDS_DIR / "weighting" / "targets.csv"
DECIMALS = 6


def _rounded(totals: dict[str, float]) -> dict[str, Decimal]:
    whole = sum(totals.values())
    quantum = Decimal(1).scaleb(-DECIMALS)
    shares = {k: Decimal(v / whole).quantize(quantum) for k, v in totals.items()}
    largest = max(shares, key=lambda k: shares[k])
    shares[largest] += Decimal(1) - sum(shares.values())
    return shares


def _population(path: Path, column: str) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            totals[row[column]] += float(row["population"])
    return dict(totals)


def demo_targets(reference_dir: Path = REFERENCE_DIR) -> list[tuple[str, str, Decimal]]:
    """(variable, category, share) rows of the demo's targets, in the seed's order."""
    frame = reference_dir / "local_authority_frame.csv"
    region = _population(reference_dir / "local_authorities.csv", "region")
    imd = _population(frame, "imd_quintile")
    urban = _population(frame, "urban_rural")
    age = {a: float(sum(demo_model.POPULATION_AGE_SEX[a])) for a in contract.AGE_BANDS}
    other = demo_model.SAMPLE_GENDER_SHARES["Other"]
    male = sum(m for m, _ in demo_model.POPULATION_AGE_SEX.values())
    female = sum(f for _, f in demo_model.POPULATION_AGE_SEX.values())
    gender = {
        "Male": (1 - other) * male / (male + female),
        "Female": (1 - other) * female / (male + female),
        "Other": other,
    }
    rows: list[tuple[str, str, Decimal]] = []
    for variable, totals, order in (
        ("region", region, sorted(region)),
        ("imd_quintile", imd, [str(q) for q in contract.IMD_QUINTILES]),
        ("urban_rural", urban, list(contract.URBAN_RURAL)),
        ("age_band", age, list(contract.AGE_BANDS)),
        ("gender", gender, list(contract.GENDERS)),
    ):
        shares = _rounded(totals)
        rows += [(variable, category, shares[category]) for category in order]
    return rows


def write_targets(path: Path = TARGETS_CSV) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["variable", "category", "share", "wave_id"])
        writer.writerows([v, c, f"{s:.{DECIMALS}f}", ""] for v, c, s in demo_targets())


if __name__ == "__main__":
    write_targets()
