"""fct_significance_tests against R: the two-sided normal p-value (macro two_sided_normal_p)
against `2 * pnorm(-|z|)` and the Benjamini-Hochberg adjustment against
`p.adjust(p, "BH")` within each wave, on the demo's published marts; and the raw flags
against the flags the other marts publish."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

R_SCRIPT = """
tests <- read.csv(file("stdin"))
tests$p_r <- 2 * pnorm(-abs(tests$z))
tests$fdr_r <- ave(tests$p_r, tests$wave_id, FUN = function(p) p.adjust(p, method = "BH"))
write.csv(tests[, c("wave_id", "test_kind", "breakdown", "group_label", "mission_id",
                    "p_r", "fdr_r")], stdout(), row.names = FALSE)
"""


def read(marts: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(marts), read_only=True) as con:
        return con.execute(sql).df()


def test_p_values_and_the_fdr_adjustment_equal_rs(demo_marts: Path) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.fail("Rscript is missing: install Debian's r-base-core (`.ci/run` does)")
    tests = read(demo_marts, "select * from marts.fct_significance_tests")
    assert set(tests["test_kind"]) == {"vs_rest", "change_vs_previous", "change_vs_baseline"}
    key = ["wave_id", "test_kind", "breakdown", "group_label", "mission_id"]
    sent = tests[[*key, "z"]].to_csv(index=False, float_format="%.17g")
    run = subprocess.run(
        [rscript, "-e", R_SCRIPT], input=sent, capture_output=True, text=True, check=True
    )
    reference = pd.read_csv(io.StringIO(run.stdout), dtype={"group_label": str})
    both = tests.merge(reference, on=key, validate="one_to_one")
    assert len(both) == len(tests)
    # the erfc fit's fractional error is below 1.2e-7; the adjustment carries it over
    np.testing.assert_allclose(both["p_value"], both["p_r"], rtol=1.3e-7, atol=1e-300)
    np.testing.assert_allclose(both["p_value_fdr"], both["fdr_r"], rtol=1.3e-7)
    # the flags: raw at |z| > 1.96; after the control, R's adjusted p below 0.05 (away from
    # the boundary, where the approximation could tip a flag)
    clear = (both["fdr_r"] - 0.05).abs() > 1e-6
    assert (both.loc[clear, "significant_fdr"] == (both.loc[clear, "fdr_r"] < 0.05)).all()
    assert (both["significant_raw"] == (both["z"].abs() > 1.96)).all()
    assert not (both["significant_fdr"] & ~both["significant_raw"]).any()
    assert both["significant_fdr"].sum() < both["significant_raw"].sum()
    counts = tests.groupby("wave_id")["tests_in_wave"].agg(["first", "size"])
    assert (counts["first"] == counts["size"]).all()


def test_the_raw_flags_are_the_marts_own(demo_marts: Path) -> None:
    """Each test's raw flag is the flag fct_mission_index or the baseline mart publishes, and
    each change's interval is the change -/+ 1.96 x its standard error."""
    joined = read(
        demo_marts,
        """
        select t.test_kind, t.significant_raw, t.estimate, t.standard_error,
               i.vs_rest, i.change_significant, i.change_vs_previous, i.change_standard_error,
               i.change_ci_low, i.change_ci_high,
               c.change_vs_baseline_significant, c.change_vs_baseline,
               c.change_vs_baseline_standard_error
        from marts.fct_significance_tests as t
        join marts.fct_mission_index as i
            using (wave_id, breakdown, group_label, mission_id)
        join marts.fct_mission_change_since_baseline as c
            using (wave_id, breakdown, group_label, mission_id)
        """,
    )
    vs_rest = joined[joined["test_kind"] == "vs_rest"]
    assert (vs_rest["significant_raw"] == vs_rest["vs_rest"].notna()).all()
    previous = joined[joined["test_kind"] == "change_vs_previous"]
    assert (previous["significant_raw"] == previous["change_significant"]).all()
    np.testing.assert_allclose(previous["estimate"], previous["change_vs_previous"])
    np.testing.assert_allclose(previous["standard_error"], previous["change_standard_error"])
    np.testing.assert_allclose(
        previous["change_ci_high"] - previous["change_ci_low"],
        2 * 1.96 * previous["change_standard_error"],
    )
    baseline = joined[joined["test_kind"] == "change_vs_baseline"]
    assert (baseline["significant_raw"] == baseline["change_vs_baseline_significant"]).all()
    np.testing.assert_allclose(
        baseline["standard_error"], baseline["change_vs_baseline_standard_error"]
    )
