"""Weights and SEs made at landing against R `survey` (called through Rscript).

- raking from design weights to seeds/weighting/targets.csv equals
  calibrate(svydesign(ids=~1, weights=~design_weight), ~margins, population,
  calfun="raking") to 1e-9 relative;
- the JK1 replicate SE of a weighted mean by group, from the replicate weights landing
  stores (each replicate re-raked), equals calibrate(as.svrepdesign(svydesign(
  ids=~replicate_group, weights=~design_weight), type="JK1"), ...) then svyby(~score,
  ~group, svymean) to 1e-6 relative;
- the Taylor SE with strata and PSUs equals svydesign(ids=~psu, strata=~stratum,
  weights=~weight, nest=TRUE) then svyby;
- the PUBLISHED SEs of a wave raked at landing (the demo's example wave, landed and built)
  and of a wave delivered with strata and PSUs: fct_mission_index's SEs and design effects
  by group, fct_group_comparisons' SEs of two regions' difference and
  fct_significance_tests' SEs of a region vs the rest equal the same design's
  svyby(~score, ~group, svymean, deff = "replace") (covmat = TRUE for the differences) to
  1e-6 relative: the JK1 design raked again, and svydesign(ids = ~psu, strata = ~stratum,
  weights = ~weight, nest = TRUE).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lui import codebook, contract
from lui.demo import generate
from lui.demo import model as demo_model
from lui.demo.run import weighting_example
from lui.landing import weighting
from lui.landing.land import land_file
from lui.paths import PROJECT_ROOT
from lui.survey_estimators import jk1_scale, replicate_mean_se, taylor_mean_se
from lui.warehouse.dbt import dbt_build

R_SCRIPT = PROJECT_ROOT / "tests" / "r" / "weighting_survey.R"
WAVE = "2024-05"


def synthetic_wave(n: int = 3000, seed: int = 11) -> pa.Table:
    """Respondents with every target category present, skewed away from the targets."""
    rng = np.random.default_rng(seed)
    las = sorted(codebook.local_authorities())
    age_p = np.array([0.05, 0.12, 0.15, 0.18, 0.2, 0.3])
    return pa.table(
        {
            "respondent_id": [f"R{i:05d}" for i in rng.permutation(n)],
            "la_code": rng.choice(las, n),
            "imd_quintile": rng.choice(contract.IMD_QUINTILES, n, p=[0.15, 0.2, 0.2, 0.2, 0.25]),
            "urban_rural": rng.choice(contract.URBAN_RURAL, n, p=[0.7, 0.3]),
            "age_band": rng.choice(contract.AGE_BANDS, n, p=age_p),
            "gender": rng.choice(contract.GENDERS, n, p=[0.45, 0.54, 0.01]),
        }
    )


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    table = synthetic_wave()
    n = table.num_rows
    rng = np.random.default_rng(5)
    design_weight = rng.lognormal(0.0, 0.4, n)
    settings = weighting.Settings(tolerance=1e-13)
    found = weighting.margins(table, WAVE, weighting.targets(WAVE))
    raked = weighting.rake(design_weight, found, settings)
    group = weighting.replicate_groups(table.column("respondent_id"), 50)
    replicates = weighting.jk1_replicates(design_weight, group, found, settings, WAVE)
    frame = table.to_pandas()
    frame["region"] = weighting.respondent_categories(table, "region").to_pylist()
    frame["design_weight"] = design_weight
    frame["weight"] = raked.weights
    frame["replicate_group"] = group
    frame["group"] = frame["age_band"]
    frame["score"] = rng.normal(0, 60, n) + frame["imd_quintile"] * 8
    frame["stratum"] = frame["region"]
    frame["psu"] = (np.arange(n) % 7).astype(str)
    work = tmp_path_factory.mktemp("r")
    frame.to_csv(work / "respondents.csv", index=False, float_format="%.17g")
    subprocess.run(
        ["Rscript", str(R_SCRIPT), "respondents.csv", str(weighting.TARGETS_CSV), str(work)],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    ours_jk1 = replicate_mean_se(
        frame["score"], frame["group"], raked.weights, replicates, jk1_scale(50)
    )
    ours_taylor = taylor_mean_se(
        frame["score"], frame["group"], raked.weights, frame["stratum"], frame["psu"]
    )
    return {
        "frame": frame,
        "replicates": pd.DataFrame(replicates),
        "r_raked": pd.read_csv(work / "raked.csv"),
        "r_jk1": pd.read_csv(work / "jk1.csv"),
        "r_jk1_weights": pd.read_csv(work / "jk1_weights.csv"),
        "r_taylor": pd.read_csv(work / "taylor.csv"),
        "jk1": pd.DataFrame({"group": ours_jk1.groups, "mean": ours_jk1.mean, "se": ours_jk1.se}),
        "taylor": pd.DataFrame(
            {"group": ours_taylor.groups, "mean": ours_taylor.mean, "se": ours_taylor.se}
        ),
    }


def _relative(ours: np.ndarray, theirs: np.ndarray) -> float:
    return float(np.max(np.abs(ours - theirs) / np.abs(theirs)))


def test_raked_weights_equal_r_calibrate_raking(compared) -> None:
    frame, r = compared["frame"], compared["r_raked"]
    assert list(r["respondent_id"]) == list(frame["respondent_id"])
    assert _relative(frame["weight"].to_numpy(), r["weight"].to_numpy()) < 1e-9
    assert frame["weight"].mean() == pytest.approx(1.0, abs=1e-12)


def test_replicate_weights_equal_r_jk1_recalibrated(compared) -> None:
    ours, theirs = compared["replicates"].to_numpy(), compared["r_jk1_weights"].to_numpy()
    assert ours.shape == theirs.shape == (len(compared["frame"]), 50)
    # R keeps its replicates in the order the groups first appear; lui's are groups 1..50
    group = compared["frame"]["replicate_group"].to_numpy()
    dropped_group = [np.unique(group[theirs[:, j] == 0]) for j in range(50)]
    assert all(len(g) == 1 for g in dropped_group)
    theirs = theirs[:, np.argsort([g[0] for g in dropped_group])]
    dropped = theirs == 0
    assert (ours[dropped] == 0).all()
    assert _relative(ours[~dropped], theirs[~dropped]) < 1e-9


def test_jk1_se_of_group_means_equals_r_svyby(compared) -> None:
    ours, theirs = compared["jk1"], compared["r_jk1"]
    assert list(ours["group"]) == list(theirs["group"])
    assert _relative(ours["mean"].to_numpy(), theirs["mean"].to_numpy()) < 1e-9
    assert _relative(ours["se"].to_numpy(), theirs["se"].to_numpy()) < 1e-6


def test_taylor_se_with_strata_and_psus_equals_r_svyby(compared) -> None:
    ours, theirs = compared["taylor"], compared["r_taylor"]
    assert list(ours["group"]) == list(theirs["group"])
    assert _relative(ours["mean"].to_numpy(), theirs["mean"].to_numpy()) < 1e-12
    assert _relative(ours["se"].to_numpy(), theirs["se"].to_numpy()) < 1e-9


# --------------------------------------------------------------------------------------------
# The published marts of a wave raked at landing against R
# --------------------------------------------------------------------------------------------
MARTS_R_SCRIPT = PROJECT_ROOT / "tests" / "r" / "weighting_marts.R"


def _published_and_r(
    warehouse: Path, work: Path, design: str, design_columns: str
) -> dict[str, pd.DataFrame]:
    """A built warehouse's marts of one wave and R's svyby on the same respondents under
    `design` (tests/r/weighting_marts.R: jk1 or taylor); `design_columns` are the columns
    of raw.respondent_design (or the respondents') the R design is made from."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        respondents = con.execute(
            f"select r.respondent_id, {design_columns}, r.region, "
            "r.imd_quintile, r.urban_rural, r.age_band, r.gender "
            "from intermediate.int_respondents__enriched as r "
            "inner join raw.respondent_design as d using (wave_id, respondent_key) "
            "order by r.respondent_id"
        ).df()
        scores = con.execute(
            "select r.respondent_id, s.mission_id, s.mission_score as score "
            "from intermediate.int_respondent_mission_scores as s "
            "inner join intermediate.int_respondents__enriched as r "
            "using (wave_id, respondent_key)"
        ).df()
        marts = {
            "index": con.execute(
                "select mission_id, breakdown, group_label, index_score, standard_error, "
                "design_effect from marts.fct_mission_index"
            ).df(),
            "pairs": con.execute(
                "select mission_id, group_label, other_group_label, difference_standard_error "
                "from marts.fct_group_comparisons where breakdown = 'region'"
            ).df(),
            "rests": con.execute(
                "select mission_id, group_label, standard_error as vs_rest_standard_error "
                "from marts.fct_significance_tests "
                "where breakdown = 'region' and test_kind = 'vs_rest'"
            ).df(),
            "se_method": con.execute("select se_method from marts.fct_wave_weighting").df(),
        }
    respondents.to_csv(work / "respondents.csv", index=False, float_format="%.17g")
    scores.to_csv(work / "scores.csv", index=False, float_format="%.17g")
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.fail("Rscript is missing: install Debian's r-base-core and r-cran-survey")
    subprocess.run(
        [
            rscript,
            str(MARTS_R_SCRIPT),
            "respondents.csv",
            "scores.csv",
            str(weighting.TARGETS_CSV),
            str(work),
            design,
        ],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    for name in ("estimates", "pairs", "rests"):
        marts[f"r_{name}"] = pd.read_csv(work / f"{name}.csv", dtype={"group_label": str})
    return marts


@pytest.fixture(scope="module")
def published_raked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """The demo's example wave delivered with design weights only, landed (raked, its 50
    JK1 replicates raked again) and built; its marts and R's svyby on the same respondents."""
    work = tmp_path_factory.mktemp("raked_marts")
    warehouse = work / "wh.duckdb"
    weighting_example(work, warehouse)
    dbt_build(warehouse=warehouse)
    return _published_and_r(warehouse, work, "jk1", "d.design_weight, d.replicate_group")


@pytest.fixture(scope="module")
def published_stratified(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """A demo wave delivered with its final weights, strata (the regions) and PSUs (six per
    region, numbered within it), landed and built; its marts and R's svyby on
    svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE)."""
    work = tmp_path_factory.mktemp("stratified_marts")
    warehouse = work / "wh.duckdb"
    path = work / "wave.parquet"
    generate.write_wave(path, WAVE, demo_model.BASELINE_RESPONDENTS, demo_model.DEMO_SEED)
    table = pq.read_table(path)
    region = weighting.respondent_categories(table, "region").to_pylist()
    order = np.argsort(np.argsort(table.column("respondent_id").to_pylist()))
    table = table.append_column("stratum", pa.array(region)).append_column(
        "psu", pa.array([f"p{i % 6}" for i in order])
    )
    pq.write_table(table, path)
    land_file(path, WAVE, warehouse=warehouse)
    dbt_build(warehouse=warehouse)
    return _published_and_r(
        warehouse, work, "taylor", "r.survey_weight as weight, d.stratum, d.psu"
    )


def _assert_index_equals_r(published: dict[str, pd.DataFrame], se_method: str) -> None:
    """fct_mission_index by UK, region, age band and urban/rural x deprivation: the index,
    its SE and its design effect equal R's svyby(~score, ~group, design, svymean,
    deff = "replace")."""
    assert list(published["se_method"]["se_method"]) == [se_method]
    both = published["r_estimates"].merge(
        published["index"],
        on=["mission_id", "breakdown", "group_label"],
        how="left",
        suffixes=("_r", ""),
        validate="one_to_one",
    )
    assert both["index_score"].notna().all()
    assert set(both["breakdown"]) == {"all", "region", "age_band", "urban_rural_x_imd_quintile"}
    assert _relative(both["index_score"].to_numpy(), both["estimate"].to_numpy()) < 1e-8
    # R gives no SE where a replicate has no respondent of the group; nor do the marts
    assert (both["standard_error"].isna() == both["standard_error_r"].isna()).all()
    known = both["standard_error_r"].notna()
    assert known.sum() > 300
    for column in ("standard_error", "design_effect"):
        assert (
            _relative(
                both.loc[known, column].to_numpy(),
                both.loc[known, f"{column}_r"].to_numpy(),
            )
            < 1e-6
        ), column


def _assert_differences_equal_r(published: dict[str, pd.DataFrame]) -> None:
    """fct_group_comparisons (every pair of regions) and fct_significance_tests (each region
    vs the rest): the SE of the difference equals R's from svyby(covmat = TRUE), the
    groups' covariance under the design included."""
    pairs = published["r_pairs"].merge(
        published["pairs"],
        on=["mission_id", "group_label", "other_group_label"],
        suffixes=("_r", ""),
        validate="one_to_one",
    )
    assert len(pairs) == len(published["r_pairs"]) == 12 * 12 * 11
    assert (
        _relative(
            pairs["difference_standard_error"].to_numpy(),
            pairs["difference_standard_error_r"].to_numpy(),
        )
        < 1e-6
    )
    rests = published["r_rests"].merge(
        published["rests"],
        on=["mission_id", "group_label"],
        suffixes=("_r", ""),
        validate="one_to_one",
    )
    assert len(rests) == len(published["r_rests"]) == 12 * 12
    assert (
        _relative(
            rests["vs_rest_standard_error"].to_numpy(),
            rests["vs_rest_standard_error_r"].to_numpy(),
        )
        < 1e-6
    )


@pytest.mark.slow
def test_published_index_ses_of_a_raked_wave_equal_r_jk1_svyby(published_raked) -> None:
    """The JK1 design, every replicate raked again to the targets."""
    _assert_index_equals_r(published_raked, weighting.SE_JK1_RAKED)


@pytest.mark.slow
def test_published_pair_and_vs_rest_ses_of_a_raked_wave_equal_r(published_raked) -> None:
    _assert_differences_equal_r(published_raked)


@pytest.mark.slow
def test_published_index_ses_of_a_stratified_wave_equal_r_svyby(published_stratified) -> None:
    """Delivered strata and PSUs: svydesign(ids = ~psu, strata = ~stratum, weights =
    ~weight, nest = TRUE)."""
    _assert_index_equals_r(published_stratified, weighting.SE_TAYLOR_DESIGN)


@pytest.mark.slow
def test_published_pair_and_vs_rest_ses_of_a_stratified_wave_equal_r(
    published_stratified,
) -> None:
    _assert_differences_equal_r(published_stratified)
