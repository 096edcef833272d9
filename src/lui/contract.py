"""The contract of the warehouse: one home for the facts every stage relies on.

- The respondent columns of a wave file (and of `raw.respondents`): name, type and, where
  the wave format fixes them, the allowed values. The landing code derives from this table:
  the wave-file type map (`lui.landing.wavefile`), the DDL and the insert of the raw tables
  (`lui.landing.raw`) and the Great Expectations value sets (`lui.landing.gate`). What cannot
  import Python (the raw source YAML, `stg_raw__respondents`, the suites' JSON) is checked
  against it by tests/python/test_contract.py.
- The breakdowns and the reporting thresholds (low base, suppression, critical value) are dbt
  vars in dbt_project.yml, the one place they are set; this module reads them from there, so
  Python (the demo's reference implementation, the app's labels, the publication record)
  never keeps a copy.

Every column that is not a respondent column is a question: whole-number answer codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pyarrow as pa
import yaml

from lui.paths import PROJECT_ROOT

# The wave format's column types, with the Arrow type a read file is brought to and the
# DuckDB type of the raw table.
TEXT, NUMBER, INTEGER, DATE = "text", "number", "integer", "date"
ARROW_TYPES: dict[str, pa.DataType] = {
    TEXT: pa.string(),
    NUMBER: pa.float64(),
    INTEGER: pa.int32(),
    DATE: pa.date32(),
}
DUCKDB_TYPES: dict[str, str] = {TEXT: "varchar", NUMBER: "double", INTEGER: "integer", DATE: "date"}
QUESTION_TYPE = INTEGER

URBAN_RURAL = ("Urban", "Rural")
AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65+")
GENDERS = ("Male", "Female", "Other")
IMD_QUINTILES = (1, 2, 3, 4, 5)
SUPERGROUPS = (
    "Affluent England",
    "Business, Education and Heritage Centres",
    "Countryside Living",
    "Ethnically Diverse Metropolitan Living",
    "London Cosmopolitan",
    "Services and Industrial Legacy",
    "Town and Country Living",
    "Urban Settlements",
)


@dataclass(frozen=True)
class RespondentColumn:
    """One respondent column of the wave format."""

    name: str
    type: str  # TEXT / NUMBER / INTEGER / DATE
    values: tuple[str | int, ...] | None = None  # the allowed values, where fixed

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


RESPONDENT: tuple[RespondentColumn, ...] = (
    RespondentColumn("respondent_id", TEXT),
    RespondentColumn("weight", NUMBER),
    RespondentColumn("interview_date", DATE),
    RespondentColumn("la_code", TEXT),  # checked against seeds/reference/local_authorities.csv
    RespondentColumn("imd_quintile", INTEGER, IMD_QUINTILES),
    RespondentColumn("urban_rural", TEXT, URBAN_RURAL),
    RespondentColumn("supergroup", TEXT, SUPERGROUPS),
    RespondentColumn("age_band", TEXT, AGE_BANDS),
    RespondentColumn("gender", TEXT, GENDERS),
)
RESPONDENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in RESPONDENT)
# The design columns a delivery may carry besides (or instead of) the final weight; landing
# takes them out of the wave before the gate and keeps them in raw.respondent_design
# (lui.landing.weighting, docs/weighting.md).
DESIGN: tuple[RespondentColumn, ...] = (
    RespondentColumn("design_weight", NUMBER),
    RespondentColumn("stratum", TEXT),
    RespondentColumn("psu", TEXT),
    RespondentColumn("replicate_group", INTEGER),
)
COLUMN_TYPES: dict[str, str] = {c.name: c.type for c in (*RESPONDENT, *DESIGN)}


def column_type(name: str) -> str:
    """The wave-format type of a column: its respondent column's, else a question's."""
    return COLUMN_TYPES.get(name, QUESTION_TYPE)


def value_sets() -> dict[str, list[str | int]]:
    """column name -> allowed values, for the respondent columns whose values are fixed."""
    return {c.name: list(c.values) for c in RESPONDENT if c.values is not None}


# --------------------------------------------------------------------------------------------
# The dbt vars (dbt_project.yml): breakdowns and thresholds
# --------------------------------------------------------------------------------------------
DBT_PROJECT = PROJECT_ROOT / "dbt_project.yml"


@cache
def dbt_vars() -> dict[str, Any]:
    """The `vars:` of dbt_project.yml."""
    return yaml.safe_load(DBT_PROJECT.read_text(encoding="utf-8"))["vars"]


@dataclass(frozen=True)
class Thresholds:
    """The precision and disclosure rules a build applies (dbt vars of the same names)."""

    low_base_threshold: int  # a group below this unweighted base is flagged as a low base
    suppression_threshold: int  # below this, no estimate is published
    z_critical: float  # two-sided critical value of intervals and significance flags

    @property
    def confidence_level(self) -> str:
        """The interval's level in words, e.g. '95%' for 1.96."""
        from statistics import NormalDist

        return f"{2 * NormalDist().cdf(self.z_critical) - 1:.0%}"


