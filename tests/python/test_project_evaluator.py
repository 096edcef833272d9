"""The rules of dbt-project-evaluator, checked over dbt's manifest (docs/design.md, "Rules").

dbt-labs/dbt-project-evaluator is a dbt package: it cannot be installed here (dbt hub and
GitHub are not reachable, and it is not on PyPI), so this test reproduces the rules of its
documentation (docs/rules/*.md) that apply to this project, over `target/manifest.json`
from `dbt parse`. Its rule names are kept (fct_missing_primary_key_tests, ...), and an
exception is allowed only when `tests/evaluator_exceptions.csv` lists it with its reason,
as the package's `dbt_project_evaluator_exceptions` seed does. A rule that does not apply
(the semantic layer's, source fanout on a one-source project) is left out and named in
docs/design.md.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import shutil
from collections import defaultdict

import pytest

from lui.paths import PROJECT_ROOT
from lui.warehouse.dbt import run_dbt

EXCEPTIONS = PROJECT_ROOT / "tests" / "evaluator_exceptions.csv"
PROJECT = "levelling_up_index"
# the evaluator's defaults: layer by folder and by prefix
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}
CHAINED_VIEWS_THRESHOLD = 4
MODELS_FANOUT_THRESHOLD = 3
TOO_MANY_JOINS_THRESHOLD = 7
# the app: its local-areas page is an exposure of its own (its mart is built on DuckDB only)
READER_EXPOSURES = ("levelling_up_index_app", "levelling_up_index_app_local_areas")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    warehouse = tmp_path_factory.mktemp("evaluator") / "levelling_up.duckdb"
    done = run_dbt(["parse"], warehouse=warehouse)
    assert done.returncode == 0, done.stdout[-3000:]
    path = warehouse.parent / "dbt" / "target" / "manifest.json"
    data = json.loads(path.read_text())
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    return data


def models(manifest: dict) -> dict[str, dict]:
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["package_name"] == PROJECT
    }


def layer(node: dict) -> str:
    return node["fqn"][1] if len(node["fqn"]) > 2 else "other"


def parents(manifest: dict, node: dict) -> list[str]:
    return sorted(set(node["depends_on"].get("nodes", [])))


def children(manifest: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for node in [*manifest["nodes"].values(), *manifest["exposures"].values()]:
        if node["resource_type"] == "test":
            continue
        for parent in node["depends_on"].get("nodes", []):
            found[parent].add(node["unique_id"])
    return found


def exceptions() -> list[dict[str, str]]:
    with EXCEPTIONS.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        assert row["comment"].strip(), f"an exception without its reason: {row}"
    return rows


def excepted(rule: str, value: str) -> bool:
    """Whether `value` (a model name, or 'parent -> child') is an exception to `rule`
    (`id_to_exclude` a `like` pattern, as in the package's seed)."""
    return any(
        row["fct_name"] == rule
        and fnmatch.fnmatchcase(value, row["id_to_exclude"].replace("%", "*").replace("_", "?"))
        for row in exceptions()
    )


def violations(manifest: dict) -> dict[str, list[str]]:
    """Every rule that applies -> what breaks it (nothing excepted removed yet)."""
    nodes = manifest["nodes"]
    ours = models(manifest)
    kids = children(manifest)
    tests = [n for n in nodes.values() if n["resource_type"] == "test"]
    found: dict[str, list[str]] = defaultdict(list)

    def name(unique_id: str) -> str:
        return unique_id.split(".")[-1]

    def kind(unique_id: str) -> str:
        return unique_id.split(".")[0]

    for model, node in ours.items():
        layer_name = layer(node)
        model_parents = parents(manifest, node)
        sources = [p for p in model_parents if kind(p) == "source"]
        refs = [p for p in model_parents if kind(p) == "model"]
        # documentation
        if not node["description"].strip():
            found["fct_undocumented_models"].append(model)
        undocumented = [c for c, col in node["columns"].items() if not col["description"].strip()]
        if undocumented:
            found["fct_undocumented_columns"].append(f"{model}: {', '.join(undocumented)}")
        # structure
        if layer_name in PREFIXES and not model.startswith(PREFIXES[layer_name]):
            found["fct_model_naming_conventions"].append(model)
        if layer_name not in PREFIXES:
            found["fct_model_directories"].append(model)
        # modeling (DAG)
        if not model_parents:
            found["fct_root_models"].append(model)
        if sources and refs:
            found["fct_direct_join_to_source"].append(model)
        if sources and layer_name in ("intermediate", "marts"):
            found["fct_marts_or_intermediate_dependent_on_source"].append(model)
        if len(sources) > 1:
            found["fct_multiple_sources_joined"].append(model)
        if layer_name == "staging":
            for parent in refs:
                parent_layer = layer(nodes[parent])
                if parent_layer == "staging":
                    found["fct_staging_dependent_on_staging"].append(f"{name(parent)} -> {model}")
                elif parent_layer in ("intermediate", "marts"):
                    found["fct_staging_dependent_on_marts_or_intermediate"].append(
                        f"{name(parent)} -> {model}"
                    )
        if len(refs) + len(sources) >= TOO_MANY_JOINS_THRESHOLD:
            found["fct_too_many_joins"].append(model)
        leaf_children = [c for c in kids[node["unique_id"]] if kind(c) == "model" and not kids[c]]
        if len(leaf_children) > MODELS_FANOUT_THRESHOLD:
            found["fct_model_fanout"].append(f"{model}: {len(leaf_children)} leaf children")
        # a model nothing reads (no model, no exposure) outside the marts: an orphan
        if layer_name != "marts" and not kids[node["unique_id"]]:
            found["fct_orphan_models"].append(model)
        # hard-coded references: a relation named in the SQL instead of ref() / source()
        raw_code = node["raw_code"].lower()
        for schema in ("raw.", "staging.", "intermediate.", "marts.", "codebook.", "reference."):
            if f"from {schema}" in raw_code or f"join {schema}" in raw_code:
                found["fct_hard_coded_references"].append(model)
        # governance
        access = node.get("access") or node["config"].get("access")
        contracted = (node["config"].get("contract") or {}).get("enforced", False)
        if access == "public" and not contracted:
            found["fct_public_models_without_contract"].append(model)
        if access == "public" and (not node["description"].strip() or undocumented):
            found["fct_undocumented_public_models"].append(model)
        # performance
        if node["config"]["materialized"] in ("table", "incremental"):
            distance = _view_chain(nodes, node)
            if distance >= CHAINED_VIEWS_THRESHOLD:
                found["fct_chained_views_dependencies"].append(f"{model}: {distance} views")
        # testing: a grain test
        if not _has_primary_key_test(node, tests):
            found["fct_missing_primary_key_tests"].append(model)

    # rejoining of upstream concepts: parent -> middle -> child and parent -> child, the
    # middle model read by nothing else
    for parent in ours.values():
        direct = {c for c in kids[parent["unique_id"]] if kind(c) == "model"}
        for middle in direct:
            middle_kids = {c for c in kids[middle] if kind(c) == "model"}
            if len(kids[middle]) == 1 and middle_kids & direct:
                [child] = middle_kids
                found["fct_rejoining_of_upstream_concepts"].append(
                    f"{parent['name']} -> {name(middle)} -> {name(child)}"
                )

    for source in manifest["sources"].values():
        if source["package_name"] != PROJECT:
            continue
        if not kids[source["unique_id"]]:
            found["fct_unused_sources"].append(source["name"])
        if not source["description"].strip():
            found["fct_undocumented_source_tables"].append(source["name"])
        if not source.get("source_description", "").strip():
            found["fct_undocumented_sources"].append(source["source_name"])
        freshness = source.get("freshness") or {}
        if not (freshness.get("warn_after") or {}).get("count") and not (
            freshness.get("error_after") or {}
        ).get("count"):
            found["fct_sources_without_freshness"].append(source["name"])

    for exposure in manifest["exposures"].values():
        for parent in exposure["depends_on"]["nodes"]:
            node = nodes.get(parent)
            if node is None or node["resource_type"] != "model":
                found["fct_exposure_parents_materializations"].append(
                    f"{name(parent)} -> {exposure['name']}"
                )
                continue
            if (node.get("access") or node["config"].get("access")) != "public":
                found["fct_exposures_dependent_on_private_models"].append(
                    f"{node['name']} -> {exposure['name']}"
                )
            if node["config"]["materialized"] not in ("table", "incremental"):
                found["fct_exposure_parents_materializations"].append(
                    f"{node['name']} -> {exposure['name']}"
                )
    return dict(found)


def _view_chain(nodes: dict, node: dict) -> int:
    """The longest chain of views (or ephemeral models) right above `node`."""

    def above(unique_id: str) -> int:
        parent = nodes.get(unique_id)
        if parent is None or parent["resource_type"] != "model":
            return 0
        if parent["config"]["materialized"] not in ("view", "ephemeral"):
            return 0
        return 1 + max((above(p) for p in parent["depends_on"]["nodes"]), default=0)

    return max((above(p) for p in node["depends_on"]["nodes"]), default=0)


def _has_primary_key_test(node: dict, tests: list[dict]) -> bool:
    """unique_combination_of_columns on the model, or not_null and unique on one column
    (a not_null constraint of a contracted model counts as the not_null)."""
    attached = [t for t in tests if t.get("attached_node") == node["unique_id"]]
    if any(
        t["test_metadata"]["name"] == "unique_combination_of_columns"
        for t in attached
        if t.get("test_metadata")
    ):
        return True
    by_column: dict[str, set[str]] = defaultdict(set)
    for test in attached:
        if test.get("test_metadata") and test.get("column_name"):
            by_column[test["column_name"]].add(test["test_metadata"]["name"])
    for column, names in by_column.items():
        constraints = {c["type"] for c in node["columns"].get(column, {}).get("constraints", [])}
        if "unique" in names and ("not_null" in names or "not_null" in constraints):
            return True
    return False


def reported(found: dict[str, list[str]]) -> dict[str, list[str]]:
    """The violations no exception covers."""
    left = {
        rule: [value for value in values if not excepted(rule, value.split(":")[0])]
        for rule, values in found.items()
    }
    return {rule: values for rule, values in left.items() if values}


def test_no_rule_of_the_evaluator_is_broken_without_a_documented_exception(manifest):
    assert reported(violations(manifest)) == {}


def test_every_exception_is_still_needed(manifest):
    """An exception that excuses nothing is stale: remove it."""
    found = violations(manifest)
    stale = [
        row
        for row in exceptions()
        if not any(
            excepted(row["fct_name"], value.split(":")[0])
            for value in found.get(row["fct_name"], [])
        )
    ]
    assert stale == []


def test_the_readers_exposure_lists_every_mart_the_app_and_the_report_read(manifest):
    """Every marts.<table> the app (streamlit_app/) and the report read is in the app's
    exposure, and every mart is public with an enforced contract."""
    ours = models(manifest)
    marts = {name for name, node in ours.items() if layer(node) == "marts"}
    readers = [
        *(PROJECT_ROOT / "streamlit_app").rglob("*.py"),
        *(PROJECT_ROOT / "src" / "lui" / "present").rglob("*.py"),
    ]
    text = "\n".join(path.read_text() for path in readers)
    read = {mart for mart in marts if f"marts.{mart}" in text or f'"{mart}"' in text}
    assert read, "the app reads no mart? the reader scan is broken"
    listed = set()
    for exposure in manifest["exposures"].values():
        if exposure["name"] in READER_EXPOSURES:
            listed |= {n.split(".")[-1] for n in exposure["depends_on"]["nodes"]}
    assert read - listed == set()
    for mart in marts:
        node = ours[mart]
        assert (node.get("access") or node["config"].get("access")) == "public", mart
        assert node["config"]["contract"]["enforced"], mart


def test_the_rules_find_what_they_should():
    """Each rule on a tiny hand-made manifest: an orphan, a mart reading a source, staging
    reading staging, an undocumented column, a missing grain test, a private exposure parent."""

    def model(name: str, folder: str, deps: list[str], **extra) -> dict:
        node = {
            "unique_id": f"model.{PROJECT}.{name}",
            "name": name,
            "resource_type": "model",
            "package_name": PROJECT,
            "fqn": [PROJECT, folder, name],
            "description": "d",
            "columns": {"id": {"description": "d", "constraints": []}},
            "config": {"materialized": "table", "contract": {"enforced": False}},
            "depends_on": {"nodes": deps},
            "raw_code": "select 1",
        }
        node.update(extra)
        return node

    source = {
        "unique_id": f"source.{PROJECT}.raw.t",
        "name": "t",
        "source_name": "raw",
        "resource_type": "source",
        "package_name": PROJECT,
        "description": "d",
        "source_description": "d",
        "freshness": {"warn_after": {"count": 1}},
        "depends_on": {"nodes": []},
    }
    stg = model("stg_raw__t", "staging", [source["unique_id"]])
    stg2 = model("stg_raw__u", "staging", [stg["unique_id"]])
    orphan = model("int_alone", "intermediate", [stg["unique_id"]])
    mart = model(
        "fct_x",
        "marts",
        [source["unique_id"]],
        columns={"id": {"description": "", "constraints": []}},
    )
    test = {
        "unique_id": f"test.{PROJECT}.unique_stg",
        "resource_type": "test",
        "attached_node": stg["unique_id"],
        "test_metadata": {"name": "unique_combination_of_columns"},
        "column_name": None,
        "depends_on": {"nodes": [stg["unique_id"]]},
    }
    exposure = {
        "unique_id": f"exposure.{PROJECT}.app",
        "name": "app",
        "resource_type": "exposure",
        "depends_on": {"nodes": [mart["unique_id"], stg2["unique_id"]]},
    }
    tiny = {
        "nodes": {n["unique_id"]: n for n in (stg, stg2, orphan, mart, test)},
        "sources": {source["unique_id"]: source},
        "exposures": {exposure["unique_id"]: exposure},
    }
    found = violations(tiny)
    assert found["fct_orphan_models"] == ["int_alone"]
    assert found["fct_marts_or_intermediate_dependent_on_source"] == ["fct_x"]
    assert found["fct_staging_dependent_on_staging"] == ["stg_raw__t -> stg_raw__u"]
    assert found["fct_undocumented_columns"] == ["fct_x: id"]
    assert sorted(found["fct_missing_primary_key_tests"]) == ["fct_x", "int_alone", "stg_raw__u"]
    assert sorted(found["fct_exposures_dependent_on_private_models"]) == [
        "fct_x -> app",
        "stg_raw__u -> app",
    ]
