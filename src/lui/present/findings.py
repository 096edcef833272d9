"""Key findings of a wave ("main points"), each sentence read from named cells of the marts.
Pure (no Streamlit, no SQL), shared by the Overview page, the PDF and the workbook.

The rules: a difference is a finding only when it is significant after the false discovery
rate control across the wave's tests (fct_significance_tests.significant_fdr, computed in
the marts); a group's finding needs an unweighted base of at least the low-base threshold;
changes are read since the previous wave and since the baseline, each with its interval.
Nothing here computes a statistic: every number is a cell of a mart, chosen and ordered.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lui.contract import Thresholds
from lui.present.formatting import flag, group_label, signed
from lui.present.sections import group_kind


@dataclass(frozen=True)
class Finding:
    """One sentence and the mart cells it is read from (mart, and the cell's key)."""

    text: str
    cells: tuple[str, ...]


def _cell(row: pd.Series, column: str, mart: str = "fct_mission_index") -> str:
    kind = f"test_kind={row.test_kind}, " if mart == "fct_significance_tests" else ""
    return (
        f"{mart}[wave_id={row.wave_id}, {kind}breakdown={row.breakdown}, "
        f"group_label={row.group_label}, mission_id={row.mission_id}].{column}"
    )


def _name(row: pd.Series) -> str:
    """The group inside a sentence: 'the UK', 'London (region)', 'Rural, most deprived fifth
    (area type and deprivation)'."""
    if row.breakdown == "all":
        return "the UK"
    return f"{group_label(row.breakdown, row.group_label)} ({group_kind(row.breakdown)})"


def _change_sentence(row: pd.Series, level: str) -> str:
    direction = "rose" if row.estimate > 0 else "fell"
    return (
        f"{row.mission_name} {direction} by {abs(row.estimate):.0f} points for {_name(row)} "
        f"since {row.compared_wave_id} ({level} interval {signed(row.ci_low, 1)} to "
        f"{signed(row.ci_high, 1)}), to {signed(row.index_score)}."
    )


def key_findings(
    index: pd.DataFrame, tests: pd.DataFrame, rules: Thresholds, *, limit: int = 3
) -> list[Finding]:
    """Key findings of one wave: the UK's highest and lowest scores; its significant changes
    since the previous wave and since the baseline (never across a trend break, which is
    not a test); the trend breaks; the groups of rules.low_base_threshold respondents or
    more furthest
    above / below the rest of the sample, and their largest changes; and how many of the
    wave's tests are significant before and after the false discovery rate control.

    `index`: queries.wave_index; `tests`: queries.significance_tests of the same wave;
    `rules`: queries.thresholds (the base a group's finding needs, the interval's level)."""
    if index.empty:
        return []
    min_base, level = rules.low_base_threshold, rules.confidence_level
    findings: list[Finding] = []
    shown = index[~index["suppressed"].map(flag)]
    uk = shown[shown["breakdown"] == "all"]
    if not uk.empty:
        high = uk.loc[uk["index_score"].idxmax()]
        low = uk.loc[uk["index_score"].idxmin()]
        positive = int((uk["index_score"].round(0) > 0).sum())
        findings.append(
            Finding(
                f"In {high.wave_id}, {positive} of the {len(uk)} missions score above zero for "
                f"the UK; the highest is {high.mission_name} ({signed(high.index_score)}), the "
                f"lowest {low.mission_name} ({signed(low.index_score)}).",
                (_cell(high, "index_score"), _cell(low, "index_score")),
            )
        )
    significant = tests[tests["significant_fdr"].map(flag)]
    uk_tests = significant[significant["breakdown"] == "all"]
    for kind in ("change_vs_previous", "change_vs_baseline"):
        moved = uk_tests[uk_tests["test_kind"] == kind]
        moved = moved.reindex(moved["estimate"].abs().sort_values(ascending=False).index)
        for _, row in moved.head(limit).iterrows():
            findings.append(
                Finding(
                    _change_sentence(row, level),
                    (
                        _cell(row, "significant_fdr", "fct_significance_tests"),
                        _cell(row, "estimate", "fct_significance_tests"),
                    ),
                )
            )
        tested = tests[(tests["test_kind"] == kind) & (tests["breakdown"] == "all")]
        if moved.empty and not tested.empty:
            what = "the previous wave" if kind == "change_vs_previous" else "the baseline"
            findings.append(
                Finding(
                    f"No mission's UK score changed significantly since {what}.",
                    tuple(
                        _cell(r, "significant_fdr", "fct_significance_tests")
                        for _, r in tested.iterrows()
                    ),
                )
            )
    breaks = index[(index["breakdown"] == "all") & index["trend_break"].map(flag)]
    for _, row in breaks.iterrows():
        findings.append(
            Finding(
                f"{row.mission_name}: the questions changed in {row.wave_id} (a trend break), so "
                f"its change since {row.previous_wave_id} ({signed(row.change_vs_previous)}) "
                "is not like for like.",
                (_cell(row, "trend_break"),),
            )
        )
    groups = significant[
        (significant["breakdown"] != "all") & (significant["unweighted_base"] >= min_base)
    ]
    uk_score = uk.set_index("mission_id")["index_score"]
    vs_rest = groups[groups["test_kind"] == "vs_rest"]
    for side, word in ((1, "above"), (-1, "below")):
        side_rows = vs_rest[vs_rest["estimate"] * side > 0]
        if side_rows.empty or uk.empty:
            continue
        row = side_rows.loc[side_rows["estimate"].abs().idxmax()]
        findings.append(
            Finding(
                f"Furthest {word} the rest of the sample: {_name(row)} on {row.mission_name}, "
                f"{signed(row.index_score)} against {signed(uk_score[row.mission_id])} for the "
                f"UK (base {int(row.unweighted_base):,} respondents).",
                (
                    _cell(row, "significant_fdr", "fct_significance_tests"),
                    _cell(row, "estimate", "fct_significance_tests"),
                    _cell(row, "index_score"),
                ),
            )
        )
    for kind in ("change_vs_previous", "change_vs_baseline"):
        changed = groups[groups["test_kind"] == kind]
        if changed.empty:
            continue
        row = changed.loc[changed["estimate"].abs().idxmax()]
        findings.append(
            Finding(
                "Largest significant change for a group: " + _change_sentence(row, level),
                (
                    _cell(row, "significant_fdr", "fct_significance_tests"),
                    _cell(row, "estimate", "fct_significance_tests"),
                ),
            )
        )
    if not tests.empty:
        raw = int(tests["significant_raw"].map(flag).sum())
        findings.append(
            Finding(
                f"Of the wave's {len(tests):,} tests (groups against the rest, changes since the "
                f"previous wave and since the baseline), {raw:,} are significant on their own "
                f"and {len(significant):,} after controlling the false discovery rate; only "
                "those are reported as findings.",
                (
                    "fct_significance_tests.significant_raw",
                    "fct_significance_tests.significant_fdr",
                ),
            )
        )
    return findings
