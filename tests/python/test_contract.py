"""One home per fact: every copy of the contract (lui.contract, the dbt vars) agrees with it.

The landing code derives its DDL, type map and value sets from `lui.contract`; what cannot
import Python (the raw source YAML, stg_raw__respondents, the expectation suites, the app's
prose) is checked here, so changing a fact in one home and not another fails a test.
"""

from __future__ import annotations

import csv
import json
import re

import duckdb
import pyarrow as pa
import pytest
import yaml
from dbt.clients.yaml_helper import load_yaml_text

from lui import contract
from lui.demo import pandas_index
from lui.landing import gate, raw, wavefile
from lui.paths import EXPECTATIONS_DIR, PROJECT_ROOT

RAW_NAMES = {"weight": "survey_weight"}  # raw column -> staging column where they differ


def _yaml(relative: str) -> dict:
    return yaml.safe_load((PROJECT_ROOT / relative).read_text())


def test_the_raw_ddl_is_the_contract():
    with duckdb.connect() as con:
        raw.ensure_schema(con)
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'respondents' order by ordinal_position"
        ).fetchall()
    # the view over the keyed storage: today's columns, then the key the build joins on
    assert columns == [
        ("wave_id", "VARCHAR"),
        *((c.name, c.duckdb_type.upper()) for c in contract.RESPONDENT),
        ("respondent_key", "INTEGER"),
    ]


def test_the_wave_file_types_are_the_contract():
    for column in contract.RESPONDENT:
        assert wavefile.expected_type(column.name) == column.type
    assert wavefile.expected_type("any_question_code") == contract.INTEGER
    converted, problems = wavefile.normalise(
        pa.table(
            {
                "respondent_id": ["1"],
                "weight": ["1.5"],
                "interview_date": ["2023-08-02"],
                "la_code": ["E06000001"],
                "imd_quintile": ["3"],
                "urban_rural": ["Urban"],
                "supergroup": ["Urban Settlements"],
                "age_band": ["16-24"],
                "gender": ["Male"],
            }
        )
    )
    assert problems == {}
    assert {f.name: f.type for f in converted.schema} == {
        c.name: c.arrow_type for c in contract.RESPONDENT
    }


def test_the_raw_source_yaml_lists_the_contract():
    [source] = _yaml("models/staging/raw/_raw__sources.yml")["sources"]
    [table] = [t for t in source["tables"] if t["name"] == "respondents"]
    assert [(c["name"], c["data_type"]) for c in table["columns"]] == [
        ("wave_id", "varchar"),
        *((c.name, c.duckdb_type) for c in contract.RESPONDENT),
        ("respondent_key", "integer"),
    ]


# Text is cast through dbt's portable type (Spark has no `varchar` without a length).
SQL_TYPE = {"varchar": "{{ dbt.type_string() }}"}


def test_stg_raw_respondents_casts_every_contract_column_to_its_type():
    sql = (PROJECT_ROOT / "models/staging/raw/stg_raw__respondents.sql").read_text()
    casts = re.findall(r"cast\((\w+) as (\w+|\{\{ dbt\.type_string\(\) \}\})\) as (\w+)", sql)
    assert casts == [
        ("wave_id", SQL_TYPE["varchar"], "wave_id"),
        *(
            (c.name, SQL_TYPE.get(c.duckdb_type, c.duckdb_type), RAW_NAMES.get(c.name, c.name))
            for c in contract.RESPONDENT
        ),
        ("respondent_key", "integer", "respondent_key"),
    ]
    models = _yaml("models/staging/raw/_raw__models.yml")["models"]
    [model] = [m for m in models if m["name"] == "stg_raw__respondents"]
    assert [c["name"] for c in model["columns"]] == [name for _, _, name in casts]


