"""Small hand-made waves for the warehouse tests, built straight from the codebook.

Answers are drawn per respondent from a propensity that depends on region, deprivation
and age, so groups really differ and significance flags have something to find. Gender
'Other' is rare (about 1.5%) so that it falls under the suppression threshold, and
Northern Ireland is small enough to be a low base.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from lui import codebook, contract
from lui.landing import raw

# the shared hand-made warehouse (conftest's `built_warehouse`): wave id -> its seed
HANDMADE_WAVES = {"2022-02": 1, "2022-08": 2, "2023-02": 3}
HANDMADE_RESPONDENTS = 1600

REGION_SHIFT = {"London": 0.6, "North East": -0.6, "South East": 0.3, "Wales": -0.3}


def make_wave(wave_id: str, respondents: int, seed: int) -> pd.DataFrame:
    """A wide wave-file frame: respondent columns plus one column per question asked."""
    rng = np.random.default_rng(seed)
    las = pd.DataFrame(codebook.local_authorities().values())
    la_weights = las["population"].astype(float) / las["population"].astype(float).sum()
    la_rows = las.iloc[rng.choice(len(las), size=respondents, p=la_weights)].reset_index(drop=True)
    gender = rng.choice(["Male", "Female", "Other"], size=respondents, p=[0.49, 0.495, 0.015])
    frame = pd.DataFrame(
        {
            "respondent_id": [f"{wave_id}-R{i:05d}" for i in range(respondents)],
            "weight": np.round(rng.lognormal(0.0, 0.45, respondents), 4),
            "interview_date": pd.Timestamp(f"{wave_id}-14")
            + pd.to_timedelta(rng.integers(0, 7, respondents), unit="D"),
            "la_code": la_rows["la_code"],
            "imd_quintile": rng.integers(1, 6, respondents),
            "urban_rural": rng.choice(["Urban", "Rural"], size=respondents, p=[0.8, 0.2]),
            "supergroup": rng.choice(contract.SUPERGROUPS, size=respondents),
            "age_band": rng.choice(contract.AGE_BANDS, size=respondents),
            "gender": gender,
        }
    )
    shift = (
        la_rows["region"].map(REGION_SHIFT).fillna(0.0).to_numpy()
        + (frame["imd_quintile"].to_numpy() - 3) * 0.25
        + (frame["age_band"] == "65+").to_numpy() * 0.3
    )
    for question in codebook.questions_for_wave(wave_id):
        frame[question.code] = _answers(question, shift, rng)
    return frame


def _answers(
    question: codebook.Question, shift: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    points = codebook.scale_points()[question.scale_id]
    substantive = sorted((p for p in points if p.kind == "substantive"), key=lambda p: p.code)
    special = [p.code for p in points if p.kind != "substantive"]
    n = len(shift)
    if question.group == "priority" or question.scale_id == "mention2":
        chosen = rng.random(n) < 1 / (1 + np.exp(-(-0.9 + 0.5 * shift)))
        values = chosen.astype(float)
    else:
        # latent position on the substantive steps (first step = most positive)
        steps = len(substantive)
        latent = rng.normal(steps / 2 - 0.5 - shift * steps / 5, steps / 4, n)
        index = np.clip(np.rint(latent), 0, steps - 1).astype(int)
        values = np.array([substantive[i].code for i in index], dtype=float)
        if special:
            odd = rng.random(n) < 0.04
            values[odd] = rng.choice(special, size=odd.sum())
    values[rng.random(n) < 0.03] = np.nan  # skipped
    return values


def land(warehouse: Path, wave_id: str, frame: pd.DataFrame) -> None:
    """Write a wave straight into the raw tables (what `lui land` does after its gate)."""
    codes = [c for c in frame.columns if c in codebook.questions()]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.register("wave_frame", frame)
        raw.replace_wave(
            con,
            "wave_frame",
            codes,
            raw.LandingRecord(wave_id, f"{wave_id}.parquet", f"sha-{wave_id}", "parquet"),
        )


def read_table(warehouse: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"select * from {table}").df()
