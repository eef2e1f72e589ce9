"""The docs family: model, column and source descriptions, coverage thresholds, placeholders."""

from __future__ import annotations

import copy
import json

import pytest
from corpus import CORPUS
from policy_support import by_code, corpus_project, gate, write_config

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project

PKG = "dbt_bouncer_test_project"
STG_ORDERS = f"model.{PKG}.stg_orders"


def test_column_coverage_counts_undeclared_warehouse_columns_as_undocumented(tmp_path):
    project = corpus_project("bouncer-dbt112")
    text = """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {{docs.column_coverage: {{severity: error, min: 1.0, use_catalog: {flag}}}}}
        """
    with_catalog = gate(project, write_config(tmp_path, text.format(flag="true"))).findings
    assert sorted(f.column_name for f in by_code(with_catalog, "docs.column_coverage")) == [
        "customer_id",  # in catalog.json only
        "order_date",  # in catalog.json only
        "order_id",
        "status",
    ]
    declared_only = gate(project, write_config(tmp_path, text.format(flag="false"))).findings
    findings = by_code(declared_only, "docs.column_coverage")
    assert sorted(f.column_name for f in findings) == ["order_id", "status"]
    assert findings[0].message == (
        "column order_id of stg_orders has no description (0 of 2 columns documented, 0% < 100%)"
    )


def test_column_coverage_above_the_threshold_reports_nothing(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.column_coverage: {min: 0.0}}
        """,
    )
    assert by_code(gate(project, config).findings, "docs.column_coverage") == []


def test_model_description_missing_or_too_short(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {docs.model_description: error}
        """,
    )
    findings = by_code(gate(project, config).findings, "docs.model_description")
    assert [(f.unique_id, f.message) for f in findings] == [
        (
            f"model.{PKG}.int_exclude_via_meta_config",
            "int_exclude_via_meta_config has no description",
        )
    ]
    longer = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.model_description: {severity: warn, min_length: 100}}
        """,
        name="longer.yml",
    )
    [finding] = by_code(gate(project, longer).findings, "docs.model_description")
    assert "the policy asks for at least 100" in finding.message


def test_source_description(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:source"
            rules: {docs.source_description: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "docs.source_description")
    assert [f.message for f in findings] == [
        "source sources_that_dont_really_exist.Non_Conforming_Name has no description"
    ]


def test_placeholders_are_found_on_models_and_columns(tmp_path):
    path = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    data = copy.deepcopy(json.loads(path.read_text()))
    node = data["nodes"][STG_ORDERS]
    node["description"] = "TODO: describe the grain"
    node["columns"]["order_id"]["description"] = "Order id."
    node["columns"]["status"]["description"] = "N/A"
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text(json.dumps(data))
    project = Project.from_artifacts(load_artifacts(tmp_path / "target"))
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.placeholder: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "docs.placeholder")
    assert sorted((f.column_name or "", f.details["description"]) for f in findings) == [
        ("", "TODO: describe the grain"),
        ("order_id", "Order id."),  # the column's own name
        ("status", "N/A"),
    ]
    custom = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "stg_orders"
            rules: {docs.placeholder: {words: ["see sql"]}}
        """,
        name="custom.yml",
    )
    only_markers = by_code(gate(project, custom).findings, "docs.placeholder")
    # "N/A" is no longer a listed word; a leading TODO marker and the name still count.
    assert sorted(f.column_name or "" for f in only_markers) == ["", "order_id"]


def test_a_column_described_unlike_the_rest_of_the_project(tmp_path):
    """recce's jaffle shop: customer_id is 'a unique identifier for a customer' in three models
    (one without the final full stop: the same text) and 'Foreign key to the customers table'
    in orders."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {docs.column_description_consistent: warn}
        """,
    )
    findings = by_code(
        gate(corpus_project("recce-pair/pr2"), config).findings,
        "docs.column_description_consistent",
    )
    assert [(f.unique_id, f.column_name) for f in findings] == [
        ("model.jaffle_shop.orders", "customer_id")
    ]
    assert findings[0].message == (
        "orders.customer_id is described differently from 3 other models "
        "(customer_order_pattern, customer_segments, customers), which say: "
        "'This is a unique identifier for a customer'"
    )
    assert findings[0].details["models"] == [
        "model.jaffle_shop.customer_order_pattern",
        "model.jaffle_shop.customer_segments",
        "model.jaffle_shop.customers",
    ]
