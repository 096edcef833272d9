"""The hex cartogram of local estimates (src/lui/present/hexmap.py): its layout against the
reference list of authorities, the chart's specification and its rendering, the ranking."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from lui import codebook
from lui.demo import model as demo_model
from lui.present import hexmap, queries


def _frame(seed: int = 1) -> pd.DataFrame:
    """Every authority of the reference with a made-up estimate; Wales not estimable."""
    reference = pd.DataFrame(codebook.local_authorities().values())
    rng = np.random.default_rng(seed)
    frame = reference[["la_code", "la_name", "region"]].copy()
    frame["estimate"] = rng.normal(0, 25, len(frame)).round(3)
    frame["ci_low"] = frame["estimate"] - 20
    frame["ci_high"] = frame["estimate"] + 20
    frame["vs_region"] = np.where(
        frame["estimate"] > 35, "above", np.where(frame["estimate"] < -35, "below", None)
    )
    wales = frame["region"] == "Wales"
    frame.loc[wales, ["estimate", "ci_low", "ci_high"]] = np.nan
    frame.loc[wales, "vs_region"] = None
    return frame


def _chart_rows(chart) -> pd.DataFrame:
    spec = chart.to_dict()
    (values,) = spec["datasets"].values()
    return pd.DataFrame(values)


def test_the_hexmap_places_exactly_the_reference_authorities() -> None:
    """The layout's 361 codes are the reference list's: none missing, none extra, one hex
    each, no two on one place."""
    missing, extra = hexmap.check_codes(codebook.local_authorities())
    assert missing == [] and extra == [], (missing, extra)
    layout = hexmap.hex_layout()
    assert len(layout) == 361 == layout["la_code"].nunique()
    assert not layout.duplicated(["q", "r"]).any()


def test_the_chart_draws_all_361_authorities_with_their_intervals() -> None:
    frame = _frame()
    chart = hexmap.hexmap_chart(frame, title="Pay")
    rows = _chart_rows(chart)
    assert len(rows) == 361 and set(rows["la_code"]) == set(codebook.local_authorities())
    spec = chart.to_dict()
    layers = spec["layer"]
    colour = layers[1]["encoding"]["color"]
    assert colour["scale"]["domainMid"] == 0
    low, high = colour["scale"]["domain"]
    assert low == -high and high >= frame["estimate"].abs().max()
    assert "legend" in colour and colour["title"] == "Index (model estimate)"
    # above/below by a shape with its own legend, not colour alone
    shape = layers[2]["encoding"]["shape"]
    assert shape["scale"]["range"] == ["triangle-up", "triangle-down"]
    tooltip_fields = {t["field"] for t in layers[1]["encoding"]["tooltip"]}
    assert {"la_name", "interval", "vs_region_label"} <= tooltip_fields
    hartlepool = rows.set_index("la_code").loc["E06000001"]
    row = frame.set_index("la_code").loc["E06000001"]
    assert hartlepool["interval"] == f"{row.ci_low:.1f} to {row.ci_high:.1f}"
    assert (rows.loc[rows["region"] == "Wales", "interval"] == hexmap.NOT_ESTIMABLE).all()


def test_the_chart_renders_to_svg_and_png_with_every_hex() -> None:
    chart = hexmap.hexmap_chart(_frame(), title="Pay")
    svg = hexmap.to_svg(chart)
    assert svg.startswith("<svg") and "Index" in svg and "wholly above" in svg
    # one hex per authority: the grey layer (not estimable) and the coloured one (the marks
    # are drawn paths, kept out of the accessibility tree: the chart carries a description)
    layers = re.split(r'<g class="mark-symbol role-mark (layer_\d)_marks"[^>]*>', svg)
    names, bodies = layers[1::2], layers[2::2]
    hexes = {n: b.split("</g>")[0].count("<path") for n, b in zip(names, bodies, strict=True)}
    assert hexes["layer_0"] == 22 and hexes["layer_0"] + hexes["layer_1"] == 361
    assert hexes["layer_2"] == _frame()["vs_region"].notna().sum() > 0
    png = hexmap.to_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_authority_without_a_hex_is_one_clear_error() -> None:
    frame = pd.concat(
        [_frame(), pd.DataFrame([{"la_code": "E99999999", "la_name": "Nowhere"}])],
        ignore_index=True,
    )
    with pytest.raises(ValueError, match="no hex for E99999999"):
        hexmap.hexmap_chart(frame)


def test_the_ranking_table_words_the_sql_ranking_and_ranks_nothing_itself() -> None:
    """`ranking_table` keeps queries.local_ranking's order and ranks (one home for the
    ranking: the SQL), words how each authority stands against its region and rounds."""
    frame = _frame()
    ranking = frame.rename(columns={"estimate": "model_estimate"}).assign(
        rank=[7] * len(frame), model_rmse=3.14159, direct_estimate=None
    )
    table = hexmap.ranking_table(ranking)
    assert list(table["la_code"]) == list(ranking["la_code"])
    assert (table["rank"] == 7).all()
    above = ranking["vs_region"] == "above"
    assert (table.loc[above, "vs_region"] == "▲ above").all()
    assert (table.loc[ranking["vs_region"] == "below", "vs_region"] == "▼ below").all()
    wales = ranking["region"] == "Wales"
    assert (table.loc[wales, "vs_region"] == hexmap.NOT_ESTIMABLE).all()
    neither = ~wales & ranking["vs_region"].isna()
    assert (table.loc[neither, "vs_region"] == hexmap.OVERLAPS).all()
    assert (table["model_rmse"] == 3.1).all()


@pytest.mark.slow
def test_the_published_ranking_lists_every_authority_highest_first(demo_run) -> None:
    """queries.local_ranking on the demo's published marts: all 361 authorities, ranked
    1, 2, 3... by the model estimate, highest first (ties share a rank)."""
    stat = demo_run.marts.stat()
    marts = queries.Marts(str(demo_run.marts), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    ranking = queries.local_ranking(marts, 1, demo_model.BASELINE_WAVE)
    assert len(ranking) == 361
    ranked = ranking.dropna(subset=["model_estimate"])
    assert ranked["model_estimate"].is_monotonic_decreasing
    assert list(ranked["rank"])[:3] == [1, 2, 3]
    assert ranked["rank"].is_monotonic_increasing
    assert ranking.iloc[len(ranked) :]["rank"].isna().all()


@pytest.mark.slow
def test_the_demo_map_of_a_mission_has_every_authority(demo_run, tmp_path) -> None:
    """The published mart of the demo's first wave, one mission, as the map draws it."""
    with duckdb.connect(str(demo_run.marts), read_only=True) as con:
        local = con.execute("select * from marts.fct_local_mission_index").df()
    frame = hexmap.mission_frame(local, demo_model.BASELINE_WAVE, 1)
    assert len(frame) == 361 and frame["estimate"].notna().all()
    assert set(frame["vs_region"].dropna()) <= {"above", "below"}
    png = hexmap.to_png(hexmap.hexmap_chart(frame, title="Mission 1"), scale=1)
    (tmp_path / "mission1.png").write_bytes(png)
    assert len(png) > 10_000