def test_the_respondent_suite_checks_every_contract_column_and_value_set():
    suite = json.loads((EXPECTATIONS_DIR / "respondents.json").read_text())
    not_null = {
        e["kwargs"]["column"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_not_be_null"
    }
    assert not_null == set(contract.RESPONDENT_COLUMNS)
    in_set = {
        e["kwargs"]["column"]: e["kwargs"]["value_set"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
    }
    fixed = contract.value_sets()
    # every fixed value set is a $PARAMETER named after its column, filled from the contract
    assert {c: in_set[c] for c in fixed} == {c: {"$PARAMETER": c} for c in fixed}
    parameters = gate.suite_parameters("2023-08")
    assert {c: parameters[c] for c in fixed} == fixed
    assert parameters["required_columns"][: len(contract.RESPONDENT)] == list(
        contract.RESPONDENT_COLUMNS
    )


def test_the_breakdowns_are_the_dbt_var_and_columns_of_the_enriched_respondents():
    assert tuple(_yaml("dbt_project.yml")["vars"]["breakdowns"]) == contract.BREAKDOWNS
    assert pandas_index.BREAKDOWNS == contract.BREAKDOWNS
    [enriched] = _yaml("models/intermediate/respondents/int_respondents__enriched.yml")["models"]
    assert set(contract.BREAKDOWNS) <= {c["name"] for c in enriched["columns"]}


def test_the_cross_breakdowns_are_every_pair_of_breakdowns_named_as_dbt_names_them():
    values = _yaml("dbt_project.yml")["vars"]
    assert values["cross_breakdowns"] == "all"
    assert sorted(values["cross_breakdown_order"]) == sorted(contract.BREAKDOWNS)
    pairs = contract.CROSS_BREAKDOWNS
    assert len(pairs) == 21 == len({frozenset(pair) for pair in pairs})
    assert all(len(pair) == 2 and set(pair) <= set(contract.BREAKDOWNS) for pair in pairs)
    # the three crossings published before every pair was keep their names
    assert {"region_x_imd_quintile", "nation_x_age_band", "urban_rural_x_imd_quintile"} <= set(
        contract.CROSS_BREAKDOWN_NAMES
    )
    assert contract.CROSS_BREAKDOWN_NAMES[:2] == ("nation_x_region", "nation_x_supergroup")
    macro = (PROJECT_ROOT / "macros" / "breakdown_rollup.sql").read_text()
    assert "{{ pair[0] }}_x_{{ pair[1] }}" in macro and "' | '" in macro
    assert contract.CROSS_SEPARATOR == " | "


def test_a_cross_tab_finds_its_published_cross_breakdown_either_way_round():
    assert contract.cross_breakdown_of("region", "age_band") == ("region_x_age_band", False)
    assert contract.cross_breakdown_of("age_band", "region") == ("region_x_age_band", True)
    with pytest.raises(ValueError, match="not a published cross-breakdown"):
        contract.cross_breakdown_of("region", "region")


def test_cross_breakdowns_may_be_explicit_pairs_and_refuse_anything_else():
    assert contract.cross_breakdown_pairs([["region", "gender"]], None) == (("region", "gender"),)
    assert contract.cross_breakdown_pairs([], None) == ()
    with pytest.raises(ValueError, match="set it to all or to a list of pairs"):
        contract.cross_breakdown_pairs("every", None)
    with pytest.raises(ValueError, match="must list every breakdown"):
        contract.cross_breakdown_pairs("all", ["nation", "region"])


def test_the_app_has_a_label_for_every_breakdown():
    from lui.present import formatting, queries

    assert contract.REPORTED_BREAKDOWNS == queries.BREAKDOWN_ORDER
    assert ("all", *contract.BREAKDOWNS) == queries.BREAKDOWN_ORDER[: len(contract.BREAKDOWNS) + 1]
    assert set(formatting.BREAKDOWN_LABELS) == set(queries.BREAKDOWN_ORDER)
    assert formatting.BREAKDOWN_LABELS["region_x_imd_quintile"] == "Region x Deprivation quintile"


def test_the_thresholds_are_the_dbt_vars():
    values = _yaml("dbt_project.yml")["vars"]
    rules = contract.thresholds()
    assert {name: getattr(rules, name) for name in contract.THRESHOLD_VARS} == {
        name: values[name] for name in contract.THRESHOLD_VARS
    }
    assert contract.Thresholds(100, 50, 1.96).confidence_level == "95%"


def test_no_threshold_is_written_as_a_number_outside_its_home():
    """The app's prose and the models take the thresholds from the dbt vars, never a copy."""
    prose = re.compile(r"(under|fewer than) (100|50) respondents|1\.96|95%")
    homes = [
        *(PROJECT_ROOT / "streamlit_app" / "views").glob("*.py"),
        *(PROJECT_ROOT / "src" / "lui" / "present").glob("*.py"),
    ]
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in homes
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if prose.search(line)
    ]
    assert found == []
    sql = [*(PROJECT_ROOT / "models").rglob("*.sql"), *(PROJECT_ROOT / "macros").rglob("*.sql")]
    z = [p.name for p in sql if re.search(r"\b1\.96\b", p.read_text())]
    assert z == []


def _model_ymls() -> dict[str, dict]:
    models: dict[str, dict] = {}
    for path in (PROJECT_ROOT / "models").rglob("*.yml"):
        # dbt's own YAML loader, which reads what dbt reads
        for model in load_yaml_text(path.read_text()).get("models") or []:
            models[model["name"]] = model
    return models


def test_every_model_has_a_grain_test_or_an_exception_with_its_reason():
    """A grain test (unique_combination_of_columns on the model's key), or an exception to
    the evaluator's fct_missing_primary_key_tests in tests/evaluator_exceptions.csv with its
    reason (e.g. a full pass over every answer); test_project_evaluator.py checks the same
    over dbt's manifest."""
    models = _model_ymls()
    files = [*(PROJECT_ROOT / "models").rglob("*.sql"), *(PROJECT_ROOT / "models").rglob("*.py")]
    assert set(models) == {p.stem for p in files}
    with (PROJECT_ROOT / "tests" / "evaluator_exceptions.csv").open(newline="") as handle:
        excepted = {
            row["id_to_exclude"]: row["comment"]
            for row in csv.DictReader(handle)
            if row["fct_name"] == "fct_missing_primary_key_tests"
        }
    missing = {
        name
        for name, model in models.items()
        if not any("unique_combination_of_columns" in t for t in model.get("data_tests") or [])
    }
    assert missing == set(excepted)
    assert all(reason.strip() for reason in excepted.values())


def test_the_grains_of_the_cells_list_the_dbt_var():
    """A cell is one combination of every breakdown column: its grain spells the var."""
    models = _model_ymls()
    for name in ("int_cells", "int_measure_cell_moments"):
        grains = [
            test["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
            for test in models[name].get("data_tests") or []
            if "unique_combination_of_columns" in test
        ]
        assert any(
            [c for c in grain if c in contract.BREAKDOWNS] == list(contract.BREAKDOWNS)
            for grain in grains
        ), name