THRESHOLD_VARS: tuple[str, ...] = ("low_base_threshold", "suppression_threshold", "z_critical")


def thresholds() -> Thresholds:
    """The thresholds dbt_project.yml sets."""
    values = dbt_vars()
    return Thresholds(
        low_base_threshold=int(values["low_base_threshold"]),
        suppression_threshold=int(values["suppression_threshold"]),
        z_critical=float(values["z_critical"]),
    )


BREAKDOWNS: tuple[str, ...] = tuple(dbt_vars()["breakdowns"])
"""The breakdowns reported beside the UK total ('all'), in the report's order."""


def cross_breakdown_pairs(
    setting: str | list[list[str]] | None, order: list[str] | None
) -> tuple[tuple[str, str], ...]:
    """The cross-breakdowns var cross_breakdowns asks for, as dbt's cross_breakdown_pairs
    macro derives them: `all` is every pair of the breakdowns, each in the order of var
    cross_breakdown_order, listed by first then second part; a list is its pairs."""
    if setting == "all":
        if sorted(order or ()) != sorted(BREAKDOWNS):
            raise ValueError(
                f"var cross_breakdown_order {order} must list every breakdown of var "
                f"breakdowns {list(BREAKDOWNS)} once (dbt_project.yml)"
            )
        assert order is not None
        return tuple((first, second) for i, first in enumerate(order) for second in order[i + 1 :])
    if isinstance(setting, str):
        raise ValueError(
            f"var cross_breakdowns is '{setting}': set it to all or to a list of pairs of "
            "var breakdowns (dbt_project.yml)"
        )
    return tuple((first, second) for first, second in setting or ())


CROSS_BREAKDOWNS: tuple[tuple[str, str], ...] = cross_breakdown_pairs(
    dbt_vars().get("cross_breakdowns"), dbt_vars().get("cross_breakdown_order")
)
"""Pairs of breakdowns reported as one (var cross_breakdowns), e.g. region x imd_quintile:
every pair of the seven (21)."""
CROSS_SEPARATOR = " | "
"""Between the two groups of a cross-breakdown's group_label: 'North East | 1'."""


def cross_breakdown_name(pair: tuple[str, str]) -> str:
    """A cross-breakdown's name, as dbt's breakdown_rollup names it: region_x_imd_quintile."""
    return f"{pair[0]}_x_{pair[1]}"


CROSS_BREAKDOWN_NAMES: tuple[str, ...] = tuple(map(cross_breakdown_name, CROSS_BREAKDOWNS))


def cross_breakdown_of(rows: str, columns: str) -> tuple[str, bool]:
    """The published cross-breakdown of two breakdowns picked as a cross-tab's rows and
    columns, and whether its group_label ('North East | 16-24') lists the columns' group
    first (the pair is published in one order only): ('region_x_age_band', True) for rows
    age_band and columns region."""
    for pair in CROSS_BREAKDOWNS:
        if pair in ((rows, columns), (columns, rows)):
            return cross_breakdown_name(pair), pair[0] != rows
    raise ValueError(
        f"{rows} x {columns} is not a published cross-breakdown (var cross_breakdowns)"
    )


REPORTED_BREAKDOWNS: tuple[str, ...] = ("all", *BREAKDOWNS, *CROSS_BREAKDOWN_NAMES)
"""Every value of a mart's breakdown column, in the order the app offers them."""
