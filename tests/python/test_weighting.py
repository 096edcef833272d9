"""Weighting at landing (lui.landing.weighting): what lands, what is refused, `lui weights`.

The numbers themselves (raked weights, replicate weights, SEs) are checked against R survey
in tests/python/test_weighting_r.py; here, the landing path around them.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from land_fixtures import WAVE, raw_checksum, valid_wave, write

from lui.cli import main
from lui.errors import LuiError
from lui.landing import weighting
from lui.landing.land import land_file

DESIGN_WAVE, DELIVERED_WAVE, PLAIN_WAVE = "2022-08", "2023-02", "2023-08"


def _design_only(wave_id: str, seed: int = 7) -> pd.DataFrame:
    frame = valid_wave(wave_id, seed=seed).rename(columns={"weight": "design_weight"})
    frame["design_weight"] = np.round(frame["design_weight"] * 3.7, 4)  # any scale
    return frame


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One warehouse: a wave with design weights only, one with delivered weights plus
    strata and PSUs, one with no weight of any kind."""
    folder = tmp_path_factory.mktemp("weighting")
    warehouse = folder / "wh.duckdb"
    land_file(write(_design_only(DESIGN_WAVE), folder / "design.parquet"), DESIGN_WAVE, warehouse)
    delivered = valid_wave(DELIVERED_WAVE)
    delivered["stratum"] = np.where(delivered.index % 2 == 0, "A", "B")
    delivered["psu"] = (delivered.index % 10).astype(str)
    land_file(write(delivered, folder / "delivered.csv"), DELIVERED_WAVE, warehouse)
    plain = valid_wave(PLAIN_WAVE).drop(columns=["weight"])
    land_file(write(plain, folder / "plain.csv"), PLAIN_WAVE, warehouse)
    return warehouse


def _query(warehouse: Path, sql: str, *params: object) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).df()


def test_a_wave_with_design_weights_only_lands_raked_to_the_targets(landed: Path) -> None:
    margins = _query(landed, "select * from raw.weighting_margins where wave_id = ?", DESIGN_WAVE)
    assert set(margins["variable"]) == {t.variable for t in weighting.targets(DESIGN_WAVE)}
    assert np.allclose(margins["weighted_share"], margins["target_share"], rtol=1e-8)
    assert not np.allclose(margins["unweighted_share"], margins["target_share"], rtol=1e-2)
    weights = _query(landed, "select weight from raw.respondents where wave_id = ?", DESIGN_WAVE)
    assert weights["weight"].mean() == pytest.approx(1.0, rel=1e-12)
    facts = _query(landed, "select * from raw.weighting_waves where wave_id = ?", DESIGN_WAVE)
    row = facts.iloc[0]
    assert (row["method"], row["se_method"], row["replicates"]) == ("raked", "jk1_raked", 50)
    assert row["converged"] and row["iterations"] > 1
    assert row["replicate_scale"] == pytest.approx(49 / 50)
    w = weights["weight"].to_numpy()
    assert row["kish_efficiency"] == pytest.approx(w.sum() ** 2 / (len(w) * (w**2).sum()))
    assert (row["min_weight"], row["max_weight"]) == pytest.approx((w.min(), w.max()))


def test_the_replicates_are_kept_with_their_groups(landed: Path) -> None:
    design = _query(
        landed,
        "select * from raw.respondent_design where wave_id = ? order by respondent_key",
        DESIGN_WAVE,
    )
    assert len(design) == 200 and design["respondent_key"].tolist() == list(range(1, 201))
    assert sorted(design["replicate_group"].unique()) == list(range(1, 51))
    assert design.groupby("replicate_group").size().between(4, 4).all()
    reps = _query(
        landed,
        "select r.replicate, d.replicate_group, r.weight from raw.replicate_weights as r "
        "join raw.respondent_design as d using (wave_id, respondent_key) where wave_id = ?",
        DESIGN_WAVE,
    )
    assert len(reps) == 200 * 50
    dropped = reps[reps["replicate"] == reps["replicate_group"]]
    assert (dropped["weight"] == 0).all() and len(dropped) == 200
    # every replicate is raked to the same totals: its weights sum to n
    assert np.allclose(reps.groupby("replicate")["weight"].sum(), 200, rtol=1e-9)


