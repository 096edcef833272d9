"""Calibrate the demo generator's mission attitudes to the published July 2022 report.

Generates the baseline wave (large n for the expectation), scores it with
`lui.demo.pandas_index` (the project's independent index calculation), compares with the
published supergroup table and text figures, and nudges the latent attitudes in
`src/lui/data/demo_mission_attitudes.csv`:

    .venv/bin/python scripts/calibrate_demo.py --iterations 8 --write   # fit
    .venv/bin/python scripts/calibrate_demo.py                          # report only

Only the latent attitudes move; the answers are still drawn from them.
"""

from __future__ import annotations

import argparse
import csv

import numpy as np
import pandas as pd

from lui import codebook
from lui.demo import calibration as demo_calibration
from lui.demo import generate, sample
from lui.demo import model as demo_model

score = demo_calibration.score
compare = demo_calibration.compare


def read_table() -> pd.DataFrame:
    return pd.read_csv(demo_model.ATTITUDES_FILE).set_index("mission_key")


def normalise(table: pd.DataFrame) -> pd.DataFrame:
    """Move the supergroups' base-weighted mean shift into the intercept (same attitudes)."""
    bases = sample.published_bases().query("breakdown == 'supergroup'")
    shares = pd.Series(bases["unweighted_base"].to_numpy(), index=bases["group"])
    shares = shares.rename(index={n: c for c, n in demo_model.SUPERGROUP_CODES.items()})
    shares = shares[list(demo_model.SUPERGROUP_CODES)] / shares.sum()
    level = table[list(shares.index)] @ shares
    table = table.copy()
    table["intercept"] += level
    table[list(shares.index)] = table[list(shares.index)].sub(level, axis=0)
    return table


def write_table(table: pd.DataFrame) -> None:
    normalise(table).round(3).to_csv(demo_model.ATTITUDES_FILE, quoting=csv.QUOTE_MINIMAL)
    demo_model.mission_attitudes.cache_clear()


def update(table: pd.DataFrame, cmp: pd.DataFrame, step: float) -> pd.DataFrame:
    codes = {name: code for code, name in demo_model.SUPERGROUP_CODES.items()}
    table = table.copy()
    for row in cmp[cmp.breakdown == "supergroup"].itertuples():
        table.loc[row.mission_key, codes[row.group_label]] -= row.deviation / 100 * step
    # published quintiles move relative to the UK figure; supergroups carry the level
    overall = cmp[cmp.breakdown == "all"].set_index("mission_key")["deviation"]
    for row in cmp[cmp.breakdown == "imd_quintile"].itertuples():
        relative = row.deviation - overall[row.mission_key]
        table.loc[row.mission_key, f"imd{row.group_label}"] -= relative / 100 * step
    for mission, part in cmp[cmp.breakdown == "urban_rural"].groupby("mission_key"):
        dev = part.set_index("group_label")["deviation"]
        table.loc[mission, "rural"] -= (dev["Rural"] - dev["Urban"]) / 100 * step
    # quintiles without a published figure: interpolated, then all shifted together so the
    # quintile effects average zero (quintiles are of equal population)
    for mission in cmp[cmp.breakdown == "imd_quintile"]["mission_key"].unique():
        part = cmp[(cmp.mission_key == mission) & (cmp.breakdown == "imd_quintile")]
        known = sorted(int(q) for q in part.group_label)
        values = [table.loc[mission, f"imd{q}"] for q in known]
        middle = [q for q in range(1, 6) if q not in known]
        filled = {q: float(np.interp(q, known, values)) for q in middle}
        shift = -(sum(values) + sum(filled.values())) / len(middle)
        for q, value in filled.items():
            table.loc[mission, f"imd{q}"] = value + shift
    return table


def perception_toplines(frame: pd.DataFrame) -> None:
    w = frame["weight"]
    nation = frame["la_code"].map({k: v["nation"] for k, v in codebook.local_authorities().items()})

    def share(col: str, codes: set[int], mask: pd.Series | None = None) -> float:
        m = frame[col].notna() if mask is None else frame[col].notna() & mask
        return float((w[m] * frame.loc[m, col].isin(codes)).sum() / w[m].sum() * 100)

    eng = nation == "England"
    print(f"know at least a fair amount: {share('know_levelling_up', {1, 2}):.0f}% (23)")
    print(f"support LA control: {share('support_la_control', {1, 2}):.0f}% (63)")
    print(
        f"support mayor: England {share('support_mayor', {1, 2}, eng):.0f}% (51), "
        f"rest {share('support_mayor', {1, 2}, ~eng):.0f}% (45)"
    )
    print(f"spends less on my area: {share('spending_share', {4, 5}):.0f}% (nearly half)")
    for n in ("England", "Scotland", "Wales", "Northern Ireland"):
        print(f"   {n}: {share('spending_share', {4, 5}, nation == n):.0f}%")
    print(f"positive difference: {share('gov_difference_next_years', {1}):.0f}% (few)")
    print(f"impact in 20 years unlikely: {share('impact_20_years', {3, 4}):.0f}% (majority)")
    cares = share("gov_cares_people_like_you", {3, 4})
    print(f"cares about people like you (not much/at all): {cares:.0f}%")
    pri = [c for c in frame.columns if c.startswith("priority_")]
    tops = {c: share(c, {1}) for c in pri}
    print(
        "priorities:",
        ", ".join(f"{k[9:]} {v:.0f}" for k, v in sorted(tops.items(), key=lambda kv: -kv[1])),
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=0)
    parser.add_argument("--respondents", type=int, default=41620)
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--step", type=float, default=0.9)
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--fixed-seed", action="store_true", help="use the same seed every iteration"
    )
    args = parser.parse_args()
    table = read_table()
    for iteration in range(args.iterations):
        frame = generate.generate_frame(
            "2022-02", args.respondents, args.seed + (0 if args.fixed_seed else iteration)
        )
        cmp = compare(score(frame))
        dev = cmp.deviation.abs()
        print(f"iteration {iteration}: mean |dev| {dev.mean():.2f}, max {dev.max():.1f}")
        table = update(table, cmp, args.step)
        if args.write:
            write_table(table)
    for label, n, seed in (("expectation", args.respondents, 999), ("baseline seed 1", 4162, 1)):
        frame = generate.generate_frame("2022-02", n, seed)
        cmp = compare(score(frame))
        print(f"\n== {label}: deff {sample.design_effect(frame.weight.to_numpy()):.2f}")
        wide = cmp.pivot_table(
            index=["breakdown", "group_label"], columns="mission_key", values="deviation"
        )
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            print(wide.round(1).rename(columns=lambda c: c[:8]))
        table_rows = cmp.breakdown.isin(["all", "supergroup"])
        print(
            f"max |dev| supergroup/all {cmp[table_rows].deviation.abs().max():.1f}, "
            f"text {cmp[~table_rows].deviation.abs().max():.1f}"
        )
        perception_toplines(frame)


if __name__ == "__main__":
    main()
