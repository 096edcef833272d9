"""Chart specifications built without a browser (streamlit_app/charts.py)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd

from lui.paths import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "streamlit_app"))
from charts import groups_chart  # noqa: E402 - the app's modules live beside app.py


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
