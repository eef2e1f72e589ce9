"""Governance, naming and source rules on real builds."""

from __future__ import annotations

import pytest
from policy_support import (
    by_code,
    corpus_project,
    edited_bouncer,
    gate,
    short_ids,
    write_config,
)

from dbtgate.artifacts import load_artifacts
from dbtgate.project import Project

PKG = "dbt_bouncer_test_project"


def test_contract_enforced_skips_ephemeral_models(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {governance.contract_enforced: error}
        """,
    )
    flagged = {
        f.unique_id.split(".", 2)[2]
        for f in by_code(gate(project, config).findings, "governance.contract_enforced")
    }
    # Contracted: orders and customers v1-v3. Ephemeral (cannot be contracted):
    # int_disabled_model, int_model_1, stg_raw_orders_for_snapshot.
    assert flagged == {
        "py_order_stats",
        "stg_orders",
        "stg_customers",
        "stg_payments",
        "metricflow_time_spine",
        "int_exclude_via_meta_config",
        "int_incremental",
    }


def test_public_models_must_be_versioned(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "access:public"
            rules: {governance.public_versioned: warn}
        """,
    )
    [finding] = by_code(gate(project, config).findings, "governance.public_versioned")
    assert finding.unique_id == f"model.{PKG}.orders"
    assert finding.message == "orders is public but not versioned"


def test_layer_prefixes_follow_the_configured_folders(tmp_path):
    project = corpus_project("bouncer-dbt112")
    default = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {naming.layer_prefix: warn}
        """,
    )
    findings = by_code(gate(project, default).findings, "naming.layer_prefix")
    assert short_ids(findings) == [
        "customers.v1",
        "customers.v2",
        "customers.v3",
        "orders",
    ]
    assert findings[0].message == (
        "customers is in marts/ but its name does not start with fct_ or dim_"
    )
    custom = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules:
              naming.layer_prefix:
                layers: {finance: [""], crm: ["crm_"]}
        """,
        name="custom.yml",
    )
    # The innermost layer folder decides: models/marts/finance/ is "finance" (any name).
    renamed = by_code(gate(project, custom).findings, "naming.layer_prefix")
    assert short_ids(renamed) == [
        "stg_customers",
        "stg_orders",
        "stg_raw_orders_for_snapshot",
    ]


@pytest.mark.slow
def test_sources_without_freshness_are_found_on_their_yaml_lines(shop_builds, tmp_path):
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "source:shop_raw"
            rules: {sources.freshness_configured: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "sources.freshness_configured")
    assert [(f.unique_id, f.path, f.line) for f in findings] == [
        ("source.shop.shop_raw.raw_customers", "models/staging/_sources.yml", 22),
        ("source.shop.shop_raw.raw_order_items", "models/staging/_sources.yml", 26),
        ("source.shop.shop_raw.raw_products", "models/staging/_sources.yml", 24),
    ]
    assert findings[0].message == "source shop_raw.raw_customers has no freshness threshold"


def test_freshness_with_warn_after_only_fails_only_when_error_after_is_required(tmp_path):
    source_1 = f"source.{PKG}.sources_that_dont_really_exist.source_1"
    source_2 = f"source.{PKG}.sources_that_dont_really_exist.source_2"

    def edit(data: dict) -> None:
        # dbt >= 1.10 writes freshness both at the top level and under config.
        for where in (data["sources"][source_1], data["sources"][source_1]["config"]):
            where["freshness"]["error_after"] = {"count": None, "period": None}
        for where in (data["sources"][source_2], data["sources"][source_2]["config"]):
            where["freshness"] = None

    project = edited_bouncer(tmp_path, edit)
    text = """\
        version: 1
        policies:
          - select: "resource_type:source"
            rules: {{sources.freshness_configured: {{severity: error, require_error_after: {flag}}}}}
        """
    lenient = gate(project, write_config(tmp_path, text.format(flag="false"))).findings
    assert [f.unique_id for f in by_code(lenient, "sources.freshness_configured")] == [source_2]
    strict = by_code(
        gate(project, write_config(tmp_path, text.format(flag="true"))).findings,
        "sources.freshness_configured",
    )
    assert [(f.unique_id, f.message) for f in strict] == [
        (
            source_1,
            "source sources_that_dont_really_exist.source_1 has warn_after but no error_after "
            "freshness threshold",
        ),
        (source_2, "source sources_that_dont_really_exist.source_2 has no freshness threshold"),
    ]


