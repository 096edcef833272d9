"""Groups compared with each other, changes between waves and crossed cells, checked
against R `survey` (the reference implementation of design-based estimates).

The respondents' mission scores are computed from the demo's raw tables by the pandas
reference (`lui.demo.pandas_index`), not read from the warehouse; R then estimates every
group's index on the wave's design `svydesign(ids = ~1, weights = ~weight)` with
`svyby(..., covmat = TRUE)` and takes each difference with `svycontrast`. Respondents
without a score on a mission stay in the design as a domain of their own, so the
design's n/(n-1) counts every respondent of the wave, as the marts' SEs do.
docs/design.md, "Groups compared with each other".
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from demo_fixtures import DemoRun

from lui import contract
from lui.demo import pandas_index

# on the demo's marts (the session's `lui demo`, a dbt build): `make test`, not `make check`
pytestmark = pytest.mark.slow

# the mart's differences and SEs against R's: both are double arithmetic on the same data
# (the marts' sums are exact decimals), so they agree to rounding
ABSOLUTE = 1e-9
RELATIVE = 1e-9
# every single breakdown and two crossings (region x age_band: "16-24s in the North East")
CROSSED = ("region_x_age_band", "region_x_imd_quintile")
UNSCORED = "(no score)"

# read by both scripts: one row per respondent x mission x breakdown (`_long`)
R_PEOPLE = r"""
suppressWarnings(suppressMessages(library(survey)))
args <- commandArgs(trailingOnly = TRUE)
people <- read.csv(args[1], colClasses = "character")
people$weight <- as.numeric(people$weight)
people$score <- as.numeric(people$score)
"""

R_CONTRASTS = r"""
groups <- read.csv(args[2], colClasses = "character")
out <- list()
cov_off <- 0
for (key in unique(paste(people$wave_id, people$mission_id, people$breakdown, sep = "\t"))) {
  parts <- strsplit(key, "\t")[[1]]
  d <- people[people$wave_id == parts[1] & people$mission_id == parts[2] &
                people$breakdown == parts[3], ]
  design <- svydesign(ids = ~1, weights = ~weight, data = d)
  est <- svyby(~score, ~domain, design, svymean, covmat = TRUE)
  v <- vcov(est)
  # disjoint domains of one sample: R's covariances are zero
  cov_off <- max(cov_off, max(abs(v[row(v) != col(v)])))
  shown <- groups$group_label[groups$wave_id == parts[1] & groups$mission_id == parts[2] &
                                groups$breakdown == parts[3]]
  labels <- rownames(v)
  out[[length(out) + 1]] <- data.frame(
    kind = "estimate", wave_id = parts[1], mission_id = parts[2], breakdown = parts[3],
    group_label = labels, other_group_label = NA, value = coef(est), se = SE(est)
  )
  shown <- intersect(labels, shown)
  if (length(shown) < 2) next
  pairs <- t(combn(shown, 2))
  contrasts <- lapply(seq_len(nrow(pairs)), function(k) {
    cc <- setNames(numeric(length(labels)), labels)
    cc[pairs[k, 1]] <- 1
    cc[pairs[k, 2]] <- -1
    cc
  })
  difference <- svycontrast(est, contrasts)
  out[[length(out) + 1]] <- data.frame(
    kind = "difference", wave_id = parts[1], mission_id = parts[2], breakdown = parts[3],
    group_label = pairs[, 1], other_group_label = pairs[, 2],
    value = as.numeric(coef(difference)), se = as.numeric(SE(difference))
  )
}
result <- do.call(rbind, out)
write.csv(result, args[3], row.names = FALSE)
cat(sprintf("%.3e\n", cov_off))
"""

R_CHANGES = r"""
previous <- args[3]
current <- args[4]
out <- list()
for (key in unique(paste(people$mission_id, people$breakdown, sep = "\t"))) {
  parts <- strsplit(key, "\t")[[1]]
  d <- people[people$mission_id == parts[1] & people$breakdown == parts[2], ]
  # two independent samples, one stratum a wave: each wave's n/(n-1), no covariance
  design <- svydesign(ids = ~1, strata = ~wave_id, weights = ~weight, data = d)
  est <- svyby(~score, ~wave_id + domain, design, svymean, covmat = TRUE)
  labels <- rownames(vcov(est))
  groups <- unique(d$domain[d$domain != "(no score)"])
  groups <- groups[paste(current, groups, sep = ".") %in% labels &
                     paste(previous, groups, sep = ".") %in% labels]
  contrasts <- lapply(groups, function(g) {
    cc <- setNames(numeric(length(labels)), labels)
    cc[paste(current, g, sep = ".")] <- 1
    cc[paste(previous, g, sep = ".")] <- -1
    cc
  })
  change <- svycontrast(est, contrasts)
  out[[length(out) + 1]] <- data.frame(
    mission_id = parts[1], breakdown = parts[2], group_label = groups,
    change = as.numeric(coef(change)), se = as.numeric(SE(change))
  )
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
"""


def _read(path: Path, sql: str, parameters: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, parameters or []).df()


def _rscript(script: str, *args: Path | str) -> str:
    done = subprocess.run(
        ["Rscript", "-e", R_PEOPLE + script, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def people(demo_run: DemoRun) -> pd.DataFrame:
    """Every respondent of every demo wave x mission, scored by the pandas reference, with a
    column per single breakdown and per crossing in CROSSED ('North East | 16-24'); the
    score is 0 and every group '(no score)' where the respondent has no score."""
    respondents = _read(demo_run.warehouse, "select * from raw.respondents")
    responses = _read(demo_run.warehouse, "select * from raw.responses")
    scores = pandas_index.respondent_scores(responses)
    frame = pandas_index.with_geography(respondents)
    pairs = dict(zip(contract.CROSS_BREAKDOWN_NAMES, contract.CROSS_BREAKDOWNS, strict=True))
    for name in CROSSED:
        first, second = pairs[name]
        frame[name] = frame[first] + contract.CROSS_SEPARATOR + frame[second]
    missions = pd.DataFrame({"mission_id": sorted(scores.mission_id.unique())})
    everyone = frame.merge(missions, how="cross").merge(
        scores, on=["wave_id", "respondent_id", "mission_id"], how="left"
    )
    scored = everyone.score.notna()
    everyone["score"] = everyone.score.fillna(0.0)
    for breakdown in ("all", *contract.BREAKDOWNS, *CROSSED):
        everyone[breakdown] = everyone[breakdown].astype(str).where(scored, UNSCORED)
    return everyone


def _long(people: pd.DataFrame, breakdowns: tuple[str, ...]) -> pd.DataFrame:
    """One row per respondent x mission x breakdown, with the respondent's group ('domain')."""
    keep = ["wave_id", "respondent_id", "mission_id", "weight", "score"]
    return pd.concat(
        [people[keep].assign(breakdown=b, domain=people[b]) for b in breakdowns],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def latest_wave(demo_run: DemoRun) -> str:
    return _read(demo_run.marts, "select max(wave_id) as w from marts.fct_mission_index").w[0]


@pytest.fixture(scope="module")
def r_latest_wave(
    people: pd.DataFrame, latest_wave: str, demo_run: DemoRun, tmp_path_factory
) -> tuple[pd.DataFrame, float]:
    """R's estimate of every group and difference of every pair of published groups in the
    latest wave (single breakdowns and CROSSED), and R's largest covariance of two groups."""
    folder = tmp_path_factory.mktemp("r_comparisons")
    wave = people[people.wave_id == latest_wave]
    _long(wave, (*contract.BREAKDOWNS, *CROSSED)).to_csv(folder / "people.csv", index=False)
    shown = _read(
        demo_run.marts,
        "select wave_id, mission_id, breakdown, group_label from marts.fct_mission_index "
        "where wave_id = ? and not suppressed",
        [latest_wave],
    )
    shown.to_csv(folder / "groups.csv", index=False)
    printed = _rscript(
        R_CONTRASTS, folder / "people.csv", folder / "groups.csv", folder / "out.csv"
    )
    result = pd.read_csv(folder / "out.csv", dtype={"wave_id": str, "group_label": str})
    result["other_group_label"] = result["other_group_label"].astype("object")
    return result, float(printed.strip())


def test_every_pair_of_published_groups_matches_r_svycontrast(
    r_latest_wave: tuple[pd.DataFrame, float], demo_run: DemoRun, latest_wave: str
) -> None:
    result, largest_covariance = r_latest_wave
    # the estimator's premise: two disjoint domains of one sample have covariance 0
    assert largest_covariance < 1e-12
    r = result[result.kind == "difference"]
    mart = _read(
        demo_run.marts, "select * from marts.fct_group_comparisons where wave_id = ?", [latest_wave]
    )
    mart = mart[mart.breakdown.isin({*contract.BREAKDOWNS, *CROSSED})]
    keys = ["breakdown", "mission_id", "group_label", "other_group_label"]
    merged = mart.merge(r, on=keys, how="outer", indicator=True, validate="one_to_one")
    one_way = merged[merged._merge == "both"]
    # R lists each pair once; the mart has both orders, the other one negated
    assert len(one_way) * 2 == len(mart)
    assert (merged._merge != "right_only").all()
    assert set(one_way.breakdown) == {*contract.BREAKDOWNS, *CROSSED}
    np.testing.assert_allclose(one_way.difference, one_way.value, rtol=RELATIVE, atol=ABSOLUTE)
    np.testing.assert_allclose(
        one_way.difference_standard_error, one_way.se, rtol=RELATIVE, atol=ABSOLUTE
    )
    reverse = merged[merged._merge == "left_only"].merge(
        r,
        left_on=["breakdown", "mission_id", "other_group_label", "group_label"],
        right_on=keys,
        validate="one_to_one",
    )
    assert len(reverse) == len(one_way)
    np.testing.assert_allclose(reverse.difference, -reverse.value_y, rtol=RELATIVE, atol=ABSOLUTE)
    np.testing.assert_allclose(
        reverse.difference_standard_error, reverse.se_y, rtol=RELATIVE, atol=ABSOLUTE
    )
    z = one_way.value / one_way.se
    assert (one_way.significant == (z.abs() > contract.thresholds().z_critical)).all()
    assert one_way.significant.any() and not one_way.significant.all()


def test_suppressed_groups_are_compared_with_nothing(demo_run: DemoRun) -> None:
    rows = _read(
        demo_run.marts,
        """
        select count(*) as n
        from marts.fct_group_comparisons as c
        inner join marts.fct_mission_index as i
            on c.wave_id = i.wave_id and c.breakdown = i.breakdown
            and c.mission_id = i.mission_id
            and i.group_label in (c.group_label, c.other_group_label)
        where i.suppressed
        """,
    )
    assert rows.n[0] == 0
    # and the demo has suppressed groups (gender 'Other', most crossed cells)
    suppressed = _read(
        demo_run.marts, "select count(*) as n from marts.fct_mission_index where suppressed"
    )
    assert suppressed.n[0] > 0


def test_crossed_cells_match_r_svyby(
    r_latest_wave: tuple[pd.DataFrame, float], demo_run: DemoRun, latest_wave: str
) -> None:
    """Every published group of region x age_band and region x imd_quintile (and the
    single breakdowns): the index and its SE equal R's domain mean and SE."""
    result, _ = r_latest_wave
    r = result[(result.kind == "estimate") & (result.group_label != UNSCORED)]
    mart = _read(
        demo_run.marts,
        "select * from marts.fct_mission_index where wave_id = ? and not suppressed",
        [latest_wave],
    )
    merged = mart.merge(r, on=["breakdown", "mission_id", "group_label"], validate="one_to_one")
    crossed = merged[merged.breakdown.isin(CROSSED)]
    assert set(crossed.breakdown) == set(CROSSED) and len(crossed) > 12
    assert len(merged) == len(mart[mart.breakdown.isin({*contract.BREAKDOWNS, *CROSSED})])
    np.testing.assert_allclose(merged.index_score, merged.value, rtol=RELATIVE, atol=ABSOLUTE)
    np.testing.assert_allclose(merged.standard_error, merged.se, rtol=RELATIVE, atol=ABSOLUTE)


def test_change_standard_error_matches_r_svycontrast_of_two_waves(
    people: pd.DataFrame, demo_run: DemoRun, tmp_path: Path
) -> None:
    """The change of every published group's index between the last two demo waves: R's
    svycontrast on the two waves stacked as strata (independent samples) equals the mart's
    change_vs_previous, and its SE equals sqrt(SE^2 + SE_previous^2) of the mart's
    published SEs (and the mart's change_standard_error, where the mart has it)."""
    index = _read(demo_run.marts, "select * from marts.fct_mission_index")
    previous, current = sorted(index.wave_id.unique())[-2:]
    breakdowns = ("all", "region", "age_band", "region_x_age_band")
    two = people[people.wave_id.isin([previous, current])]
    _long(two, breakdowns).to_csv(tmp_path / "people.csv", index=False)
    _rscript(R_CHANGES, tmp_path / "people.csv", tmp_path / "out.csv", previous, current)
    r = pd.read_csv(tmp_path / "out.csv", dtype={"group_label": str})

    now = index[(index.wave_id == current) & index.breakdown.isin(breakdowns)]
    before = index[(index.wave_id == previous)][
        ["breakdown", "group_label", "mission_id", "standard_error"]
    ]
    mart = now.merge(
        before, on=["breakdown", "group_label", "mission_id"], suffixes=("", "_previous")
    )
    mart = mart[mart.change_vs_previous.notna()]
    merged = mart.merge(r, on=["breakdown", "mission_id", "group_label"], validate="one_to_one")
    assert len(merged) == len(mart) and len(merged) > 12 * 10
    assert set(merged.breakdown) == set(breakdowns)
    np.testing.assert_allclose(
        merged.change_vs_previous, merged.change, rtol=RELATIVE, atol=ABSOLUTE
    )
    published = np.sqrt(merged.standard_error**2 + merged.standard_error_previous**2)
    np.testing.assert_allclose(published, merged.se, rtol=RELATIVE, atol=ABSOLUTE)
    if "change_standard_error" in merged.columns:
        np.testing.assert_allclose(
            merged.change_standard_error, merged.se, rtol=RELATIVE, atol=ABSOLUTE
        )
