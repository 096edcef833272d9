"""The demo-wave generator's model: who is sampled and how they answer (all synthetic).

No real microdata ships with the project, so `lui generate` draws realistic waves from the
model below. Every number here is either a documented assumption or was calibrated once, by
`scripts/calibrate_demo.py`, so that the baseline wave (2022-02, 4,162 respondents, seed 1)
scored by the project's own index calculation lands on the published July 2022 report.

Sample
    Small areas (LSOA / data zone / SOA, `data/small_areas.csv`) are drawn with probability
    proportional to population inside each region x supergroup cell, so `la_code`,
    `imd_quintile` and `urban_rural` always agree with each other. The cell sizes of the
    baseline are fitted (iterative proportional fitting, then controlled rounding) to the
    report's unweighted bases by region and by supergroup (`data/published_wave1_bases.csv`);
    other sizes scale that allocation by largest remainder.

Supergroups (synthetic)
    No open table of the ONS 2011 area classification by local authority was available, so
    `assign_supergroup` gives each local authority one supergroup by documented rules: named
    inner London boroughs are London Cosmopolitan, the other London boroughs and a few
    named diverse cities Ethnically Diverse Metropolitan Living, named cities Business,
    Education and Heritage Centres, and the rest by rural share and mean deprivation. It is
    plausible, not the ONS classification.

Demographics and weights
    Age band and gender are drawn with a panel-like skew (too few 16-24s, too many 55+,
    younger in London Cosmopolitan, older in Countryside Living). Each respondent gets a
    log-normal panel design weight; weights are then raked to population margins (region,
    age band x gender) and trimmed, giving a design effect of about 1.5.

Answers (latent attitudes turned into answers)
    Each mission m has a latent attitude per respondent, in units of 100 index points:

        a_im = intercept_m + supergroup_m[sg_i] + imd_m[q_i] + rural_m * rural_i
               + nation_m[nation_i] + age_m[age_i] + drift_m[wave] + la_m[la_i] + person_im

    `la_m[la_i]` is the local authority's own effect on mission m (`LA_EFFECT_SD`, about
    8 index points; drawn once per seed and kept across waves; centred inside each
    supergroup), the truth that `lui generate --truth` writes and the small-area
    estimates of docs/local_estimates.md recover. `person_im` is a person-level random
    effect (a general positivity factor shared by all missions plus a mission-specific
    part). Question q's latent is the mean attitude of
    the missions it belongs to, plus the question's own offset, plus item noise; an ordered
    probit with thresholds half-way between the scale's points turns it into an answer code
    (reversed for negatively scored questions, e.g. "crime has gone up"). Before that, a
    respondent may say "Don't know" (common on knowledge questions such as R&D or local
    schools), prefer not to say, or skip the question. Perception questions have their own
    intercept and group shifts; priorities are 3-4 choices drawn from group-tilted
    propensities. The calibrated mission table is `data/demo_mission_attitudes.csv`; the
    hand-set parts are in this module.

Balanced draws
    The random parts are drawn so that small groups stay close to their expectation:
    person effects are centred inside each supergroup x deprivation quintile x urban/rural
    cell, and each question's uniform draws are spread evenly by weight over blocks of ten
    respondents with similar attitudes (systematic sampling with a random start; every draw
    is still exactly uniform on its own). This keeps London Cosmopolitan (104 respondents)
    within a few points of its calibrated value instead of the +/-8 of independent draws.

Calibration
    `scripts/calibrate_demo.py` nudges the supergroup, deprivation and rural terms of the
    attitudes table until the index computed by `lui.demo.pandas_index` matches the report:
    first on large samples (the expectation), then on the demo baseline itself (wave
    2022-02, 4,162 respondents, seed `DEMO_SEED` = 1), so that the shipped demo lands
    within the tolerances of issue #3. Other seeds land within sampling error (about 1 point
    for large groups, 3 for London Cosmopolitan). Any change here or in `lui.demo.generate` that
    alters the random draws needs a re-run of the script.

Drift
    Later demo waves move the latent attitudes by `WAVE_DRIFT` (cost-of-living crisis:
    pay, homes and wellbeing fall; energy bills hit warmth and energy efficiency of homes;
    awareness of levelling up peaks in summer 2022) and the questionnaire changes with the
    codebook (the 5G question is dropped after 2022-08, home broadband added in 2023-02).
    From 2023-02 the mayor question is asked in England only (combined-authority mayors are
    an English policy), so its answers are empty elsewhere. A wave after the last demo
    wave (e.g. 2024-02) keeps the last demo wave's drift (`drift_wave`), so it shows no
    spurious change; a wave between two demo waves has the earlier one's.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from lui import codebook

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_SEED = 1
BASELINE_WAVE = "2022-02"
BASELINE_RESPONDENTS = 4162

# ---------------------------------------------------------------------------------------------
# Waves: fieldwork windows (7 days from the start date) and drift.
# ---------------------------------------------------------------------------------------------
FIELDWORK_START: dict[str, date] = {
    "2022-02": date(2022, 2, 17),
    "2022-08": date(2022, 8, 11),
    "2023-02": date(2023, 2, 16),
    "2023-08": date(2023, 8, 10),
}
DEMO_WAVES: tuple[str, ...] = tuple(FIELDWORK_START)
FIELDWORK_DAYS = 7
# Share of a wave's interviews on each fieldwork day: most panellists answer the first days.
DAY_SHARES = (0.30, 0.20, 0.14, 0.11, 0.09, 0.08, 0.08)


def fieldwork_start(wave_id: str) -> date:
    """First fieldwork day: the demo waves' own, otherwise the 10th of the wave's month."""
    if wave_id in FIELDWORK_START:
        return FIELDWORK_START[wave_id]
    year, month = (int(part) for part in wave_id.split("-"))
    return date(year, month, 10)


# Latent shift per wave and mission key, in 100-point units (documented, not calibrated).
WAVE_DRIFT: dict[str, dict[str, float]] = {
    "2022-08": {
        "pay_employment_productivity": -0.12,  # cost of living bites
        "homes": -0.06,
        "wellbeing": -0.05,
        "public_transport": -0.04,  # rail strikes
        "life_expectancy": -0.04,  # NHS waiting lists
        "crime": -0.03,
    },
    "2023-02": {
        "pay_employment_productivity": -0.22,
        "homes": -0.10,
        "wellbeing": -0.09,
        "public_transport": -0.08,
        "life_expectancy": -0.09,
        "rd_investment": -0.05,
        "crime": -0.05,
        "devolution": -0.03,
    },
    "2023-08": {
        "pay_employment_productivity": -0.15,
        "homes": -0.08,
        "wellbeing": -0.05,
        "public_transport": -0.06,
        "life_expectancy": -0.10,
        "rd_investment": -0.04,
        "crime": -0.04,
        "internet": 0.05,  # gigabit roll-out
    },
}


def drift_wave(wave_id: str) -> str | None:
    """The demo wave whose drift `wave_id` carries: the latest demo wave not after it.

    A wave past the demo's four (e.g. 2024-02) continues the last one's drift rather than
    falling back to the 2022 baseline; one before the baseline has none.
    """
    earlier = [wave for wave in DEMO_WAVES if wave <= wave_id]
    return earlier[-1] if earlier else None


def wave_drift(wave_id: str) -> dict[str, float]:
    """Latent shift per mission key for `wave_id` (WAVE_DRIFT of its drift wave)."""
    return WAVE_DRIFT.get(drift_wave(wave_id) or "", {})


def question_drift(wave_id: str) -> dict[str, float]:
    """Latent shift per question code for `wave_id` (QUESTION_DRIFT of its drift wave)."""
    return QUESTION_DRIFT.get(drift_wave(wave_id) or "", {})


# Question-level drift on top of the mission drift (energy price cap of winter 2022-23).
QUESTION_DRIFT: dict[str, dict[str, float]] = {
    "2022-08": {"home_energy_sat": -0.10, "know_levelling_up": 0.12, "pay_income_feeling": -0.10},
    "2023-02": {
        "home_energy_sat": -0.35,
        "home_warmth_sat": -0.30,
        "pay_income_feeling": -0.20,
        "know_levelling_up": 0.05,
        "gov_cares_people_like_you": -0.10,
        "impact_20_years": -0.10,
    },
    "2023-08": {
        "home_energy_sat": -0.20,
        "home_warmth_sat": -0.10,
        "pay_income_feeling": -0.12,
        "know_levelling_up": -0.05,
        "impact_20_years": -0.12,
    },
}
# Nation-only routing: question -> (first wave, nations asked). Outside them the answer is
# empty ("not asked"), which is what a routed online questionnaire delivers.
ROUTING: dict[str, tuple[str, tuple[str, ...]]] = {
    "support_mayor": ("2023-02", ("England",)),
}


def routed_nations(question_code: str, wave_id: str) -> tuple[str, ...] | None:
    """Nations a routed question is asked in for `wave_id`; None when asked of everyone."""
    rule = ROUTING.get(question_code)
    if rule and wave_id >= rule[0]:
        return rule[1]
    return None


# ---------------------------------------------------------------------------------------------
# Geography: supergroup per local authority (synthetic rules).
# ---------------------------------------------------------------------------------------------
# Named local authorities with a fixed supergroup (`data/supergroup_by_la_name.csv`).
SUPERGROUP_BY_LA_NAME_FILE = DATA_DIR / "supergroup_by_la_name.csv"


@cache
def supergroup_by_la_name() -> dict[str, str]:
    """la_name -> supergroup for the authorities that the rules below do not decide."""
    with SUPERGROUP_BY_LA_NAME_FILE.open(newline="", encoding="utf-8") as handle:
        return {row["la_name"]: row["supergroup"] for row in csv.DictReader(handle)}


NORTH_AND_MIDLANDS = (
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
)


def assign_supergroup(
    la_name: str, nation: str, region: str, rural_share: float, mean_imd: float
) -> str:
    """One plausible (synthetic) ONS 2011 supergroup for a local authority."""
    named = supergroup_by_la_name().get(la_name.strip())
    if named:
        return named
    if region == "London":
        return "Ethnically Diverse Metropolitan Living"
    if rural_share >= 0.6:
        return "Countryside Living"
    industrial = region in NORTH_AND_MIDLANDS or nation in ("Wales", "Scotland")
    if industrial and mean_imd <= (3.3 if nation == "Scotland" else 2.65):
        return "Services and Industrial Legacy"
    if nation == "England" and mean_imd >= (
        3.6 if region in ("South East", "East of England") else 4.1
    ):
        return "Affluent England"
    if rural_share >= 0.25 and region != "North East":
        return "Town and Country Living"
    if nation in ("England", "Wales"):
        return "Urban Settlements"
    return "Town and Country Living"


# ---------------------------------------------------------------------------------------------
# Demographics: population margins for raking and the panel's skew.
# ---------------------------------------------------------------------------------------------
# UK population aged 16+ by age band and sex, thousands (rounded ONS mid-2020 estimates).
POPULATION_AGE_SEX: dict[str, tuple[float, float]] = {  # age band -> (male, female)
    "16-24": (3800, 3620),
    "25-34": (4500, 4450),
    "35-44": (4250, 4300),
    "45-54": (4450, 4600),
    "55-64": (4150, 4300),
    "65+": (5700, 6750),
}
# The panel's achieved sample: too few young people, too many 55+.
SAMPLE_AGE_SHARES: dict[str, float] = {
    "16-24": 0.065,
    "25-34": 0.135,
    "35-44": 0.155,
    "45-54": 0.175,
    "55-64": 0.195,
    "65+": 0.275,
}
# Multiplicative tilt of the age shares by supergroup (young cities, older countryside).
SUPERGROUP_AGE_TILT: dict[str, tuple[float, ...]] = {
    "London Cosmopolitan": (1.5, 2.0, 1.4, 0.9, 0.7, 0.5),
    "Ethnically Diverse Metropolitan Living": (1.3, 1.4, 1.2, 1.0, 0.8, 0.7),
    "Business, Education and Heritage Centres": (1.5, 1.3, 1.0, 0.9, 0.9, 0.8),
    "Countryside Living": (0.8, 0.7, 0.8, 1.0, 1.2, 1.3),
    "Town and Country Living": (0.9, 0.8, 0.9, 1.0, 1.1, 1.2),
}
SAMPLE_GENDER_SHARES: dict[str, float] = {"Male": 0.476, "Female": 0.520, "Other": 0.004}
PANEL_WEIGHT_SIGMA = 0.50  # log-normal spread of the panel design weights
TRIM_LOW, TRIM_HIGH = 0.25, 4.0  # weight trimming, as multiples of the mean weight

# ---------------------------------------------------------------------------------------------
# Answers: hand-set parts of the latent model (units: 100 index points).
# ---------------------------------------------------------------------------------------------
PERSON_SD = 0.55  # sd of the person-level attitude (per mission)
# Local-authority effect per mission: independent normal draws, one per authority and
# mission, drawn once per seed (the same in every wave) from a stream of their own, then
# centred (population-weighted) inside each supergroup, so that supergroup and national
# expectations, and so the calibration, are unchanged. 0.11 latent units moves an
# authority's index by about 8 points (sd), the size docs/local_estimates.md states.
LA_EFFECT_SD = 0.11
LA_EFFECT_STREAM = 17  # spawn key of the effects' random stream, apart from the waves'

PERSON_GENERAL_SHARE = 0.35  # share of its variance from a general positivity factor
ITEM_SD = 0.80  # sd of the item-level noise around the attitude

# Nation effects per mission (the report's nation charts).
NATION_EFFECTS: dict[str, dict[str, float]] = {
    "Wales": {
        "pay_employment_productivity": -0.15,
        "public_transport": -0.25,
        "skills_training": -0.10,
        "pride_in_place": -0.08,
        "crime": 0.15,
        "devolution": 0.10,
    },
    "Scotland": {"rd_investment": -0.05, "crime": 0.12},
    "Northern Ireland": {
        "rd_investment": -0.12,
        "public_transport": -0.30,
        "primary_schools": 0.20,
        "homes": 0.20,
        "life_expectancy": -0.05,
    },
}
# Age effects per mission (older people: better wellbeing and housing, worse health).
AGE_EFFECTS: dict[str, dict[str, float]] = {
    "wellbeing": {"16-24": -0.20, "25-34": -0.15, "35-44": -0.10, "55-64": 0.05, "65+": 0.20},
    "homes": {"16-24": -0.15, "25-34": -0.20, "35-44": -0.10, "55-64": 0.05, "65+": 0.15},
    "life_expectancy": {"16-24": 0.05, "55-64": -0.05, "65+": -0.05},
    "crime": {"16-24": 0.10, "65+": -0.05},
    "skills_training": {"16-24": 0.10},
    "pay_employment_productivity": {"16-24": -0.05, "65+": 0.05},
}


@dataclass(frozen=True)
class QuestionModel:
    """How one question's answers arise from the attitudes."""

    offset: float = 0.0  # shift of the question's latent from its missions' attitude
    dont_know: float = 0.02  # probability of "Don't know" (when the scale has one)
    refused: float = 0.003  # probability of "Prefer not to say" (when the scale has one)
    skipped: float = 0.003  # probability of leaving the question empty
    effects: dict[str, dict[str, float]] = field(default_factory=dict)  # factor -> level -> shift


