"""How the demo baseline is checked against the published July 2022 report.

Shared by `scripts/calibrate_demo.py` (which fits the latent attitudes) and the tests (which
check the committed fit). Targets are the report's index by ONS supergroup (and All UK)
and the deprivation and urban/rural figures quoted in its text; both come from
`data/published_wave1_*.csv`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lui import codebook, contract
from lui.demo import model as demo_model
from lui.demo import pandas_index

SUPERGROUP_TOLERANCE = 3.0  # index points, All UK and every supergroup x mission
TEXT_TOLERANCE = 5.0  # index points, the deprivation and urban/rural figures
TARGET_KEYS = ["mission_key", "breakdown", "group_label"]


def targets() -> pd.DataFrame:
    """(mission_key, breakdown, group_label, target, tolerance) from the published CSVs.

    Group labels follow the marts: breakdown 'all' is 'UK', quintiles are '1'..'5'.
    """
    table = pd.read_csv(demo_model.DATA_DIR / "published_wave1_supergroup_index.csv")
    table = table.melt(id_vars="group", var_name="mission_key", value_name="target")
    table["breakdown"] = np.where(table["group"] == "All UK", "all", "supergroup")
    table["group_label"] = table["group"].replace({"All UK": "UK"})
    table["tolerance"] = SUPERGROUP_TOLERANCE
    text = pd.read_csv(demo_model.DATA_DIR / "published_wave1_text_figures.csv")
    text = text.rename(columns={"mission": "mission_key", "index_score": "target"})
    text["group_label"] = text["group"].str.split(" ").str[0]
    text["tolerance"] = TEXT_TOLERANCE
    columns = [*TARGET_KEYS, "target", "tolerance"]
    return pd.concat([table[columns], text[columns]], ignore_index=True)


def long_responses(frame: pd.DataFrame, wave_id: str) -> pd.DataFrame:
    """The wave frame's answers as (wave_id, respondent_id, question_code, response_code)."""
    codes = [q.code for q in codebook.questions_for_wave(wave_id) if q.code in frame.columns]
    long = frame[["respondent_id", *codes]].melt(
        id_vars="respondent_id", var_name="question_code", value_name="response_code"
    )
    long = long.dropna(subset=["response_code"]).assign(wave_id=wave_id)
    long["response_code"] = long["response_code"].astype(int)
    return long


def score(frame: pd.DataFrame, wave_id: str = demo_model.BASELINE_WAVE) -> pd.DataFrame:
    """Mission index of a generated wave by breakdown (lui.demo.pandas_index), with mission keys."""
    respondents = frame[list(contract.RESPONDENT_COLUMNS)].assign(wave_id=wave_id)
    index = pandas_index.mission_index(respondents, long_responses(frame, wave_id))
    index["mission_key"] = index["mission_id"].map(demo_model.mission_keys())
    return index


def compare(index: pd.DataFrame) -> pd.DataFrame:
    """Targets beside the computed index (columns breakdown, group_label, mission_key and
    index_score, as in marts.fct_mission_index), with the deviation."""
    got = index[[*TARGET_KEYS, "index_score"]]
    out = targets().merge(got, on=TARGET_KEYS, how="left")
    out["deviation"] = out["index_score"] - out["target"]
    return out
