"""Modelling rules (the DAG's shape), unused sources, exposures on public models, properties
files and column names, on the bouncer build as dbt wrote it and with what it lacks planted."""

from __future__ import annotations

import re

import pytest
from policy_support import (
    by_code,
    corpus_project,
    edited_bouncer,
    gate,
    short_ids,
    write_config,
)

from dbtgate.rules.registry import ParamError, load_rules

PKG = "dbt_bouncer_test_project"
ALL_RULES = """\
    version: 1
    policies:
      - select: "*"
        rules:
          modeling.direct_source_join: warn
          modeling.multiple_sources: warn
          modeling.root_model: warn
          modeling.fanout: warn
          modeling.max_parents: warn
          modeling.layer_order: warn
          sources.unused: warn
          governance.exposure_reads_public: warn
          governance.exposure_reads_tables: warn
    """


def test_the_bouncer_build_as_written(tmp_path):
    findings = gate(corpus_project("bouncer-dbt112"), write_config(tmp_path, ALL_RULES)).findings
    # Staging models read one source (or a seed) each; no model joins sources.
    assert by_code(findings, "modeling.direct_source_join") == []
    assert by_code(findings, "modeling.multiple_sources") == []
    # Root-project models with no ref and no source (the tiktok_ads package is not gated).
    assert short_ids(by_code(findings, "modeling.root_model")) == [
        "int_disabled_model",
        "int_exclude_via_meta_config",
        "int_incremental",
        "int_model_1",
        "metricflow_time_spine",
    ]
    # stg_orders feeds py_order_stats, orders and customers v1-v3, of which only py_order_stats
    # and customers v1 and v2 are leaves (orders and customers v3 feed exposures): 3, not > 3.
    assert by_code(findings, "modeling.fanout") == []
    # The most any model reads is three (customers v1-v3: stg_customers, stg_orders, stg_payments).
    assert by_code(findings, "modeling.max_parents") == []
    # Staging reads seeds and sources, marts read staging, the int_ models read nothing.
    assert by_code(findings, "modeling.layer_order") == []
    assert short_ids(by_code(findings, "sources.unused")) == [
        "sources_that_dont_really_exist.Non_Conforming_Name",
        "sources_that_dont_really_exist.source_1",
        "sources_that_dont_really_exist.source_2",
    ]
    # Both exposures read public models only (customers v3 and orders), both tables.
    assert by_code(findings, "governance.exposure_reads_public") == []
    assert by_code(findings, "governance.exposure_reads_tables") == []


def test_a_lower_fanout_limit_names_the_leaves(tmp_path):
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {modeling.fanout: {severity: warn, max: 2}}
        """,
    )
    [finding] = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.fanout")
    assert finding.unique_id == f"model.{PKG}.stg_orders"
    assert finding.message == (
        "stg_orders feeds 3 leaf models (customers v1, customers v2, py_order_stats); at most 2"
    )
    assert finding.details["leaf_models"] == [
        f"model.{PKG}.customers.v1",
        f"model.{PKG}.customers.v2",
        f"model.{PKG}.py_order_stats",
    ]


def test_planted_edges(tmp_path):
    source = f"source.{PKG}.sources_that_dont_really_exist.source_1"
    other = f"source.{PKG}.sources_that_dont_really_exist.source_2"
    orders = f"model.{PKG}.orders"
    private = f"model.{PKG}.py_order_stats"

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        # orders now also reads a source raw; stg_payments reads two sources.
        nodes[orders]["depends_on"]["nodes"].append(source)
        stg_payments = nodes[f"model.{PKG}.stg_payments"]["depends_on"]["nodes"]
        stg_payments[:] = [source, other]
        # An exposure on a protected model (and on customers v3, which is public).
        manifest["exposures"][f"exposure.{PKG}.customers"]["depends_on"]["nodes"].append(private)
        # A dashboard on a view and on a raw source (and on customers v3, a table).
        nodes[orders]["config"]["materialized"] = "view"
        manifest["exposures"][f"exposure.{PKG}.pulse_queries"]["depends_on"]["nodes"].append(other)

    project = edited_bouncer(tmp_path, edit)
    findings = gate(project, write_config(tmp_path, ALL_RULES)).findings
    [joined] = by_code(findings, "modeling.direct_source_join")
    assert joined.unique_id == orders
    assert joined.message == (
        "orders reads source sources_that_dont_really_exist.source_1 directly, next to "
        "stg_orders, stg_payments"
    )
    [multiple] = by_code(findings, "modeling.multiple_sources")
    assert multiple.unique_id == f"model.{PKG}.stg_payments"
    assert multiple.message.startswith("stg_payments reads 2 sources (source ")
    assert multiple.details == {"sources": [source, other], "max": 1, "policy": "*"}
    # Read now, so no longer unused.
    assert short_ids(by_code(findings, "sources.unused")) == [
        "sources_that_dont_really_exist.Non_Conforming_Name"
    ]
    [exposure] = by_code(findings, "governance.exposure_reads_public")
    assert exposure.unique_id == f"exposure.{PKG}.customers"
    assert exposure.message == (
        "exposure customers reads models that are not public: py_order_stats (protected)"
    )
    [stored] = by_code(findings, "governance.exposure_reads_tables")
    assert stored.unique_id == f"exposure.{PKG}.pulse_queries"
    assert stored.message == (
        "exposure pulse_queries reads what is not stored as table or incremental or "
        "materialized_view or dynamic_table: orders (view), source "
        "sources_that_dont_really_exist.source_2"
    )
    assert stored.details["resources"] == [orders, other]


def test_a_source_read_only_by_its_tests_is_unused(tmp_path):
    customers = f"source.{PKG}.dummy_source.customers"

    def edit(manifest: dict) -> None:
        stg_customers = manifest["nodes"][f"model.{PKG}.stg_customers"]["depends_on"]["nodes"]
        stg_customers.remove(customers)

    project = edited_bouncer(tmp_path, edit)
    assert any(uid.startswith("test.") for uid in project.children[customers])
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "source:dummy_source"
            rules: {sources.unused: error}
        """,
    )
    [finding] = by_code(gate(project, config).findings, "sources.unused")
    assert finding.message == "source dummy_source.customers is declared but nothing reads it"


