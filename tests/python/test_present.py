"""The presentation package (lui.present) without Streamlit: its queries (parameters,
read-only, cached per published copy), chart specifications and formatting."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from test_app import DEMO_WAVES, HOSTILE

from lui.present import queries
from lui.present.charts import groups_chart
from lui.present.formatting import weighting_report


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _x_domain(chart) -> list[float]:
    spec = chart.to_dict()
    for layer in spec["layer"]:
        for inner in layer.get("layer", [layer]):
            x = inner.get("encoding", {}).get("x", {})
            if "domain" in x.get("scale", {}):
                return x["scale"]["domain"]
    raise AssertionError("no x domain in the groups chart")


def test_a_mission_whose_groups_are_all_suppressed_still_has_a_finite_axis() -> None:
    """Every group suppressed (no interval anywhere): the axis spans zero, not NaN."""
    frame = pd.DataFrame(
        {
            "row": ["Wales", "Scotland"],
            "index_score": [np.nan, np.nan],
            "ci_low": [np.nan, np.nan],
            "ci_high": [np.nan, np.nan],
            "vs_rest": [None, None],
            "suppressed": [True, True],
            "unweighted_base": [12, 30],
        }
    )
    domain = _x_domain(groups_chart(frame, ["Wales", "Scotland"]))
    assert all(math.isfinite(v) for v in domain) and domain[0] <= 0 < domain[1]


@pytest.mark.slow
def test_hostile_values_in_query_functions_are_parameters(
    demo_marts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUI_MARTS", str(demo_marts))
    marts = queries.published()
    before = sha256(demo_marts)
    for value in HOSTILE:
        assert queries.groups(marts, value) == []
        assert queries.mission_trends(marts, value, (value,)).empty
        assert (
            queries.mission_trends(marts, "region", (value, "London"))["group_label"]
            .eq("London")
            .all()
        )
        assert queries.breakdown_index(marts, value, value).empty
        assert queries.scorecard(marts, value, value).empty
        assert queries.priorities(marts, value, value).empty
        assert queries.question_toplines(marts, value, value, value).empty
        assert queries.question_toplines(marts, value, "region", DEMO_WAVES[-1]).empty
    assert sha256(demo_marts) == before
    # and the connection is read-only: a write through it is refused
    with pytest.raises(duckdb.Error):
        queries._query(marts, "drop table marts.fct_mission_index")


@pytest.mark.slow
def test_queries_are_cached_per_copy_and_hand_out_copies(
    demo_marts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside Streamlit the default cache answers a repeated query from memory, gives each
    caller its own frame, and a newly published copy (a new identity) is read afresh."""
    live = tmp_path / "published.duckdb"
    shutil.copyfile(demo_marts, live)
    monkeypatch.setenv("LUI_MARTS", str(live))
    first = queries.published()
    waves = queries.waves(first)
    waves.loc[:, "respondents"] = -1  # a caller changing its frame
    assert (queries.waves(first)["respondents"] > 0).all()
    with duckdb.connect(str(demo_marts), read_only=True) as con:
        count = con.execute("select count(*) from marts.dim_wave").fetchone()[0]
    assert len(waves) == count
    staged = tmp_path / ".staged.duckdb"
    shutil.copyfile(demo_marts, staged)
    with duckdb.connect(str(staged)) as con:
        con.execute("delete from marts.dim_wave where wave_id = ?", [DEMO_WAVES[-1]])
    os.replace(staged, live)  # as `lui publish` does
    second = queries.published()
    assert second != first
    assert len(queries.waves(second)) == count - 1
    assert len(queries.waves(first)) == count  # the old copy's answer, from the cache


def test_a_cache_factory_is_used_once_per_query() -> None:
    """use_cache swaps the cache every query uses (the app passes st.cache_data)."""
    made: list[str] = []

    def factory(function, max_entries):
        made.append(function.__name__)
        return function

    previous = queries._factory
    try:
        queries.use_cache(factory)
        marts = queries.Marts("/nonexistent/published.duckdb", 0, 0, 0)
        for _ in range(2):
            with pytest.raises(queries.MartsUnavailable):
                queries.waves(marts)
        assert made == ["waves"]
    finally:
        queries.use_cache(previous)


