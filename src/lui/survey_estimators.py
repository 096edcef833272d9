"""Design-based standard errors of weighted means by group: the one home of the estimators.

Each function returns, per group of `groups`, the weighted mean of `values` and its SE, as
R `survey` computes them with `svyby(~value, ~group, design, svymean)`; the tests
(tests/python/test_weighting_r.py) call R through `Rscript` and compare. The marts compute
their SEs in SQL (macros/survey_statistics.sql); the replicate SE there
(`replicate_standard_error`) is this module's `replicate_mean_se` written in SQL.

- `taylor_mean_se`: Taylor linearisation of the ratio sum(w y) / sum(w) with strata and
  primary sampling units (with replacement at the first stage, no finite population
  correction): `svydesign(ids = ~psu, strata = ~stratum, weights = ~weight)`. Without
  strata or PSUs it is the single-stage weights-only SE the marts publish today.
- `replicate_mean_se`: replicate weights, `scale * sum_r rscale_r (theta_r - centre)^2`,
  the centre being the mean of the replicate estimates (R's default,
  `options(survey.replicates.mse = FALSE)`) or the full-sample estimate (`mse=True`).
  For the delete-a-group jackknife (JK1) over G groups, scale = (G - 1) / G and rscales 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GroupEstimates:
    """Per group (in `groups` order): weighted mean and its standard error."""

    groups: np.ndarray
    mean: np.ndarray
    se: np.ndarray


def _codes(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, codes = np.unique(np.asarray(groups), return_inverse=True)
    return labels, codes.reshape(-1)


def jk1_scale(replicates: int) -> float:
    """The JK1 variance multiplier (G - 1) / G for G delete-a-group replicates."""
    return (replicates - 1) / replicates


def replicate_mean_se(
    values: np.ndarray,
    groups: np.ndarray,
    weight: np.ndarray,
    replicate_weights: np.ndarray,
    scale: float,
    rscales: np.ndarray | None = None,
    *,
    mse: bool = False,
) -> GroupEstimates:
    """Weighted mean by group and its replicate-weight SE.

    `replicate_weights` is (respondents, R): one column per replicate, the full weighting
    (raking included) redone on each. The group mean of replicate r is
    sum(w_r y) / sum(w_r) over the group's respondents.
    """
    y = np.asarray(values, dtype=float)
    labels, codes = _codes(groups)
    k = len(labels)
    w = np.asarray(weight, dtype=float)
    full = np.bincount(codes, w * y, k) / np.bincount(codes, w, k)
    reps = np.asarray(replicate_weights, dtype=float)
    r = reps.shape[1]
    rs = np.ones(r) if rscales is None else np.asarray(rscales, dtype=float)
    # (k, R) group sums of each replicate
    sum_wy = np.column_stack([np.bincount(codes, reps[:, j] * y, k) for j in range(r)])
    sum_w = np.column_stack([np.bincount(codes, reps[:, j], k) for j in range(r)])
    with np.errstate(invalid="ignore", divide="ignore"):
        theta = sum_wy / sum_w
    centre = full[:, None] if mse else theta.mean(axis=1, keepdims=True)
    variance = scale * np.sum(rs[None, :] * (theta - centre) ** 2, axis=1)
    return GroupEstimates(labels, full, np.sqrt(variance))


def taylor_mean_se(
    values: np.ndarray,
    groups: np.ndarray,
    weight: np.ndarray,
    strata: np.ndarray | None = None,
    psu: np.ndarray | None = None,
) -> GroupEstimates:
    """Weighted mean by group and its linearisation SE with strata and PSUs (R's svyby).

    The domain mean's linearised value z_i = w_i 1[i in d] (y_i - mean_d) / sum_d w is
    summed to PSU totals; the variance is sum over strata of n_h / (n_h - 1) times the sum
    of squared deviations of the stratum's PSU totals from their mean (n_h PSUs). A stratum
    with one PSU is refused (R's default, `survey.lonely.psu = "fail"`).
    """
    y = np.asarray(values, dtype=float)
    n = len(y)
    w = np.asarray(weight, dtype=float)
    labels, codes = _codes(groups)
    k = len(labels)
    sum_w = np.bincount(codes, w, k)
    mean = np.bincount(codes, w * y, k) / sum_w
    _, stratum = _codes(np.zeros(n, dtype=int) if strata is None else strata)
    # a PSU is identified within its stratum
    units = np.arange(n) if psu is None else np.asarray(psu)
    _, cluster = _codes(np.char.add(stratum.astype(str), np.char.add("|", units.astype(str))))
    clusters = int(cluster.max()) + 1
    cluster_stratum = np.zeros(clusters, dtype=int)
    cluster_stratum[cluster] = stratum
    per_stratum = np.bincount(cluster_stratum, minlength=int(stratum.max()) + 1)
    if (per_stratum == 1).any():
        raise ValueError("a stratum has only one primary sampling unit")
    se = np.empty(k)
    for g in range(k):
        inside = codes == g
        z = np.where(inside, w * (y - mean[g]) / sum_w[g], 0.0)
        totals = np.bincount(cluster, z, clusters)
        stratum_mean = np.bincount(cluster_stratum, totals) / per_stratum
        deviation = totals - stratum_mean[cluster_stratum]
        factor = per_stratum / (per_stratum - 1.0)
        se[g] = np.sqrt(np.sum(factor[cluster_stratum] * deviation**2))
    return GroupEstimates(labels, mean, se)