def test_delivered_weights_stay_and_their_margins_are_reported(landed: Path) -> None:
    expected = valid_wave(DELIVERED_WAVE)["weight"].to_numpy()
    weights = _query(
        landed,
        "select weight from raw.respondents where wave_id = ? order by respondent_id",
        DELIVERED_WAVE,
    )
    assert np.array_equal(weights["weight"].to_numpy(), expected)
    row = _query(landed, "select * from raw.weighting_waves where wave_id = ?", DELIVERED_WAVE)
    assert (row.loc[0, "method"], row.loc[0, "se_method"]) == ("delivered", "taylor_strata_psu")
    assert pd.isna(row.loc[0, "replicates"])
    design = _query(
        landed, "select stratum, psu from raw.respondent_design where wave_id = ?", DELIVERED_WAVE
    )
    assert set(design["stratum"]) == {"A", "B"} and design["psu"].nunique() == 10
    margins = _query(
        landed, "select * from raw.weighting_margins where wave_id = ?", DELIVERED_WAVE
    )
    assert len(margins) == sum(len(t.categories) for t in weighting.targets(DELIVERED_WAVE))


def test_a_wave_without_any_weight_is_raked_from_weights_of_one(landed: Path) -> None:
    row = _query(landed, "select * from raw.weighting_waves where wave_id = ?", PLAIN_WAVE)
    assert (row.loc[0, "design_weight_source"], row.loc[0, "se_method"]) == (
        "none (1)",
        "jk1_raked",
    )


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_lui_weights_writes_the_file(landed: Path, tmp_path: Path, suffix: str, capsys) -> None:
    out = tmp_path / f"weights{suffix}"
    code = main(["weights", "--wave", DESIGN_WAVE, "--out", str(out), "--warehouse", str(landed)])
    assert code == 0 and "200 respondents" in capsys.readouterr().out
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame.columns) == ["respondent_id", "design_weight", "weight", "replicate_group"]
    source = _design_only(DESIGN_WAVE).sort_values("respondent_id")
    assert np.allclose(frame["design_weight"], source["design_weight"])
    assert frame["weight"].mean() == pytest.approx(1.0)


def test_lui_weights_refuses_a_wave_not_landed(landed: Path, tmp_path: Path, capsys) -> None:
    code = main(["weights", "--wave", "2021-01", "--out", str(tmp_path / "w.csv"),
                 "--warehouse", str(landed)])  # fmt: skip
    assert code != 0
    assert "wave 2021-01 is not landed" in capsys.readouterr().err


def _refused(tmp_path: Path, frame: pd.DataFrame) -> str:
    warehouse = tmp_path / "wh.duckdb"
    before = raw_checksum(warehouse)
    with pytest.raises(LuiError) as caught:
        land_file(write(frame, tmp_path / "wave.csv"), WAVE, warehouse)
    assert raw_checksum(warehouse) == before  # nothing landed
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_target_category_without_respondents_is_refused(tmp_path: Path) -> None:
    frame = _design_only(WAVE)
    frame["gender"] = frame["gender"].replace({"Other": "Female"})
    message = _refused(tmp_path, frame)
    assert "no respondent has gender = 'Other'" in message


def test_shares_that_do_not_sum_to_one_are_refused(tmp_path: Path, monkeypatch) -> None:
    targets = pd.read_csv(weighting.TARGETS_CSV, dtype=str, keep_default_na=False)
    targets.loc[targets["variable"] == "urban_rural", "share"] = "0.5"
    targets.loc[(targets["category"] == "Rural"), "share"] = "0.4"
    bad = tmp_path / "targets.csv"
    targets.to_csv(bad, index=False)
    monkeypatch.setattr(weighting, "TARGETS_CSV", bad)
    message = _refused(tmp_path, _design_only(WAVE))
    assert "the shares of urban_rural" in message and "sum to 0.900000, not 1" in message


def test_raking_that_does_not_converge_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(weighting, "load_settings", lambda: weighting.Settings(max_iterations=2))
    message = _refused(tmp_path, _design_only(WAVE))
    assert "did not converge in 2 iterations" in message


