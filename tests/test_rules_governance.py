"""Governance, naming and source rules on real builds."""

from __future__ import annotations

import pytest
from policy_support import by_code, corpus_project, gate, write_config

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
    assert sorted(f.unique_id.split(".", 2)[2] for f in findings) == [
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
    assert sorted(f.unique_id.split(".", 2)[2] for f in renamed) == [
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
