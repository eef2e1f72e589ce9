"""tests.column_tests, dbt-bouncer's check_column_has_specified_test: the columns whose name
matches a pattern have the tests named for it; on the bouncer build against the truth computed
with plain json, with tests planted, and on the fixture project."""

from __future__ import annotations

import json
import re

import pytest
from corpus import CORPUS
from policy_support import by_code, corpus_project, edited_bouncer, gate, rule_config

from dbtgate.artifacts.load import load_artifacts
from dbtgate.project import Project
from dbtgate.rules.registry import ParamError, load_rules

PKG = "dbt_bouncer_test_project"
CODE = "tests.column_tests"
STG_ORDERS = f"model.{PKG}.stg_orders"


def _bouncer_json(name: str) -> dict:
    path = CORPUS / "bouncer-dbt112" / name
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return json.loads(path.read_text())


def _untested(pattern: str, test: str, *, use_catalog: bool) -> set[tuple[str, str]]:
    """The truth, with plain json: (resource, column) of the root project's models, seeds,
    snapshots and sources whose column (declared, or the catalog's) matches `pattern` and has
    no test named `test` on it."""
    manifest = _bouncer_json("manifest.json")
    catalog = _bouncer_json("catalog.json") if use_catalog else {"nodes": {}, "sources": {}}
    tested = {
        (node["attached_node"], node["column_name"].lower())
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node.get("test_metadata") or {}).get("name") == test
        and node.get("attached_node")
        and node.get("column_name")
    }
    resources = {**manifest["nodes"], **manifest["sources"]}
    found = set()
    for uid, resource in resources.items():
        if resource["package_name"] != PKG or resource["resource_type"] not in (
            "model",
            "seed",
            "snapshot",
            "source",
        ):
            continue
        table = catalog["nodes"].get(uid) or catalog["sources"].get(uid) or {}
        columns = {name.lower() for name in resource.get("columns") or {}}
        columns |= {name.lower() for name in table.get("columns") or {}}
        found |= {
            (uid, column)
            for column in columns
            if re.fullmatch(pattern, column) and (uid, column) not in tested
        }
    return found


def _found(findings) -> set[tuple[str, str]]:
    return {(f.unique_id, f.column_name.lower()) for f in by_code(findings, CODE)}


@pytest.mark.parametrize("use_catalog", [True, False])
def test_key_columns_without_not_null_on_a_real_build(tmp_path, use_catalog):
    """stg_orders' customer_id, which its YAML does not declare, is judged from the catalog."""
    expected = _untested(".*_id", "not_null", use_catalog=use_catalog)
    assert expected and ((STG_ORDERS, "customer_id") in expected) is use_catalog
    config = rule_config(
        tmp_path,
        CODE,
        f'{{tests: {{".*_id": [not_null]}}, use_catalog: {str(use_catalog).lower()}}}',
    )
    findings = gate(corpus_project("bouncer-dbt112"), config).findings
    assert _found(findings) == expected


def test_the_message_names_the_column_and_its_missing_test(tmp_path):
    config = rule_config(tmp_path, CODE, '{tests: {".*_id": [not_null]}}', "stg_orders")
    [finding] = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, CODE)
    assert (finding.unique_id, finding.column_name) == (STG_ORDERS, "customer_id")
    assert finding.message == (
        "column customer_id of stg_orders lacks the not_null test that columns of its name need"
    )


def test_a_column_matching_several_patterns_needs_all_their_tests(tmp_path):
    """Patterns match whole names, case-insensitively; the tests are listed once, in order."""
    config = rule_config(
        tmp_path,
        CODE,
        '{tests: {"CUSTOMER_.*": [not_null, Relationships], ".*_id": [not_null, unique]}}',
        f"model.{PKG}.stg_orders",
    )
    [finding] = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, CODE)
    assert finding.column_name == "customer_id"
    assert finding.message == (
        "column customer_id of stg_orders lacks the not_null, Relationships and unique "
        "tests that columns of its name need"
    )


def _with_not_null_on_customer_id(manifest: dict) -> None:
    manifest["nodes"]["test.planted.not_null_stg_orders_customer_id"] = {
        "resource_type": "test",
        "name": "not_null_stg_orders_customer_id",
        "package_name": PKG,
        "unique_id": "test.planted.not_null_stg_orders_customer_id",
        "attached_node": STG_ORDERS,
        "column_name": "CUSTOMER_ID",
        "test_metadata": {"name": "not_null", "namespace": None, "kwargs": {}},
        "depends_on": {"nodes": [STG_ORDERS]},
    }


def test_a_planted_test_passes_the_column(tmp_path):
    config = rule_config(tmp_path / "c", CODE, '{tests: {".*_id": [not_null]}}', "stg_orders")
    project = edited_bouncer(tmp_path, _with_not_null_on_customer_id)
    assert by_code(gate(project, config).findings, CODE) == []


@pytest.mark.parametrize(
    "tests, problem",
    [
        ({}, "give at least one column pattern and its tests"),
        ({"(": ["not_null"]}, "'(': not a regular expression"),
        ({".*_id": []}, "'.*_id': give the names of one test or more"),
    ],
)
def test_a_map_that_checks_nothing_is_a_config_error(tests, problem):
    with pytest.raises(ParamError, match=re.escape(problem)):
        load_rules()[CODE].resolve_params({"tests": tests})


@pytest.mark.slow
def test_the_fixtures_marts_keys_and_statuses(shop_builds, tmp_path):
    """The marts' customer_id columns have relationships tests only and status no test; the
    staging status has its accepted_values."""
    project = Project.from_artifacts(load_artifacts(shop_builds.base / "target"))
    config = rule_config(
        tmp_path,
        CODE,
        '{tests: {".*_id": [not_null], "status": [accepted_values]}}',
        "path:models/marts path:models/staging/stg_orders.sql",
    )
    assert sorted(
        (f.unique_id.split(".", 2)[2], f.column_name)
        for f in by_code(gate(project, config).findings, CODE)
    ) == [
        ("fct_orders", "customer_id"),
        ("fct_orders", "status"),
        ("orders_summary.v1", "customer_id"),
        ("orders_summary.v1", "status"),
        ("orders_summary.v2", "customer_id"),
        ("orders_summary.v2", "status"),
    ]