def test_a_public_model_passes_once_versioned_and_a_contract_once_enforced(tmp_path):
    orders = f"model.{PKG}.orders"
    stg_orders = f"model.{PKG}.stg_orders"

    def edit(data: dict) -> None:
        data["nodes"][orders]["version"] = 1
        data["nodes"][orders]["latest_version"] = 1
        data["nodes"][stg_orders]["contract"] = {"enforced": True, "alias_types": True}
        data["nodes"][stg_orders]["config"]["contract"] = {"enforced": True, "alias_types": True}

    project = edited_bouncer(tmp_path, edit)
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "orders stg_orders"
            rules:
              governance.public_versioned: error
              governance.contract_enforced: error
        """,
    )
    findings = gate(project, config).findings
    assert by_code(findings, "governance.public_versioned") == []
    # orders is contracted in the build; stg_orders now is too.
    assert by_code(findings, "governance.contract_enforced") == []


def test_naming_ignores_models_outside_the_layer_folders(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules:
              naming.layer_prefix: {layers: {staging: ["stg_"]}}
        """,
    )
    # Every staging model is stg_-prefixed; marts, intermediate and utilities are not checked.
    assert by_code(gate(project, config).findings, "naming.layer_prefix") == []


def test_required_meta_keys_and_allowed_materializations(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model resource_type:seed"
            rules:
              governance.required_meta: {keys: [maturity]}
          - select: "path:models/staging"
            rules:
              governance.materialization: {allowed: [view, ephemeral]}
          - select: "path:models/marts"
            rules:
              governance.materialization: {allowed: [incremental]}
        """,
    )
    findings = gate(project, config).findings
    # The seeds carry only an owner; one model keeps only dbt-bouncer's own settings in meta.
    meta = by_code(findings, "governance.required_meta")
    assert short_ids(meta) == [
        "int_exclude_via_meta_config",
        "raw_customers",
        "raw_orders",
        "raw_payments",
    ]
    assert meta[0].message == "int_exclude_via_meta_config has no meta maturity"
    # Staging: views and ephemerals, as allowed. Marts: tables, not the incremental asked for.
    materialized = by_code(findings, "governance.materialization")
    assert short_ids(materialized) == [
        "customers.v1",
        "customers.v2",
        "customers.v3",
        "orders",
    ]
    assert materialized[0].message == "customers v1 is materialized as table, not incremental"


def test_required_meta_reads_nested_keys_and_refuses_blank_values(tmp_path):
    def edit(manifest: dict) -> None:
        for name, meta in (
            ("orders", {"governance": {"domain": "sales"}}),
            ("stg_orders", {"governance": {"domain": "  "}}),
            ("stg_payments", {"governance": "sales"}),
        ):
            node = manifest["nodes"][f"model.{PKG}.{name}"]
            node["meta"] = node["config"]["meta"] = meta

    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "orders stg_orders stg_payments"
            rules:
              governance.required_meta: {keys: [governance.domain]}
        """,
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.required_meta"
    )
    assert short_ids(findings) == ["stg_orders", "stg_payments"]


def test_names_follow_the_naming_pattern(tmp_path):
    project = corpus_project("bouncer-dbt112")
    default = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {naming.pattern: warn}
        """,
    )
    # Every model, seed and snapshot of the build is lower-case snake_case.
    assert by_code(gate(project, default).findings, "naming.pattern") == []
    strict = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {naming.pattern: {severity: error, pattern: "(stg|int|fct|dim)_[a-z0-9_]+"}}
        """,
        name="strict.yml",
    )
    findings = by_code(gate(project, strict).findings, "naming.pattern")
    assert short_ids(findings) == [
        "customers.v1",
        "customers.v2",
        "customers.v3",
        "metricflow_time_spine",
        "orders",
        "py_order_stats",
    ]
    assert findings[0].message == (
        "customers does not match the naming pattern (stg|int|fct|dim)_[a-z0-9_]+"
    )
