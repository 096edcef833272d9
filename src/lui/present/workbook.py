"""The wave report as a workbook to the Government Statistical Service's standard for
releasing statistics in spreadsheets, written with gptables (the Analysis Function's
library for it): a cover sheet, a contents sheet and a notes sheet; one table per sheet
under a title row; numbers stored as numbers, with number formats for signs and decimals;
shorthand where a value is missing, explained on the notes sheet:

- [c]   suppressed: the group's base is below the suppression threshold (confidential);
- [low] low base: the estimate is published but rests on fewer respondents than the
        low-base threshold (in its own column, so the estimates stay numbers);
- [x]   not asked: the question was not in that wave's questionnaire;
- [z]   not applicable: a change in the first wave, with nothing before it.

Every number is a cell of a mart; nothing is computed here.
"""

from __future__ import annotations

import re
from pathlib import Path

import gptables as gpt
import pandas as pd

from lui import contract
from lui.contract import Thresholds
from lui.present import findings, queries, release
from lui.present.formatting import (
    BREAKDOWN_LABELS,
    UK_ROW,
    breakdown_label,
    fieldwork,
    flag,
    group_names,
)
from lui.present.tables import answers_until, published_waves

SUPPRESSED = "[c]"
LOW = "[low]"
NOT_ASKED = "[x]"
NOT_APPLICABLE = "[z]"
SIGNED_ONE = "+0.0;-0.0;0.0"  # a sign on every non-zero estimate, one decimal
ONE = "0.0"
TWO = "0.00"
COUNT = "#,##0"
FOUR = "0.0000"
# Human sheet names (at most 31 characters, Excel's limit) for the breakdowns whose label
# is longer.
SHEET_NAMES = {
    "nation": "By nation",
    "region": "By region",
    "supergroup": "By ONS area supergroup",
    "imd_quintile": "By deprivation quintile",
    "urban_rural": "By urban and rural",
    "age_band": "By age band",
    "gender": "By gender",
}
# a breakdown in a cross-breakdown's sheet name ("By region and age band"), short enough
# that every pair's name fits Excel's 31 characters whole
SHEET_WORDS = {
    "nation": "nation",
    "region": "region",
    "supergroup": "supergroup",
    "imd_quintile": "deprivation",
    "urban_rural": "area type",
    "age_band": "age band",
    "gender": "gender",
}
SHEET_NAMES |= {
    contract.cross_breakdown_name(pair): f"By {SHEET_WORDS[pair[0]]} and {SHEET_WORDS[pair[1]]}"
    for pair in contract.CROSS_BREAKDOWNS
}


def notes(rules: Thresholds) -> pd.DataFrame:
    """The notes sheet: the shorthand, the index and its tests, with the copy's thresholds."""
    level = rules.confidence_level
    alpha = f"{100 - int(level.rstrip('%'))}%"
    return pd.DataFrame(
        {
            "Note number": ["note 1", "note 2", "note 3", "note 4", "note 5"],
            "Note text": [
                f"{SUPPRESSED} suppressed: fewer than {rules.suppression_threshold} "
                "respondents, so no estimate is published for the group (only its base).",
                f"{LOW} low base: fewer than {rules.low_base_threshold} respondents; the estimate "
                "is published but imprecise: treat it with caution.",
                f"{NOT_ASKED} not asked: the question was not in that wave's questionnaire. "
                f"{NOT_APPLICABLE} not applicable: a change in the first wave, with none before.",
                f"Index: -200 to +200; the limits are those of the {level} confidence interval; "
                "changes are tested with both waves' standard errors. A trend break (the "
                "mission's questions changed) makes a change not like for like.",
                "Significance after false discovery rate control: Benjamini-Hochberg across all of "
                f"the wave's tests, at the same {alpha} level as the single tests.",
            ],
        }
    )


