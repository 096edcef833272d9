"""Small valid wave files built from the codebook, and ways to write (and spoil) them.

`valid_wave()` is a wave that passes every landing expectation: 200 respondents, one
supergroup per local authority, interviews inside the wave's month, every answer code on its
question's scale and about 10% of answers empty. Tests mutate a copy to make each bad file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from lui import codebook, contract

WAVE = "2022-08"


def valid_wave(wave_id: str = WAVE, respondents: int = 200, seed: int = 7) -> pd.DataFrame:
    """A wide wave-file frame that passes the gate."""
    rng = np.random.default_rng(seed)
    la_codes = sorted(codebook.local_authorities())
    la = rng.choice(la_codes, size=respondents)
    supergroup_of = {code: contract.SUPERGROUPS[i % 8] for i, code in enumerate(la_codes)}
    frame = pd.DataFrame(
        {
            "respondent_id": [f"R{i:05d}" for i in range(respondents)],
            "weight": np.round(rng.uniform(0.3, 3.0, respondents), 4),
            "interview_date": (
                pd.Timestamp(f"{wave_id}-03")
                + pd.to_timedelta(rng.integers(0, 14, respondents), "D")
            ).date,
            "la_code": la,
            "imd_quintile": rng.integers(1, 6, respondents),
            "urban_rural": rng.choice(contract.URBAN_RURAL, size=respondents),
            "supergroup": [supergroup_of[code] for code in la],
            "age_band": rng.choice(contract.AGE_BANDS, size=respondents),
            "gender": rng.choice(contract.GENDERS, size=respondents),
        }
    )
    for question in codebook.questions_for_wave(wave_id):
        codes = np.array(sorted(codebook.valid_codes(question.code)))
        answers = pd.array(rng.choice(codes, size=respondents), dtype="Int64")
        answers[rng.random(respondents) < 0.1] = pd.NA
        frame[question.code] = answers
    return frame


def write(frame: pd.DataFrame, path: Path) -> Path:
    """Write a wave frame as .csv, .parquet or .sav (by the suffix of `path`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".sav":
        import pyreadstat

        out = frame.copy()
        for column in out.columns:
            if str(out[column].dtype) == "Int64":
                out[column] = out[column].astype("float64")
        out["interview_date"] = pd.to_datetime(out["interview_date"])
        pyreadstat.write_sav(out, str(path))
    else:
        raise ValueError(path.suffix)
    return path


def raw_checksum(warehouse: Path) -> str:
    """A checksum of the contents of the raw tables (missing warehouse: 'absent')."""
    if not warehouse.exists():
        return "absent"
    digest = hashlib.sha256()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        for table in sorted(tables):
            rows = con.execute(f"select * from raw.{table} order by all").fetchall()
            digest.update(f"{table}:{len(rows)}:{rows!r}".encode())
    return digest.hexdigest()