def test_resources_without_a_properties_file(tmp_path):
    def edit(manifest: dict) -> None:
        manifest["nodes"][f"model.{PKG}.stg_payments"]["patch_path"] = None
        manifest["nodes"][f"seed.{PKG}.raw_orders"].pop("patch_path")

    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {docs.properties_file: warn}
        """,
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "docs.properties_file"
    )
    assert short_ids(findings) == ["raw_orders", "stg_payments"]
    messages = {f.message for f in findings}
    assert "stg_payments is not declared in any properties YAML file" in messages


def test_column_names_follow_the_pattern_in_yaml_and_in_the_warehouse(tmp_path):
    import json

    from corpus import CORPUS

    from dbtgate.artifacts import load_artifacts
    from dbtgate.project import Project

    build = CORPUS / "bouncer-dbt112"
    orders = f"model.{PKG}.orders"
    manifest = json.loads((build / "manifest.json").read_text())
    columns = manifest["nodes"][orders]["columns"]
    columns["OrderDate"] = {**columns.pop("order_date"), "name": "OrderDate"}
    catalog = json.loads((build / "catalog.json").read_text())
    table = catalog["nodes"][orders]["columns"]
    table["Amount USD"] = {**table["amount"], "name": "Amount USD"}
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "catalog.json").write_text(json.dumps(catalog))
    project = Project.from_artifacts(load_artifacts(target))
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {naming.column_pattern: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "naming.column_pattern")
    assert sorted((f.unique_id, f.column_name) for f in findings) == [
        (orders, "Amount USD"),
        (orders, "OrderDate"),
    ]
    # Loader columns (`_loaded_at`, `_fivetran_synced`) pass the default pattern.
    default = load_rules()["naming.column_pattern"].params["pattern"].default
    assert re.fullmatch(default, "_loaded_at")
    assert not re.fullmatch(default, "Amount")


def test_a_model_reading_more_parents_than_allowed(tmp_path):
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {modeling.max_parents: {severity: warn, max: 2}}
        """,
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.max_parents"
    )
    assert short_ids(findings) == ["customers.v1", "customers.v2", "customers.v3"]
    assert findings[0].message == (
        "customers v1 reads 3 parents (stg_customers, stg_orders, stg_payments); at most 2"
    )


def test_a_model_reading_a_later_layer_or_its_own_staging_layer(tmp_path):
    stg_orders, stg_payments = f"model.{PKG}.stg_orders", f"model.{PKG}.stg_payments"
    orders = f"model.{PKG}.orders"

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        nodes[stg_orders]["depends_on"]["nodes"].append(orders)  # staging reads a mart
        nodes[stg_payments]["depends_on"]["nodes"].append(stg_orders)  # staging reads staging
        # An intermediate model (by its folder) reading staging: the expected direction.
        nodes[f"model.{PKG}.int_model_1"]["depends_on"]["nodes"].append(stg_orders)

    project = edited_bouncer(tmp_path, edit)
    findings = by_code(
        gate(project, write_config(tmp_path, ALL_RULES)).findings, "modeling.layer_order"
    )
    assert [(f.unique_id, f.message, f.key) for f in findings] == [
        (stg_orders, "stg_orders (staging) reads orders (marts), a later layer", orders),
        (
            stg_payments,
            "stg_payments (staging) reads stg_orders, another staging model",
            stg_orders,
        ),
    ]
    # With staging models allowed to read each other, only the mart read by staging is left.
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules:
              modeling.layer_order: {severity: warn, same_layer: []}
        """,
        name="lenient.yml",
    )
    assert short_ids(by_code(gate(project, config).findings, "modeling.layer_order")) == [
        "stg_orders"
    ]


def test_a_package_staging_its_sources_in_two_steps_reads_its_own_layer(tmp_path):
    """tiktok_ads stages each source twice (stg_x reads stg_x_tmp, both under staging/): the
    staging-on-staging pattern dbt-project-evaluator reports too."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "package:tiktok_ads"
            rules: {modeling.layer_order: warn}
        """,
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.layer_order"
    )
    assert len(findings) == 9
    assert all(f.message.endswith("_tmp, another staging model") for f in findings)
    # The report models sit in models/ itself with no layer prefix: in no layer, not checked.
    assert all(f.unique_id.startswith("model.tiktok_ads.stg_") for f in findings)


def test_same_layer_must_name_layers():
    rule = load_rules()["modeling.layer_order"]
    with pytest.raises(ParamError, match=r"same_layer names stging, which `layers` does not"):
        rule.resolve_params({"same_layer": ["stging"]})
    assert rule.resolve_params({"layers": {"base": ["base_"]}, "same_layer": ["base"]})