def _sheet_name(name: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31]
    base, number = name, 2
    while name in taken:
        suffix = f" {number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def _table_name(title: str, taken: set[str]) -> str:
    """An Excel table name from a title: letters, digits and underscores only (no spaces),
    unique in the workbook (a numbered suffix where two titles cut to the same name)."""
    name = re.sub(r"\W+", "_", title).strip("_")[:60] or "table"
    name = base = name if name[0].isalpha() else f"t_{name}"
    number = 2
    while name in taken:
        suffix = f"_{number}"
        name, number = base[: 60 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def _noun(label: str) -> str:
    """A breakdown's label inside a title: 'region', 'ONS area classification (supergroup)'."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _words(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters."""
    if len(text) <= limit:
        return text
    return text[: limit + 1].rsplit(" ", 1)[0]


def _yes(value: object) -> str:
    return "Yes" if flag(value) else "No"


def _estimate(value: object, suppressed: object) -> object:
    """A number, or [c] for a suppressed group."""
    if flag(suppressed):
        return SUPPRESSED
    return None if pd.isna(value) else float(value)


# --------------------------------------------------------------------------------------
# Tables (numbers as numbers)
# --------------------------------------------------------------------------------------
def uk_table(index: pd.DataFrame, level: str) -> pd.DataFrame:
    uk = index[index["breakdown"] == "all"]
    return pd.DataFrame(
        {
            "Mission": uk["mission_name"].to_list(),
            "Index": uk["index_score"].astype(float).to_list(),
            f"Lower {level} limit": uk["ci_low"].astype(float).to_list(),
            f"Upper {level} limit": uk["ci_high"].astype(float).to_list(),
            "Change since previous wave": [
                NOT_APPLICABLE if pd.isna(c) else float(c) for c in uk["change_vs_previous"]
            ],
            f"Change: lower {level} limit": [
                NOT_APPLICABLE if pd.isna(c) else float(c) for c in uk["change_ci_low"]
            ],
            f"Change: upper {level} limit": [
                NOT_APPLICABLE if pd.isna(c) else float(c) for c in uk["change_ci_high"]
            ],
            "Change significant": [
                _yes(s) if not flag(b) else "No (trend break)"
                for s, b in zip(uk["change_significant"], uk["trend_break"], strict=True)
            ],
            "Trend break": [_yes(b) for b in uk["trend_break"]],
            "Base (respondents)": uk["unweighted_base"].astype(int).to_list(),
            "Effective base": uk["effective_base"].round(0).astype(int).to_list(),
            "Design effect": [float(d) for d in uk["design_effect"]],
        }
    )


def breakdown_sheet(index: pd.DataFrame, breakdown: str, missions: list[str]) -> pd.DataFrame:
    """Groups x missions, the index as numbers ([c] when suppressed), the group's base and a
    [low] column for a low base."""
    frame = index[index["breakdown"].isin([breakdown, "all"])]
    frame = frame.assign(row=group_names(frame))
    frame = frame.assign(
        value=[_estimate(v, s) for v, s in zip(frame.index_score, frame.suppressed, strict=True)]
    )
    rows = list(dict.fromkeys(frame["row"]))
    table = (
        frame.pivot(index="row", columns="mission_name", values="value")
        .reindex(index=rows, columns=missions)
        .astype(object)
    )
    by_row = frame.groupby("row", sort=False)
    table.insert(0, "Base (respondents)", by_row["unweighted_base"].max().reindex(rows).astype(int))
    table.insert(
        1,
        "Low base",
        [
            LOW if v else "No"
            for v in by_row["low_base"].agg(lambda s: s.map(flag).any()).reindex(rows)
        ],
    )
    table = table.rename_axis(index="Group", columns=None).reset_index()
    return table.where(table.notna(), NOT_ASKED)


def tests_sheet(tests: pd.DataFrame) -> pd.DataFrame:
    kinds = {
        "vs_rest": "Group vs rest of sample",
        "change_vs_previous": "Change since previous wave",
        "change_vs_baseline": "Change since baseline",
    }
    return pd.DataFrame(
        {
            "Test": tests["test_kind"].map(kinds).to_list(),
            "Breakdown": tests["breakdown"].map(breakdown_label).to_list(),
            "Group": group_names(tests).to_list(),
            "Mission": tests["mission_name"].to_list(),
            "Compared with": [
                c if isinstance(c, str) else "rest of sample" for c in tests["compared_wave_id"]
            ],
            "Difference": tests["estimate"].astype(float).to_list(),
            "Standard error": tests["standard_error"].astype(float).to_list(),
            "p-value": tests["p_value"].astype(float).to_list(),
            "Significant (single test)": [_yes(v) for v in tests["significant_raw"]],
            "Adjusted p-value (FDR)": tests["p_value_fdr"].astype(float).to_list(),
            "Significant after FDR control": [_yes(v) for v in tests["significant_fdr"]],
            "Base (respondents)": tests["unweighted_base"].astype(int).to_list(),
        }
    )


def priorities_sheet(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(
        column=group_names(frame),
        value=[_estimate(v, s) for v, s in zip(frame.pct_chosen, frame.suppressed, strict=True)],
    )
    rows = list(dict.fromkeys(frame["priority_label"]))
    columns = list(dict.fromkeys(frame["column"]))
    table = frame.pivot(index="priority_label", columns="column", values="value").reindex(
        index=rows, columns=columns
    )
    table = table.astype(object).rename_axis(index="Priority", columns=None).reset_index()
    return table.where(table.notna(), NOT_ASKED)


def answers_sheet(history: pd.DataFrame, waves: list[str]) -> pd.DataFrame:
    """Waves x answers, weighted % ([x] in a wave that did not ask the question)."""
    frame = history.assign(
        value=[
            _estimate(v, s) for v, s in zip(history.weighted_pct, history.suppressed, strict=True)
        ]
    )
    answers = list(dict.fromkeys(frame.sort_values("response_code")["response_label"]))
    table = frame.pivot(index="wave_id", columns="response_label", values="value").reindex(
        index=waves, columns=answers
    )
    bases = frame.groupby("wave_id")["unweighted_base"].max().reindex(waves)
    table.insert(0, "Base (respondents)", [NOT_ASKED if pd.isna(b) else int(b) for b in bases])
    table = table.astype(object).rename_axis(index="Wave", columns=None).reset_index()
    return table.where(table.notna(), NOT_ASKED)


# --------------------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------------------
def _formats(table: pd.DataFrame, number_formats: dict[str, str]) -> list[dict]:
    return [
        {"column": {"columns": [c], "format": {"num_format": f}, "include_names": False}}
        for c, f in number_formats.items()
        if c in table.columns
    ]


def workbook_tables(
    marts: queries.Marts, wave_id: str
) -> list[tuple[str, str, pd.DataFrame, dict[str, str]]]:
    """The workbook's sheets in order: (sheet name, title, table, number formats by column)."""
    wave_frame = published_waves(marts, wave_id)
    wave_ids = wave_frame["wave_id"].tolist()
    index = queries.wave_index(marts, wave_id)
    missions = queries.missions(marts)["mission_name"].tolist()
    rules = queries.thresholds(marts)
    tests = queries.significance_tests(marts, wave_id)
    found = findings.key_findings(index, tests, rules)
    level = rules.confidence_level
    sheets: list[tuple[str, str, pd.DataFrame, dict[str, str]]] = [
        (
            "Main points",
            f"Main points of wave {wave_id}",
            pd.DataFrame(
                {
                    "Main point": [f.text for f in found],
                    "Read from": ["; ".join(f.cells) for f in found],
                }
            ),
            {},
        ),
        (
            "UK index",
            f"Levelling Up Index by mission, UK, wave {wave_id}",
            uk_table(index, rules.confidence_level),
            {
                "Index": SIGNED_ONE,
                f"Lower {level} limit": SIGNED_ONE,
                f"Upper {level} limit": SIGNED_ONE,
                "Change since previous wave": SIGNED_ONE,
                f"Change: lower {level} limit": SIGNED_ONE,
                f"Change: upper {level} limit": SIGNED_ONE,
                "Base (respondents)": COUNT,
                "Effective base": COUNT,
                "Design effect": TWO,
            },
        ),
    ]
    for breakdown in queries.breakdowns(marts):
        if breakdown == "all":
            continue
        label = BREAKDOWN_LABELS.get(breakdown, breakdown)
        table = breakdown_sheet(index, breakdown, missions)
        sheets.append(
            (
                SHEET_NAMES.get(breakdown, f"By {label}"),
                f"Levelling Up Index by mission and {_noun(label)}, wave {wave_id}",
                table,
                {**dict.fromkeys(missions, SIGNED_ONE), "Base (respondents)": COUNT},
            )
        )
    sheets.append(
        (
            "Significance tests",
            f"Every significance test of wave {wave_id}, with the false discovery rate control",
            tests_sheet(tests),
            {
                "Difference": SIGNED_ONE,
                "Standard error": "0.00",
                "p-value": FOUR,
                "Adjusted p-value (FDR)": FOUR,
                "Base (respondents)": COUNT,
            },
        )
    )
    if wave_id in queries.priority_waves(marts):
        for breakdown, name in (
            ("nation", "Priorities by nation"),
            ("region", "Priorities by region"),
        ):
            table = priorities_sheet(queries.priorities(marts, breakdown, wave_id))
            sheets.append(
                (
                    name,
                    f"Share choosing each priority (%), by {breakdown}, wave {wave_id}",
                    table,
                    dict.fromkeys(table.columns[1:], ONE),
                )
            )
    for question in queries.perception_questions(marts).itertuples():
        history = answers_until(marts, question.question_code, wave_ids, wave_id)
        if history.empty:
            continue
        table = answers_sheet(history, wave_ids[: wave_ids.index(wave_id) + 1])
        sheets.append(
            (
                _words(question.short_label, 31),
                f"{question.question_text} UK, weighted % by wave",
                table,
                {**dict.fromkeys(table.columns[2:], ONE), "Base (respondents)": COUNT},
            )
        )
    sheets.append(
        (
            "Waves",
            "The waves: fieldwork dates and bases",
            pd.DataFrame(
                {
                    "Wave": wave_frame["wave_id"],
                    "Fieldwork": [
                        fieldwork(a, b)
                        for a, b in zip(
                            wave_frame.fieldwork_start, wave_frame.fieldwork_end, strict=True
                        )
                    ],
                    "Respondents": wave_frame["respondents"].astype(int),
                    "Effective base": wave_frame["effective_base"].round(0).astype(int),
                    "Design effect of the weights": wave_frame["weighting_design_effect"].astype(
                        float
                    ),
                }
            ),
            {"Respondents": COUNT, "Effective base": COUNT, "Design effect of the weights": TWO},
        )
    )
    return sheets


def write_xlsx(marts: queries.Marts, wave_id: str, out: Path) -> None:
    """Write the wave's workbook to `out` (cover, contents, notes, one table a sheet)."""
    wave_frame = published_waves(marts, wave_id)
    wave_row = wave_frame[wave_frame["wave_id"] == wave_id].iloc[0]
    about = release.load()
    taken_sheets: set[str] = set()
    taken_tables: set[str] = set()
    sheets = {}
    for name, title, table, formats in workbook_tables(marts, wave_id):
        sheets[_sheet_name(name, taken_sheets)] = gpt.GPTable(
            table=table,
            table_name=_table_name(title, taken_tables),
            title=title,
            subtitles=[
                "Some cells hold shorthand instead of a number: [c] suppressed, [low] low base, "
                "[x] not asked, [z] not applicable; the notes worksheet explains them."
                "$$note 1$$$$note 2$$$$note 3$$$$note 4$$$$note 5$$"
            ],
            source="Source: Levelling Up Index warehouse, published marts",
            additional_formatting=_formats(table, formats),
        )
    about_lines: list = []
    if about.synthetic([str(wave_row.source_sha256)]):
        about_lines.append(release.SYNTHETIC_NOTE)
    published = queries.publication(marts)
    released = about.release_date or (
        pd.Timestamp(published["published_at"].iloc[0]).date() if not published.empty else None
    )
    if released:
        about_lines.append(f"Release date: {released:%d %B %Y}")
    if about.next_release:
        about_lines.append(f"Next release: {about.next_release:%d %B %Y}")
    about_lines += [
        f"Fieldwork: {fieldwork(wave_row.fieldwork_start, wave_row.fieldwork_end)}; "
        f"{int(wave_row.respondents):,} UK adults aged 16 and over.",
        f"Sample: {about.sample}",
        f"Weighting: {about.weighting}",
    ]
    cover = gpt.Cover(
        title=f"Levelling Up Index, wave {wave_id}: data tables",
        intro=[
            "The Levelling Up Index scores each of the 12 Levelling Up missions from -200 to "
            f"+200 for the UK and its groups. Row headings: {UK_ROW} is every respondent.",
        ],
        about=about_lines,
        contact=[about.contact] if about.contact else None,
    )
    gpt.write_workbook(
        filename=str(out),
        sheets=sheets,
        cover=cover,
        notes_table=notes(queries.thresholds(marts)),
        contentsheet_label="Contents",
        notesheet_label="Notes",
        auto_width=True,
    )