def test_the_release_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dates, contact and synthetic files from release.toml; defaults without one; a bad
    setting refused in one line."""
    import datetime as dt

    from lui.errors import LuiError
    from lui.present import release

    config = tmp_path / "release.toml"
    monkeypatch.setenv("LUI_RELEASE", str(config))
    assert release.load() == release.Release()
    config.write_text(
        'release_date = 2023-09-14\nnext_release = "2024-03-14"\ncontact = "a@b.org"\n'
        'synthetic_sha256 = ["abc"]\n'
    )
    about = release.load()
    assert about.release_date == dt.date(2023, 9, 14)
    assert about.next_release == dt.date(2024, 3, 14)
    assert about.contact == "a@b.org" and about.sample == release.SAMPLE
    assert about.synthetic(["abc", "def"]) and not about.synthetic(["def"])
    config.write_text('next_release = "March"\n')
    with pytest.raises(LuiError, match="next_release = 'March' is not a date"):
        release.load()
    config.write_text('contcat = "x"\n')
    with pytest.raises(LuiError, match="unknown setting"):
        release.load()
    # the demo's own file is replaced by the demo; a file of the user's is left alone
    release.write_synthetic(config, ["f00"])
    assert config.read_text().startswith(release.DEMO_HEADER)
    assert release.load().synthetic(["f00"])


def test_group_labels_are_human() -> None:
    """Cross-breakdown groups and breakdowns read as words, never as column names."""
    from lui.present.formatting import group_label
    from lui.present.sections import group_kind

    assert group_label("urban_rural_x_imd_quintile", "Rural | 1") == "Rural, most deprived fifth"
    assert group_label("region_x_imd_quintile", "North East | 5") == (
        "North East, least deprived fifth"
    )
    assert group_label("imd_quintile", "1") == "1 – most deprived"
    assert group_kind("urban_rural_x_imd_quintile") == "area type and deprivation"
    assert group_kind("supergroup") == "ONS area supergroup"


def test_every_breakdown_has_a_whole_human_sheet_name() -> None:
    """The workbook's sheet names: one per breakdown, the 21 crossings included, each whole
    within Excel's 31 characters (never cut), unique, and never a column name."""
    from lui import contract
    from lui.present import workbook

    names = [
        workbook.SHEET_NAMES[b] for b in (*contract.BREAKDOWNS, *contract.CROSS_BREAKDOWN_NAMES)
    ]
    assert len(names) == 7 + 21 == len(set(names))
    assert all(len(name) <= 31 and "_" not in name for name in names)
    assert workbook.SHEET_NAMES["region_x_age_band"] == "By region and age band"


def test_weighting_report_says_how_a_raked_wave_was_weighted_and_its_ses() -> None:
    """The methods' weighting report of a wave raked at landing (formatting.weighting_report):
    its raking, Kish efficiency, weight range and replicate SEs, in words."""
    row = pd.Series(
        {
            "wave_id": "2024-02",
            "weighting_method": "raked",
            "design_weight_source": "delivered design_weight",
            "raking_iterations": 9,
            "raking_converged": True,
            "kish_efficiency": 0.698,
            "min_weight": 0.1098,
            "max_weight": 8.745,
            "weights_capped": 0,
            "se_method": "jk1_raked",
            "replicates": 50,
        }
    )
    assert weighting_report(row) == (
        "Weighted at landing: raked from the delivered design weights to the population "
        "targets in 9 iterations (converged); 0 weights capped. Kish efficiency 70% (the "
        "effective base over the respondents); weights from 0.11 to 8.74. Standard errors: "
        "the delete-a-group jackknife (JK1) over 50 replicate groups, each replicate raked "
        "again to the same targets."
    )