def test_a_stratum_of_one_psu_is_refused(tmp_path: Path) -> None:
    """A stratified SE needs two PSUs in every stratum (n_h / (n_h - 1)); R survey stops
    on a lonely PSU by default, and so does landing, in one line, with nothing landed."""
    frame = valid_wave(WAVE)
    frame["stratum"] = np.where(frame.index % 2 == 0, "A", "B")
    frame["psu"] = (frame.index % 10).astype(str)
    frame.loc[frame.index < 3, "stratum"] = "Z"  # three respondents in one PSU of their own
    frame.loc[frame.index < 3, "psu"] = "z1"
    message = _refused(tmp_path, frame)
    assert message.startswith("stratum Z: one primary sampling unit (psu) each")


def test_a_cap_holds_the_largest_weight_and_the_margins(tmp_path: Path) -> None:
    frame = _design_only(WAVE)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    found = weighting.margins(table, WAVE, weighting.targets(WAVE))
    start = frame["design_weight"].to_numpy()
    free = weighting.rake(start, found, weighting.Settings())
    capped = weighting.rake(start, found, weighting.Settings(cap=5.0, tolerance=1e-9))
    assert free.weights.max() > 5.0
    assert capped.capped > 0
    assert capped.weights.max() == pytest.approx(5.0)
    assert capped.weights.mean() == pytest.approx(1.0)
    for target, codes in zip(found.targets, found.codes, strict=True):
        shares = np.bincount(codes, capped.weights, len(target.categories)) / len(codes)
        assert np.allclose(shares, target.shares, rtol=1e-6)


def test_delivered_replicate_weights_are_kept(tmp_path: Path, monkeypatch) -> None:
    frame = valid_wave(WAVE)
    for r in range(1, 5):
        frame[f"repw_{r}"] = np.round(frame["weight"] * (0.5 + r / 4), 4)
    monkeypatch.setattr(
        weighting,
        "load_settings",
        lambda: weighting.Settings(replicate_pattern=r"repw_\d+", replicate_method="BRR"),
    )
    warehouse = tmp_path / "wh.duckdb"
    land_file(write(frame, tmp_path / "wave.parquet"), WAVE, warehouse)
    row = _query(warehouse, "select * from raw.weighting_waves")
    assert (row.loc[0, "se_method"], row.loc[0, "replicate_method"]) == (
        "replicates_delivered",
        "BRR",
    )
    assert row.loc[0, "replicates"] == 4 and row.loc[0, "replicate_scale"] == pytest.approx(0.25)
    reps = _query(
        warehouse, "select replicate, sum(weight) as total from raw.replicate_weights group by 1"
    )
    expected = [np.round(frame["weight"] * (0.5 + r / 4), 4).sum() for r in range(1, 5)]
    assert np.allclose(reps.sort_values("replicate")["total"], expected)


def test_the_demo_targets_are_derived_from_the_reference_population() -> None:
    """seeds/weighting/targets.csv is what `python -m lui.demo.targets` writes."""
    from lui.demo.targets import demo_targets

    seed = pd.read_csv(weighting.TARGETS_CSV, dtype=str, keep_default_na=False)
    derived = [(v, c, f"{s:.6f}", "") for v, c, s in demo_targets()]
    assert list(seed.itertuples(index=False, name=None)) == derived
    for target in weighting.targets(WAVE):
        assert target.shares.sum() == pytest.approx(1.0, abs=1e-12)


def test_a_wave_s_own_targets_replace_the_general_ones(tmp_path: Path) -> None:
    path = tmp_path / "targets.csv"
    path.write_text(
        "variable,category,share,wave_id\n"
        "urban_rural,Urban,0.8,\nurban_rural,Rural,0.2,\n"
        "urban_rural,Urban,0.7,2024-02\nurban_rural,Rural,0.3,2024-02\n"
        "gender,Male,0.5,\ngender,Female,0.5,\n",
        encoding="utf-8",
    )
    general = {t.variable: t.shares.tolist() for t in weighting.targets("2023-08", path)}
    own = {t.variable: t.shares.tolist() for t in weighting.targets("2024-02", path)}
    assert general == {"urban_rural": [0.8, 0.2], "gender": [0.5, 0.5]}
    assert own == {"urban_rural": [0.7, 0.3], "gender": [0.5, 0.5]}