# Offsets give each question of a mission its own level (e.g. housing affordability is
# rated far worse than the quality of one's own home); don't-know rates are high where
# many people have no first-hand knowledge. One row per question in
# `data/question_models.csv`; group shifts (factor, level, shift) in
# `data/question_model_effects.csv`. Devolution: support for more local control counts
# against the mission (reversed), hence the large negative offsets there.
QUESTION_MODELS_FILE = DATA_DIR / "question_models.csv"
QUESTION_MODEL_EFFECTS_FILE = DATA_DIR / "question_model_effects.csv"


@cache
def question_models() -> dict[str, QuestionModel]:
    """question_code -> QuestionModel, read once from the two data files."""
    effects: dict[str, dict[str, dict[str, float]]] = {}
    with QUESTION_MODEL_EFFECTS_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            by_factor = effects.setdefault(row["question_code"], {})
            by_factor.setdefault(row["factor"], {})[row["level"]] = float(row["shift"])
    with QUESTION_MODELS_FILE.open(newline="", encoding="utf-8") as handle:
        return {
            row["question_code"]: QuestionModel(
                offset=float(row["offset"]),
                dont_know=float(row["dont_know"]),
                refused=float(row["refused"]),
                skipped=float(row["skipped"]),
                effects=effects.get(row["question_code"], {}),
            )
            for row in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class PerceptionModel:
    """A perception question: its own latent (not a mission's) and its group shifts."""

    intercept: float
    dont_know: float
    effects: dict[str, dict[str, float]]  # factor -> level -> shift


NORTH = ("North East", "North West", "Yorkshire and The Humber")
PERCEPTION_MODELS: dict[str, PerceptionModel] = {
    # 23% know at least a fair amount; older people and men a little more.
    "know_levelling_up": PerceptionModel(
        intercept=-0.08,
        dont_know=0.02,
        effects={
            "age_band": {"16-24": -0.35, "25-34": -0.2, "55-64": 0.1, "65+": 0.25},
            "gender": {"Male": 0.12, "Female": -0.1},
        },
    ),
    # Nearly half say "less" (Wales, Northern Ireland, the North, rural and post-industrial).
    "spending_share": PerceptionModel(
        intercept=-0.42,
        dont_know=0.13,
        effects={
            "nation": {"Wales": -0.45, "Northern Ireland": -0.45, "Scotland": -0.1},
            "region": {
                "North East": -0.4,
                "North West": -0.3,
                "Yorkshire and The Humber": -0.25,
                "London": 0.35,
                "South East": 0.15,
            },
            "urban_rural": {"Rural": -0.2},
            "supergroup": {"Services and Industrial Legacy": -0.2, "Countryside Living": -0.1},
        },
    ),
    # Few think the government will make a positive difference.
    "gov_difference_next_years": PerceptionModel(
        intercept=0.05, dont_know=0.11, effects={"age_band": {"65+": 0.1}}
    ),
    # A majority think it unlikely policies will reduce inequalities within 20 years.
    "impact_20_years": PerceptionModel(
        intercept=-0.55, dont_know=0.11, effects={"age_band": {"16-24": 0.15}}
    ),
    # Most do not believe the government cares.
    "gov_cares_people_like_you": PerceptionModel(
        intercept=-0.75, dont_know=0.06, effects={"imd_quintile": {"1": -0.2, "5": 0.15}}
    ),
    "gov_cares_local_area": PerceptionModel(
        intercept=-0.7,
        dont_know=0.07,
        effects={
            "imd_quintile": {"1": -0.15, "5": 0.1},
            "region": {r: -0.15 for r in NORTH},
        },
    ),
}

# Priorities: base propensity (logit) of choosing each option, and tilts by group.
PRIORITY_BASE: dict[str, float] = {
    "priority_crime": 0.45,
    "priority_mental_health": 0.40,
    "priority_wages": 0.37,
    "priority_jobs": 0.33,
    "priority_public_transport": 0.24,
    "priority_decision_making": 0.14,
    "priority_skills": 0.15,
    "priority_children_standards": 0.16,
    "priority_pride": 0.15,
    "priority_first_time_buyers": 0.19,
    "priority_rd_investment": 0.08,
    "priority_rented_quality": 0.13,
    "priority_culture_engagement": 0.09,
    "priority_internet": 0.10,
    "priority_life_expectancy": 0.16,
}
PRIORITY_TILTS: dict[str, dict[str, dict[str, float]]] = {  # factor -> level -> option -> x
    "region": {
        "North East": {
            "priority_wages": 1.4,
            "priority_jobs": 1.4,
            "priority_life_expectancy": 1.4,
        },
        "North West": {"priority_public_transport": 1.4, "priority_life_expectancy": 1.3},
        "Yorkshire and The Humber": {"priority_children_standards": 1.4},
        "West Midlands": {"priority_crime": 1.3},
        "London": {"priority_crime": 1.35, "priority_first_time_buyers": 1.2},
        "South East": {"priority_first_time_buyers": 1.35, "priority_rented_quality": 1.35},
        "South West": {"priority_public_transport": 1.5, "priority_internet": 1.4},
    },
    "supergroup": {
        "Affluent England": {"priority_first_time_buyers": 1.4},
        "Business, Education and Heritage Centres": {"priority_rented_quality": 1.4},
        "Countryside Living": {
            "priority_jobs": 1.2,
            "priority_public_transport": 1.45,
            "priority_internet": 1.8,
        },
        "Ethnically Diverse Metropolitan Living": {
            "priority_crime": 1.25,
            "priority_mental_health": 1.15,
            "priority_pride": 1.3,
            "priority_culture_engagement": 1.4,
        },
        "Services and Industrial Legacy": {
            "priority_wages": 1.2,
            "priority_jobs": 1.3,
            "priority_skills": 1.35,
        },
        "Town and Country Living": {"priority_public_transport": 1.3, "priority_internet": 1.4},
        "Urban Settlements": {"priority_crime": 1.2, "priority_pride": 1.3},
    },
    "nation": {
        "Scotland": {"priority_crime": 0.7, "priority_mental_health": 1.15, "priority_jobs": 1.15},
        "Wales": {"priority_crime": 0.7, "priority_wages": 1.2, "priority_jobs": 1.2},
        "Northern Ireland": {"priority_crime": 0.65, "priority_mental_health": 1.2},
    },
}
PRIORITY_CHOICES = (3, 4)  # "which three or four": each respondent picks 3 or 4 options
PRIORITY_NONE = 0.03  # share who choose none of them


# ---------------------------------------------------------------------------------------------
# Calibrated mission attitudes.
# ---------------------------------------------------------------------------------------------
ATTITUDES_FILE = DATA_DIR / "demo_mission_attitudes.csv"
# Column names of the attitudes table for the supergroups.
SUPERGROUP_CODES: dict[str, str] = {
    "AE": "Affluent England",
    "BEHC": "Business, Education and Heritage Centres",
    "CL": "Countryside Living",
    "EDML": "Ethnically Diverse Metropolitan Living",
    "LC": "London Cosmopolitan",
    "SIL": "Services and Industrial Legacy",
    "TCL": "Town and Country Living",
    "US": "Urban Settlements",
}
ATTITUDE_COLUMNS = ("intercept", *SUPERGROUP_CODES, *(f"imd{q}" for q in range(1, 6)), "rural")


@cache
def mission_attitudes() -> dict[str, dict[str, float]]:
    """mission_key -> {term: value}: intercept, sg:<supergroup>, imd:<1..5>, rural.

    The file has one row per mission: the intercept, a shift per supergroup (columns named
    by SUPERGROUP_CODES), a shift per deprivation quintile (imd1..imd5) and a rural shift.
    """
    out: dict[str, dict[str, float]] = {}
    with ATTITUDES_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            terms = {"intercept": float(row["intercept"]), "rural": float(row["rural"])}
            terms.update({f"sg:{n}": float(row[c]) for c, n in SUPERGROUP_CODES.items()})
            terms.update({f"imd:{q}": float(row[f"imd{q}"]) for q in range(1, 6)})
            out[row["mission_key"]] = terms
    return out


def question_model(question_code: str) -> QuestionModel:
    return question_models().get(question_code, QuestionModel())


def mission_keys() -> dict[int, str]:
    return {mid: row["mission_key"] for mid, row in codebook.missions().items()}
