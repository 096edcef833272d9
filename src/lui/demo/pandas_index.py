"""The Levelling Up Index computed with pandas, the way an analyst's script would.

It is an independent implementation of docs/design.md's calculation, used as the oracle the
dbt marts are tested against, by the demo generator to calibrate its answer model, and
as the "what a user would otherwise use" baseline in the benchmarks. The warehouse
itself never uses it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lui import codebook, contract

BREAKDOWNS = contract.BREAKDOWNS


def points_table() -> pd.DataFrame:
    """question_code x response_code -> points (only answers that count)."""
    qs = codebook.questions()
    rows = [
        (code, p.code, p.points)
        for code, q in qs.items()
        for p in codebook.scale_points()[q.scale_id]
        if p.points is not None
    ]
    return pd.DataFrame(rows, columns=["question_code", "response_code", "points"])


def mission_weights() -> pd.DataFrame:
    return pd.DataFrame(
        codebook.mission_questions(),
        columns=["mission_id", "question_code", "question_weight", "direction"],
    )


def respondent_scores(responses: pd.DataFrame) -> pd.DataFrame:
    """Score per respondent and mission: weighted mean of the counted answers' points.

    `responses` is long (wave_id, respondent_id, question_code, response_code), one row per
    answer given. Weights are renormalised over the questions each respondent answered.
    """
    lookup = points_table().merge(mission_weights(), on="question_code")
    # a categorical key (as large answer tables are read) must meet a key of the same dtype
    lookup["question_code"] = lookup["question_code"].astype(responses["question_code"].dtype)
    lookup["response_code"] = lookup["response_code"].astype(responses["response_code"].dtype)
    lookup["wp"] = lookup["points"] * lookup["direction"] * lookup["question_weight"]
    scored = responses.merge(
        lookup[["question_code", "response_code", "mission_id", "wp", "question_weight"]],
        on=["question_code", "response_code"],
    )
    sums = scored.groupby(
        ["wave_id", "respondent_id", "mission_id"], as_index=False, observed=True
    )[["wp", "question_weight"]].sum()
    sums["score"] = sums["wp"] / sums["question_weight"]
    return sums[["wave_id", "respondent_id", "mission_id", "score"]]


def with_geography(respondents: pd.DataFrame) -> pd.DataFrame:
    """Add nation and region from the local-authority reference, never from the file."""
    las = pd.DataFrame(codebook.local_authorities().values())[["la_code", "nation", "region"]]
    out = respondents.merge(las, on="la_code", how="left")
    out["imd_quintile"] = out["imd_quintile"].astype(int).astype(str)
    out["all"] = "UK"
    return out


def weighted_stats(
    frame: pd.DataFrame, keys: list[str], wave_respondents: pd.Series, value: str = "score"
) -> pd.DataFrame:
    """n, sum w, effective base, weighted mean and domain Taylor SE per group of `keys`.

    `keys` include wave_id; `wave_respondents` (wave_id -> respondents) gives N, the wave's
    sampling units: SE = sqrt(N/(N-1) * sum_group w^2 (y - m)^2 / (sum_group w)^2), the
    domain estimator on the full wave design (R survey::svyby with svymean). Null below
    two respondents in the group.
    """
    f = frame.assign(w2=frame["weight"] ** 2, wy=frame["weight"] * frame[value])
    g = f.groupby(keys, as_index=False, observed=True).agg(
        unweighted_base=(value, "size"),
        weighted_base=("weight", "sum"),
        sum_w2=("w2", "sum"),
        sum_wy=("wy", "sum"),
    )
    g["index_score"] = g["sum_wy"] / g["weighted_base"]
    f = f.merge(g[[*keys, "index_score"]], on=keys)
    f["resid"] = f["w2"] * (f[value] - f["index_score"]) ** 2
    ss = f.groupby(keys, as_index=False, observed=True)["resid"].sum()
    g = g.merge(ss, on=keys)
    n = g["unweighted_base"].astype(float)
    big_n = g["wave_id"].map(wave_respondents).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g["standard_error"] = np.sqrt(big_n / (big_n - 1) * g["resid"] / g["weighted_base"] ** 2)
    g.loc[n < 2, "standard_error"] = np.nan
    g["effective_base"] = g["weighted_base"] ** 2 / g["sum_w2"]
    return g[
        [
            *keys,
            "index_score",
            "unweighted_base",
            "weighted_base",
            "effective_base",
            "standard_error",
        ]
    ]


def mission_index(respondents: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Index per wave x breakdown x group x mission (before flags and suppression)."""
    scores = respondent_scores(responses)
    people = with_geography(respondents)
    frame = scores.merge(people, on=["wave_id", "respondent_id"])
    wave_respondents = people.groupby("wave_id").size()
    parts = []
    for breakdown in ("all", *BREAKDOWNS):
        stats = weighted_stats(frame, ["wave_id", breakdown, "mission_id"], wave_respondents)
        stats = stats.rename(columns={breakdown: "group_label"})
        stats.insert(1, "breakdown", breakdown)
        parts.append(stats)
    return pd.concat(parts, ignore_index=True)
