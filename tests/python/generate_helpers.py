"""Helpers for the demo-generator tests: reading a wave back and comparing frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lui import codebook
from lui.landing import wavefile

TEXT_COLUMNS = ("respondent_id", "la_code", "urban_rural", "supergroup", "age_band", "gender")


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """A wave frame with comparable dtypes whatever file it came from."""
    out = frame.copy()
    for column in out.columns:
        if column in TEXT_COLUMNS:
            out[column] = out[column].astype(str)
        elif column == "weight":
            out[column] = out[column].astype(float)
        elif column == "interview_date":
            out[column] = pd.to_datetime(out[column]).dt.date
        else:  # imd_quintile and the questions
            out[column] = out[column].astype("Int64")
    return out.reset_index(drop=True)


def read_back(path: Path) -> pd.DataFrame:
    """Read a wave file with the project's own reader (what `lui land` uses)."""
    wave = wavefile.read_wave_file(path)
    assert not wave.type_problems, wave.type_problems
    return normalised(wave.table.to_pandas())


def nation_and_region(frame: pd.DataFrame) -> pd.DataFrame:
    """nation and region of each respondent, from la_code through the reference seed."""
    las = pd.DataFrame(codebook.local_authorities().values())[["la_code", "nation", "region"]]
    return frame[["la_code"]].merge(las, on="la_code", how="left")
