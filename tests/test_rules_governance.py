"""Governance, naming and source rules on real builds."""

from __future__ import annotations

import copy
import json
import re

import pytest
from corpus import CORPUS, corpus_dir
from policy_support import (
    by_code,
    corpus_manifest_project,
    corpus_project,
    edited_bouncer,
    gate,
    rule_config,
    short_ids,
    write_config,
)

from dbtgate.artifacts import load_artifacts
from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding, fingerprint
from dbtgate.project import Project

PKG = "dbt_bouncer_test_project"


def test_contract_enforced_skips_models_dbt_cannot_contract(tmp_path):
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
    # Contracted: orders and customers v1-v3. Cannot be contracted: the ephemeral
    # int_disabled_model, int_model_1, stg_raw_orders_for_snapshot and the Python py_order_stats
    # (dbt contracts SQL models only; dbt-bouncer skips them too).
    assert flagged == {
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
        ("source.shop.shop_raw.raw_customers", "models/staging/_sources.yml", 25),
        ("source.shop.shop_raw.raw_order_items", "models/staging/_sources.yml", 29),
        ("source.shop.shop_raw.raw_products", "models/staging/_sources.yml", 27),
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


def test_required_meta_judges_the_macros_a_policy_selects(tmp_path):
    """dbt-checkpoint's check-macro-has-meta-keys: the bouncer project's macros carry an owner
    (from dbt_project.yml); one is edited to carry none. dbt_utils' macros are not selected."""

    def edit(manifest: dict) -> None:
        macro = manifest["macros"][f"macro.{PKG}.cents_to_dollars"]
        macro["meta"] = macro["config"]["meta"] = {}

    config = rule_config(tmp_path, "governance.required_meta", "{keys: [owner]}", select="*")
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.required_meta"
    )
    macros = [f for f in findings if f.unique_id.startswith("macro.")]
    assert [(f.unique_id, f.message) for f in macros] == [
        (f"macro.{PKG}.cents_to_dollars", "cents_to_dollars has no meta owner")
    ]


def test_required_column_meta_judges_each_declared_column(tmp_path):
    """dbt-bouncer's check_model_columns_have_meta_keys: the bouncer project's marts (orders,
    customers v1-v3) give every column `maturity: gold`; the other models' columns have none."""
    project = corpus_project("bouncer-dbt112")
    config = rule_config(
        tmp_path, "governance.required_column_meta", "{keys: [maturity]}", "resource_type:model"
    )
    findings = by_code(gate(project, config).findings, "governance.required_column_meta")
    assert sorted((f.unique_id.split(".", 2)[2], f.column_name) for f in findings) == [
        ("int_exclude_via_meta_config", "id"),
        ("int_incremental", "id"),
        ("int_model_1", "id"),
        ("metricflow_time_spine", "date_day"),
        ("py_order_stats", "customer_id"),
        ("py_order_stats", "order_date"),
        ("py_order_stats", "order_id"),
        ("py_order_stats", "status"),
        ("stg_customers", "customer_id"),
        ("stg_orders", "order_id"),
        ("stg_orders", "status"),
        ("stg_payments", "payment_id"),
        ("stg_payments", "payment_method"),
        ("stg_raw_orders_for_snapshot", "id"),
    ]
    (status,) = [f for f in findings if f.column_name == "status" and "stg_orders" in f.unique_id]
    assert status.message == "column status of stg_orders has no meta maturity"
    assert status.details["missing"] == ["maturity"]


def test_required_column_meta_reads_nested_keys_criteria_and_source_columns(tmp_path):
    def edit(manifest: dict) -> None:
        columns = manifest["nodes"][f"model.{PKG}.stg_orders"]["columns"]
        columns["order_id"]["meta"] = {"pii": {"level": "none"}, "owner": "@crm"}
        columns["order_id"]["config"]["meta"] = {}
        columns["status"]["config"]["meta"] = {"pii": {"level": " "}}
        source = manifest["sources"][f"source.{PKG}.dummy_source.customers"]
        source["columns"]["id"]["config"] = {"meta": {"pii": {"level": "none"}}}

    project = edited_bouncer(tmp_path, edit)
    nested = rule_config(
        tmp_path,
        "governance.required_column_meta",
        "{keys: [pii.level]}",
        "stg_orders source:dummy_source.customers",
    )
    findings = by_code(gate(project, nested).findings, "governance.required_column_meta")
    # A blank value is no value; meta set beside the column's name (dbt < 1.10) counts.
    assert sorted((f.unique_id.split(".", 2)[2], f.column_name) for f in findings) == [
        ("dummy_source.customers", "first_name"),
        ("dummy_source.customers", "last_name"),
        ("stg_orders", "status"),
    ]
    # check_source_pii_meta: only the columns whose name matches `columns` (as a whole).
    named = rule_config(
        tmp_path,
        "governance.required_column_meta",
        "{keys: [pii.level], columns: '(?i)FIRST_.*|id'}",
        "source:dummy_source.customers",
    )
    findings = by_code(gate(project, named).findings, "governance.required_column_meta")
    assert [f.column_name for f in findings] == ["first_name"]
    one = rule_config(
        tmp_path,
        "governance.required_column_meta",
        "{keys: [pii, owner], criteria: one}",
        "stg_orders",
    )
    (finding,) = by_code(gate(project, one).findings, "governance.required_column_meta")
    assert finding.message == (
        "column order_id of stg_orders has 2 of the meta pii, owner (pii, owner); "
        "exactly one is allowed"
    )


def test_required_column_meta_needs_keys(tmp_path):
    config = rule_config(tmp_path, "governance.required_column_meta", "warn")
    with pytest.raises(DbtgateError, match=re.escape("dbtgate.yml:5: ")) as error:
        gate(corpus_project("bouncer-dbt112"), config)
    assert str(error.value).endswith(
        "keys: required: give at least one (an empty list would check nothing)"
    )


@pytest.mark.slow
def test_required_column_meta_points_at_each_columns_yaml_line(shop_builds, tmp_path):
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = rule_config(
        tmp_path, "governance.required_column_meta", "{keys: [contains_pii]}", "dim_products"
    )
    findings = by_code(gate(project, config).findings, "governance.required_column_meta")
    marts = "models/marts/_marts.yml"
    assert sorted((f.line, f.column_name, f.path) for f in findings) == [
        (87, "product_id", marts),
        (92, "product_name", marts),
        (94, "category", marts),
        (96, "price", marts),
        (98, "units_sold", marts),
    ]


def test_required_labels_reads_the_labels_config(tmp_path):
    """dbt-checkpoint's check-model-has-labels-keys: of the bouncer project's staging models,
    only stg_customers sets labels (`team: finance`); stg_payments gets a blank one."""

    def edit(manifest: dict) -> None:
        manifest["nodes"][f"model.{PKG}.stg_payments"]["config"]["labels"] = {"team": " "}

    project = edited_bouncer(tmp_path, edit)
    config = rule_config(
        tmp_path, "governance.required_labels", "{keys: [team]}", select="path:models/staging"
    )
    findings = by_code(gate(project, config).findings, "governance.required_labels")
    assert [(f.unique_id.split(".", 2)[2], f.message) for f in findings] == [
        ("stg_orders", "stg_orders has no label team"),
        ("stg_payments", "stg_payments has no label team"),
        ("stg_raw_orders_for_snapshot", "stg_raw_orders_for_snapshot has no label team"),
    ]
    config = rule_config(
        tmp_path,
        "governance.required_labels",
        "{keys: [team, cost_center], criteria: any}",
        select="stg_customers",
    )
    assert by_code(gate(project, config).findings, "governance.required_labels") == []


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


def _renamed_macro(old: str, new: str):
    """An edit of the bouncer manifest: the root project's macro `old` is named `new`."""

    def edit(manifest: dict) -> None:
        manifest["macros"][f"macro.{PKG}.{old}"]["name"] = new

    return edit


def test_schema_pattern_judges_the_schema_dbt_resolved(tmp_path):
    """dbt-bouncer's check_model_schema_name: the bouncer project builds staging models in
    main_stg_<source>, marts in main_marts, seeds in main and snapshots in a developer's
    schema (main_dbt_pslattery)."""
    project = corpus_project("bouncer-dbt112")
    staging = rule_config(
        tmp_path, "naming.schema_pattern", "{pattern: 'main_stg_.*'}", "path:models/staging"
    )
    # stg_raw_orders_for_snapshot is ephemeral: dbt builds it in no schema, and it passes.
    assert by_code(gate(project, staging).findings, "naming.schema_pattern") == []
    one_word = rule_config(
        tmp_path,
        "naming.schema_pattern",
        "{pattern: 'main_[a-z]+'}",
        "resource_type:model resource_type:seed resource_type:snapshot",
    )
    findings = by_code(gate(project, one_word).findings, "naming.schema_pattern")
    assert short_ids(findings) == [
        "metricflow_time_spine",
        "py_order_stats",
        "raw_customers",
        "raw_orders",
        "raw_payments",
        "snapshot_orders",
        "snapshot_orders_multiple_unique_keys",
        "stg_customers",
        "stg_orders",
        "stg_payments",
    ]
    (stg_orders,) = [f for f in findings if f.unique_id.endswith(".stg_orders")]
    assert stg_orders.message == (
        "stg_orders is built in schema main_stg_crm, which does not match the pattern main_[a-z]+"
    )
    assert (stg_orders.details["schema"], stg_orders.details["pattern"]) == (
        "main_stg_crm",
        "main_[a-z]+",
    )


def test_schema_pattern_is_a_config_error_at_its_line_unless_a_regex(tmp_path):
    bad = rule_config(tmp_path, "naming.schema_pattern", "{pattern: 'main_(stg'}")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*pattern: not a regular expression"):
        gate(corpus_project("bouncer-dbt112"), bad)
    unset = rule_config(tmp_path, "naming.schema_pattern", "error")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*pattern: required"):
        gate(corpus_project("bouncer-dbt112"), unset)


@pytest.mark.slow
def test_schema_pattern_points_at_the_models_yaml_line(shop_builds, tmp_path):
    """The fixture builds every model in DuckDB's main schema."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    everything = rule_config(tmp_path, "naming.schema_pattern", "{pattern: main}")
    assert by_code(gate(project, everything).findings, "naming.schema_pattern") == []
    marts = rule_config(tmp_path, "naming.schema_pattern", "{pattern: 'main_marts'}", "fct_orders")
    (finding,) = by_code(gate(project, marts).findings, "naming.schema_pattern")
    assert (finding.path, finding.line) == ("models/marts/_marts.yml", 50)


def _aliased(manifest: dict) -> None:
    """Aliases on two models and on the ephemeral one, as `config: {alias: ...}` records them."""
    for name, alias in (
        ("stg_orders", "StgOrders"),
        ("orders", "fct_orders"),
        ("stg_raw_orders_for_snapshot", "RawOrders"),
    ):
        node = manifest["nodes"][f"model.{PKG}.{name}"]
        node["alias"] = node["config"]["alias"] = alias


def test_alias_pattern_judges_the_aliases_models_set(tmp_path):
    """dbt-bouncer's check_model_alias: the bouncer project sets no alias (customers v1-v3 are
    built as dbt names versions, customers_v1 ...), so every model passes; with aliases
    planted, the one that does not match is reported, and the ephemeral model (no relation)
    is not."""
    config = rule_config(tmp_path, "naming.alias_pattern", "{pattern: '(fct|dim|stg)_[a-z_]+'}")
    project = corpus_project("bouncer-dbt112")
    assert by_code(gate(project, config).findings, "naming.alias_pattern") == []
    findings = by_code(
        gate(edited_bouncer(tmp_path, _aliased), config).findings, "naming.alias_pattern"
    )
    assert short_ids(findings) == ["stg_orders"]
    assert findings[0].message == (
        "stg_orders has the alias StgOrders, which does not match the pattern (fct|dim|stg)_[a-z_]+"
    )
    assert (findings[0].details["alias"], findings[0].details["pattern"]) == (
        "StgOrders",
        "(fct|dim|stg)_[a-z_]+",
    )


def test_alias_pattern_is_a_config_error_at_its_line_unless_a_regex(tmp_path):
    bad = rule_config(tmp_path, "naming.alias_pattern", "{pattern: 'fct_(['}")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*pattern: not a regular expression"):
        gate(corpus_project("bouncer-dbt112"), bad)


@pytest.mark.slow
def test_alias_pattern_on_the_fixture(shop_builds, tmp_path):
    """The fixture sets no alias: orders_summary's versions are built as orders_summary_v1 and
    orders_summary_v2, dbt's default names, which are no alias even for a pattern they miss."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = rule_config(tmp_path, "naming.alias_pattern", "{pattern: 'fct_.*'}")
    assert by_code(gate(project, config).findings, "naming.alias_pattern") == []


def test_macro_names_follow_the_macro_pattern(tmp_path):
    config = rule_config(tmp_path, "naming.macro_pattern")
    # The root project's five macros are snake_case; the packages' are not selected by "*".
    assert (
        by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "naming.macro_pattern")
        == []
    )
    project = edited_bouncer(tmp_path, _renamed_macro("cents_to_dollars", "centsToDollars"))
    [finding] = by_code(gate(project, config).findings, "naming.macro_pattern")
    assert finding.unique_id == f"macro.{PKG}.cents_to_dollars"
    assert (
        finding.message == "macro centsToDollars does not match the naming pattern [a-z_][a-z0-9_]*"
    )


def test_the_macro_pattern_is_a_parameter(tmp_path):
    config = rule_config(tmp_path, "naming.macro_pattern", '{pattern: "(test_)?[a-z]+(_[a-z]+)*"}')
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "naming.macro_pattern"
    )
    assert short_ids(findings) == []
    project = edited_bouncer(tmp_path, _renamed_macro("cents_to_dollars", "_cents_to_dollars"))
    assert short_ids(by_code(gate(project, config).findings, "naming.macro_pattern")) == [
        "cents_to_dollars"
    ]


def _source_tables_not_matching(pattern: str) -> list[str]:
    """The truth, with plain json: the root project's source tables (`source.table`) whose
    table name does not match `pattern` as a whole."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    return sorted(
        f"{source['source_name']}.{source['name']}"
        for source in manifest["sources"].values()
        if source["package_name"] == PKG and not re.fullmatch(pattern, source["name"])
    )


def test_source_table_names_follow_the_source_pattern(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "naming.source_pattern")
    [finding] = by_code(gate(project, config).findings, "naming.source_pattern")
    assert _source_tables_not_matching("[a-z][a-z0-9_]*") == [
        "sources_that_dont_really_exist.Non_Conforming_Name"
    ]
    assert finding.unique_id == f"source.{PKG}.sources_that_dont_really_exist.Non_Conforming_Name"
    assert finding.message == (
        "source sources_that_dont_really_exist.Non_Conforming_Name does not match the naming "
        "pattern [a-z][a-z0-9_]*"
    )


def test_the_source_pattern_judges_the_table_name_not_the_source_name(tmp_path):
    # dbt-bouncer's check_source_names with `source_name_pattern: ^raw_` on this build fails
    # the same tables (it skips Non_Conforming_Name, whose meta lists the check in skip_checks).
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "naming.source_pattern", '{pattern: "raw_.*"}')
    findings = by_code(gate(project, config).findings, "naming.source_pattern")
    assert short_ids(findings) == _source_tables_not_matching("raw_.*")
    assert len(findings) == 4
    # Every table's source is named `dummy_source` or `sources_that_dont_really_exist`:
    # a pattern only they match, no table name does, fails every table.
    config = rule_config(tmp_path, "naming.source_pattern", '{pattern: "[a-z_]+_source|.*exist"}')
    assert len(by_code(gate(project, config).findings, "naming.source_pattern")) == 4


# -- sources.duplicate -------------------------------------------------------------------------


def _relations(manifest: dict) -> dict[tuple, list[str]]:
    """The truth, with plain json: each relation (lower case, no database as None) -> the
    sources that point at it."""
    found: dict[tuple, list[str]] = {}
    for uid, source in sorted(manifest["sources"].items()):
        relation = (
            source["database"].lower() if source.get("database") else None,
            source["schema"].lower(),
            (source.get("identifier") or source["name"]).lower(),
        )
        found.setdefault(relation, []).append(uid)
    return found


@pytest.mark.parametrize("build", ["bouncer-dbt112", "bouncer-dbt20", "recce-pair/pr2"])
def test_duplicate_sources_on_real_builds(build, tmp_path):
    project = corpus_project(build)
    manifest = json.loads((CORPUS / build / "manifest.json").read_text())
    relations = _relations(manifest)
    # Every source of these builds is its own table (bouncer: 4 of its own, 9 of tiktok_ads).
    assert all(len(uids) == 1 for uids in relations.values())
    assert len(relations) == len(manifest["sources"]) > 0
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:source"
            rules: {sources.duplicate: warn}
          - select: "package:tiktok_ads"
            rules: {sources.duplicate: warn}
        """,
    )
    assert by_code(gate(project, config).findings, "sources.duplicate") == []
    assert project.duplicate_sources() == {}


def _planted_source(manifest: dict, like: str, **fields: str | None) -> None:
    """A copy of source `like` with `fields` changed, under its new source_name.name."""
    source = copy.deepcopy(manifest["sources"][like])
    source.update(fields)
    package = source["package_name"]
    source["unique_id"] = f"source.{package}.{source['source_name']}.{source['name']}"
    source["fqn"] = [package, source["source_name"], source["name"]]
    manifest["sources"][source["unique_id"]] = source


def test_duplicate_sources_are_found_across_spellings_and_packages(tmp_path):
    customers = f"source.{PKG}.dummy_source.customers"
    source_1 = f"source.{PKG}.sources_that_dont_really_exist.source_1"
    source_2 = f"source.{PKG}.sources_that_dont_really_exist.source_2"
    advertiser = "source.tiktok_ads.tiktok_ads.advertiser"

    def edit(manifest: dict) -> None:
        # dbt.main.customers again, spelt in upper case, with the table renamed.
        _planted_source(
            manifest,
            customers,
            source_name="crm_raw",
            name="crm_customers",
            database="DBT",
            schema="MAIN",
            identifier="Customers",
        )
        # tiktok_ads declares dbt.tiktok_ads.advertiser; the project declares it again.
        _planted_source(
            manifest,
            customers,
            source_name="ads",
            name="advertiser",
            schema="tiktok_ads",
            identifier=None,
        )
        # source_1's schema and identifier twice, with no database: the same relation as
        # each other, not as source_1.
        _planted_source(manifest, source_1, source_name="lake", database=None)
        _planted_source(manifest, source_1, source_name="lake_copy", database=None)
        # source_2's identifier in another schema: not the same relation either.
        _planted_source(manifest, source_2, source_name="archive", schema="archive")

    project = edited_bouncer(tmp_path, edit)
    config = rule_config(tmp_path, "sources.duplicate", select="resource_type:source")
    findings = sorted(
        by_code(gate(project, config).findings, "sources.duplicate"), key=lambda f: f.unique_id
    )
    crm_customers = f"source.{PKG}.crm_raw.crm_customers"
    ads_advertiser = f"source.{PKG}.ads.advertiser"
    lake = f"source.{PKG}.lake.source_1"
    lake_copy = f"source.{PKG}.lake_copy.source_1"
    # Only the project's sources are gated: tiktok_ads's advertiser is named, not flagged.
    assert [(f.unique_id, f.message, f.details["sources"]) for f in findings] == [
        (
            ads_advertiser,
            "source ads.advertiser points at the same table as source tiktok_ads.advertiser "
            "(package tiktok_ads) (dbt.tiktok_ads.advertiser)",
            [advertiser],
        ),
        (
            crm_customers,
            "source crm_raw.crm_customers points at the same table as source "
            "dummy_source.customers (DBT.MAIN.Customers)",
            [customers],
        ),
        (
            customers,
            "source dummy_source.customers points at the same table as source "
            "crm_raw.crm_customers (dbt.main.customers)",
            [crm_customers],
        ),
        (
            lake,
            "source lake.source_1 points at the same table as source lake_copy.source_1 "
            "(sources_that_dont_really_exist.source_1)",
            [lake_copy],
        ),
        (
            lake_copy,
            "source lake_copy.source_1 points at the same table as source lake.source_1 "
            "(sources_that_dont_really_exist.source_1)",
            [lake],
        ),
    ]
    assert findings[0].details["relation"] == "dbt.tiktok_ads.advertiser"
    assert findings[0].severity == "warn"
    # The planted look-alikes, and the sources they look like, pass.
    passing = {source_1, source_2, f"source.{PKG}.archive.source_2"}
    assert passing.isdisjoint(f.unique_id for f in findings)


# -- governance.allowed_tags --------------------------------------------------------------------

_GATED_TYPES = ("model", "seed", "snapshot", "source", "exposure")


def _tags(resource: dict) -> set[str]:
    """A resource's tags with plain json: top level and config (dbt 1.10+ writes both)."""
    found: set[str] = set()
    for value in (resource.get("tags"), (resource.get("config") or {}).get("tags")):
        found.update([value] if isinstance(value, str) else value or [])
    return found


def test_allowed_tags_on_a_real_build(tmp_path):
    project = corpus_project("bouncer-dbt112")
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    allowed = {"crm", "payment"}
    expected = {
        uid: sorted(_tags(resource) - allowed)
        for collection in ("nodes", "sources", "exposures")
        for uid, resource in manifest[collection].items()
        if resource["resource_type"] in _GATED_TYPES
        and resource["package_name"] == PKG
        and _tags(resource) - allowed
    }
    # The crm models and the payment snapshots pass; three sources carry `example_tag`.
    assert expected == {
        f"source.{PKG}.dummy_source.customers": ["example_tag"],
        f"source.{PKG}.sources_that_dont_really_exist.source_1": ["example_tag"],
        f"source.{PKG}.sources_that_dont_really_exist.source_2": ["example_tag"],
    }
    config = rule_config(tmp_path, "governance.allowed_tags", '{tags: [CRM, "pay*"]}')
    findings = by_code(gate(project, config).findings, "governance.allowed_tags")
    assert {f.unique_id: f.details["not_allowed"] for f in findings} == expected
    [customers] = [f for f in findings if f.unique_id.endswith("dummy_source.customers")]
    assert customers.message == (
        "source dummy_source.customers has tags that are not allowed: example_tag "
        "(allowed: CRM, pay*)"
    )
    assert customers.details["allowed"] == ["CRM", "pay*"]


def test_allowed_tags_match_globs_case_insensitively(tmp_path):
    def edit(manifest: dict) -> None:
        for collection, uid, tags in (
            ("nodes", f"model.{PKG}.stg_orders", ["crm", "Tier-1"]),
            ("nodes", f"model.{PKG}.stg_customers", ["crm", "tmp", "tier1", "legacy"]),
            ("sources", f"source.{PKG}.dummy_source.customers", ["PII"]),
            ("exposures", f"exposure.{PKG}.customers", ["adhoc"]),
        ):
            resource = manifest[collection][uid]
            resource["tags"] = resource["config"]["tags"] = tags

    config = rule_config(
        tmp_path,
        "governance.allowed_tags",
        '{severity: error, tags: ["tier-*", crm, pii]}',
        select="stg_orders stg_customers stg_payments source:dummy_source exposure:customers",
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.allowed_tags"
    )
    # stg_orders (Tier-1 is tier-*), the source (PII is pii) and stg_payments (no tags) pass.
    assert sorted((f.unique_id, f.message, f.severity) for f in findings) == [
        (
            f"exposure.{PKG}.customers",
            "customers has tags that are not allowed: adhoc (allowed: tier-*, crm, pii)",
            "error",
        ),
        (
            f"model.{PKG}.stg_customers",
            "stg_customers has tags that are not allowed: tmp, tier1, legacy "
            "(allowed: tier-*, crm, pii)",
            "error",
        ),
    ]


@pytest.mark.parametrize(
    ("setting", "line", "problem"),
    [
        ("{tags: []}", 5, "tags: give at least one (an empty list would check nothing)"),
        ("\n  severity: error\n  tags: []", 7, "tags: give at least one"),
        ("warn", 5, "tags: required: give at least one"),
        ("{tags: tier-1}", 5, "tags: expected list[str] (at least one), got 'tier-1'"),
    ],
)
def test_allowed_tags_needs_a_list_of_tags(tmp_path, setting, line, problem):
    rules = "governance.allowed_tags: " + setting.replace("\n", "\n      ")
    config = write_config(
        tmp_path,
        'version: 1\npolicies:\n  - select: "tag:no_such_tag"\n    rules:\n      ' + rules + "\n",
    )
    with pytest.raises(DbtgateError) as raised:
        gate(corpus_project("bouncer-dbt112"), config)
    assert str(raised.value).startswith(
        f"{config}:{line}: policies[0].rules.governance.allowed_tags: {problem}"
    )


def test_required_tags_on_a_real_build(tmp_path):
    """Every gated resource of the root project that lacks `crm` (case-insensitive), read with
    plain json: the crm models pass, the rest are reported with what they lack."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    expected = {
        uid
        for collection in ("nodes", "sources", "exposures")
        for uid, resource in manifest[collection].items()
        if resource["resource_type"] in _GATED_TYPES
        and resource["package_name"] == PKG
        and "crm" not in {tag.lower() for tag in _tags(resource)}
    }
    tagged = {
        uid
        for collection in ("nodes", "sources", "exposures")
        for uid, resource in manifest[collection].items()
        if resource["package_name"] == PKG and "crm" in _tags(resource)
    }
    assert expected and tagged  # both kinds are there, or the test checks nothing
    config = rule_config(tmp_path, "governance.required_tags", "{tags: [CRM]}")
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "governance.required_tags"
    )
    assert {f.unique_id for f in findings} == expected
    assert not {f.unique_id for f in findings} & tagged
    [finding] = [f for f in findings if f.unique_id == f"model.{PKG}.stg_payments"]
    assert finding.message == "stg_payments lacks the tags CRM"
    assert finding.details == {
        "missing": ["CRM"],
        "required": ["CRM"],
        "criteria": "all",
        "policy": "*",
    }


def test_access_on_a_real_build(tmp_path):
    """With plain json: the root project's models whose access (unset: protected) is not
    `protected` are the public finance marts."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    expected = {
        uid: node.get("access") or "protected"
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == PKG
        and (node.get("access") or "protected") != "protected"
    }
    assert set(expected.values()) == {"public"}
    config = rule_config(tmp_path, "governance.access", "{allowed: [private, protected]}")
    findings = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "governance.access")
    assert {f.unique_id: f.details["access"] for f in findings} == expected
    [orders] = [f for f in findings if f.unique_id == f"model.{PKG}.orders"]
    assert orders.message == "orders has access public, not private or protected"


def test_incremental_models_need_a_unique_key_unless_they_only_append(tmp_path):
    incremental = f"model.{PKG}.int_incremental"

    def edit(data):
        data["nodes"][incremental]["config"]["unique_key"] = None
        for name, strategy in (("stg_orders", None), ("stg_payments", "append")):
            config = data["nodes"][f"model.{PKG}.{name}"]["config"]
            config.update(materialized="incremental", incremental_strategy=strategy)

    config = rule_config(tmp_path / "config", "governance.incremental_unique_key")
    # The corpus's incremental model has its key: nothing to say.
    assert gate(corpus_project("bouncer-dbt112"), config).findings == []
    findings = gate(edited_bouncer(tmp_path, edit), config).findings
    # int_incremental (delete+insert without its key) and stg_orders (default strategy);
    # stg_payments appends, which needs no key.
    assert [f.message for f in by_code(findings, "governance.incremental_unique_key")] == [
        "incremental model int_incremental has no unique_key",
        "incremental model stg_orders has no unique_key",
    ]


def test_column_types_flags_each_declared_column_without_a_data_type(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "governance.column_types", select="stg_payments orders")
    findings = by_code(gate(project, config).findings, "governance.column_types")
    # orders declares every type (its contract); stg_payments none of its two columns.
    assert [(short_ids([f])[0], f.column_name) for f in findings] == [
        ("stg_payments", "payment_id"),
        ("stg_payments", "payment_method"),
    ]
    assert findings[0].message == "column payment_id of stg_payments declares no data_type"


def _grant(grants_by_model: dict[str, dict]):
    def edit(manifest: dict) -> None:
        for name, grants in grants_by_model.items():
            manifest["nodes"][f"model.{PKG}.{name}"]["config"]["grants"] = grants

    return edit


def test_required_grants_names_each_missing_grantee_case_insensitively(tmp_path):
    edit = _grant(
        {
            "stg_orders": {"SELECT": ["Reporter", "analyst"]},
            "stg_customers": {"select": ["analyst"], "insert": ["loader"]},
            # dbt resolves a single grantee to a list; a hand-made manifest may hold the text
            "stg_payments": {"select": "reporter"},
        }
    )
    config = rule_config(
        tmp_path,
        "governance.required_grants",
        '{grants: {select: [reporter], insert: [loader], write: ["oper*"]}}',
        select="stg_orders stg_customers stg_payments orders",
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.required_grants"
    )
    assert sorted((f.unique_id.split(".", 2)[2], f.message) for f in findings) == [
        # the build's own grants: select to reporter, write to operations
        ("orders", "orders does not grant insert to loader"),
        (
            "stg_customers",
            "stg_customers does not grant select to reporter; write to oper*",
        ),
        ("stg_orders", "stg_orders does not grant insert to loader; write to oper*"),
        ("stg_payments", "stg_payments does not grant insert to loader; write to oper*"),
    ]
    [customers] = [f for f in findings if f.unique_id.endswith("stg_customers")]
    assert customers.details["grants"] == {"select": ["analyst"], "insert": ["loader"]}


def test_required_grants_on_a_real_build(tmp_path):
    """The bouncer build grants select (to reporter) on orders and customers v1-v3 only: `*`
    asks for the privilege to anyone, as dbt-bouncer's check_model_grant_privilege_required.
    Its ephemeral models (int_disabled_model, int_model_1, stg_raw_orders_for_snapshot) have no
    relation to grant on and are not flagged."""
    config = rule_config(
        tmp_path,
        "governance.required_grants",
        "{grants: {select: [reporter]}}",
        "resource_type:model",
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "governance.required_grants"
    )
    granted = {f"model.{PKG}.orders"} | {f"model.{PKG}.customers.v{v}" for v in (1, 2, 3)}
    ephemeral = {
        f"model.{PKG}.{name}"
        for name in ("int_disabled_model", "int_model_1", "stg_raw_orders_for_snapshot")
    }
    flagged = {f.unique_id for f in findings}
    assert flagged and not flagged & (granted | ephemeral)
    models = corpus_project("bouncer-dbt112").models()
    assert flagged | granted | ephemeral == {m.unique_id for m in models}


def test_allowed_grantees_flags_grants_to_roles_outside_the_list(tmp_path):
    edit = _grant(
        {
            "stg_orders": {"select": ["REPORTER_finance", "jane_doe"], "insert": ["public"]},
            "stg_customers": {"select": ["reporter_crm"]},
            # ephemeral: no relation, dbt applies no grants
            "int_model_1": {"select": ["jane_doe"]},
        }
    )
    config = rule_config(
        tmp_path,
        "governance.allowed_grantees",
        '{severity: error, grantees: ["reporter_*", transformer]}',
        select="stg_orders stg_customers stg_payments int_model_1",
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.allowed_grantees"
    )
    # stg_customers grants to an allowed role, stg_payments grants nothing, int_model_1 is
    # ephemeral: they pass.
    assert [(f.unique_id, f.message, f.severity) for f in findings] == [
        (
            f"model.{PKG}.stg_orders",
            "stg_orders grants select to jane_doe; insert to public, which no allowed grantee "
            "matches (allowed: reporter_*, transformer)",
            "error",
        )
    ]


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("{grants: {}}", "grants: give at least one privilege and its grantees"),
        ("{grants: {select: []}}", "grants: give at least one grantee of select"),
        ("{grants: {select: reporter}}", "grants: expected map of privilege -> grantees"),
        ("warn", "grants: required: give at least one privilege"),
    ],
)
def test_required_grants_needs_privileges_and_grantees(tmp_path, setting, problem):
    config = rule_config(tmp_path, "governance.required_grants", setting)
    with pytest.raises(DbtgateError) as raised:
        gate(corpus_project("bouncer-dbt112"), config)
    assert str(raised.value).startswith(
        f"{config}:5: policies[0].rules.governance.required_grants: {problem}"
    )


def test_allowed_privileges_flags_privileges_outside_the_list(tmp_path):
    edit = _grant(
        {
            "stg_orders": {
                "SELECT": ["reporter"],
                "insert": ["loader"],
                "all privileges": "public",
            },
            # a privilege with no grantee is revoked, not granted; `read*` allows READ_METADATA
            "stg_customers": {"select": ["analyst"], "insert": [], "READ_METADATA": ["bi"]},
            # ephemeral: no relation, dbt applies no grants
            "int_model_1": {"delete": ["loader"]},
        }
    )
    config = rule_config(
        tmp_path,
        "governance.allowed_privileges",
        '{severity: error, privileges: [select, "read*"]}',
        select="stg_orders stg_customers stg_payments int_model_1",
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.allowed_privileges"
    )
    assert [(f.unique_id, f.message, f.severity) for f in findings] == [
        (
            f"model.{PKG}.stg_orders",
            "stg_orders grants insert to loader; all privileges to public, which no allowed "
            "privilege matches (allowed: select, read*)",
            "error",
        )
    ]
    assert findings[0].details["not_allowed"] == {
        "insert": ["loader"],
        "all privileges": ["public"],
    }


def test_allowed_privileges_on_a_real_build(tmp_path):
    """The bouncer build grants select on orders and customers v1-v3, and write on orders:
    `privileges: [select]` is dbt-bouncer's check_model_grant_privilege with `^select`."""
    config = rule_config(
        tmp_path, "governance.allowed_privileges", "{privileges: [select]}", "resource_type:model"
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "governance.allowed_privileges"
    )
    assert [(f.unique_id, f.message) for f in findings] == [
        (
            f"model.{PKG}.orders",
            "orders grants write to operations, which no allowed privilege matches "
            "(allowed: select)",
        )
    ]


def test_grant_count_bounds_the_privileges_granted_on_a_real_build(tmp_path):
    """orders grants select and write, customers v1-v3 select; the rest grant nothing, and the
    ephemeral models (int_disabled_model, int_model_1, stg_raw_orders_for_snapshot) cannot."""
    project = corpus_project("bouncer-dbt112")
    at_most_one = rule_config(tmp_path / "max", "governance.grant_count", "{max: 1}")
    [finding] = by_code(gate(project, at_most_one).findings, "governance.grant_count")
    assert (finding.unique_id, finding.message) == (
        f"model.{PKG}.orders",
        "orders grants 2 privileges (select, write), the policy allows at most 1",
    )
    assert finding.fix.startswith("Grant at most 1 privilege under `config: {grants: ...}`")
    at_least_one = rule_config(
        tmp_path / "min", "governance.grant_count", "{min: 1}", f"package:{PKG},resource_type:model"
    )
    findings = by_code(gate(project, at_least_one).findings, "governance.grant_count")
    assert short_ids(findings) == [
        "int_exclude_via_meta_config",
        "int_incremental",
        "metricflow_time_spine",
        "py_order_stats",
        "stg_customers",
        "stg_orders",
        "stg_payments",
    ]
    [stg_orders] = [f for f in findings if f.unique_id.endswith(".stg_orders")]
    assert stg_orders.message == "stg_orders grants no privileges, the policy asks for at least 1"
    assert stg_orders.fix.startswith("Grant at least 1 privilege under")


def test_grant_count_counts_each_granted_privilege_once(tmp_path):
    edit = _grant(
        {
            # one privilege in two spellings; insert has no grantee, so dbt revokes it
            "stg_orders": {"SELECT": ["reporter"], "select": ["analyst"], "insert": []},
            "stg_customers": {"select": ["reporter"], "insert": ["loader"]},
        }
    )
    config = rule_config(
        tmp_path,
        "governance.grant_count",
        "{min: 1, max: 1}",
        select="stg_orders stg_customers",
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.grant_count"
    )
    assert [f.message for f in findings] == [
        "stg_customers grants 2 privileges (insert, select), the policy allows at most 1"
    ]


@pytest.mark.parametrize(
    ("rule", "setting", "problem"),
    [
        ("governance.allowed_privileges", "warn", "privileges: required: give at least one"),
        ("governance.allowed_privileges", "{privileges: []}", "privileges: give at least one"),
        ("governance.allowed_privileges", "{privileges: select}", "privileges: expected list"),
        ("governance.grant_count", "warn", "set `min` above 0 and/or `max`"),
        ("governance.grant_count", "{min: 2, max: 1}", "min (2) is above max (1)"),
        ("governance.grant_count", "{max: -1}", "max: expected a count of 0 or more, got -1"),
        ("governance.grant_count", "{min: one}", "min: expected count (>= 0), got 'one'"),
        ("governance.grant_count", "{max_number_of_privileges: 1}", "unknown parameter"),
    ],
)
def test_privilege_rules_refuse_bad_options_at_their_line(tmp_path, rule, setting, problem):
    config = rule_config(tmp_path, rule, setting)
    with pytest.raises(DbtgateError) as raised:
        gate(corpus_project("bouncer-dbt112"), config)
    assert str(raised.value).startswith(f"{config}:5: policies[0].rules.{rule}: {problem}")


def test_required_meta_and_tags_check_data_tests_a_policy_selects(tmp_path):
    """The bouncer build's singular test carries meta.owner; its generic tests on customers
    are tagged `critical`, the others are not."""
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:test"
            rules:
              governance.required_meta: {keys: [owner]}
              governance.required_tags: {tags: [critical]}
          - select: "*"
            rules:
              governance.required_tags: {severity: error, tags: [critical]}
        """,
    )
    project = corpus_project("bouncer-dbt112")
    findings = gate(project, config).findings
    tests = {uid for uid, node in project.nodes.items() if node.resource_type == "test"}
    owned = {f"test.{PKG}.test_assert_something"}
    critical = {uid for uid in tests if "critical" in project.nodes[uid].tags}
    assert owned and critical and tests - critical - owned
    meta = by_code(findings, "governance.required_meta")
    assert {f.unique_id for f in meta} == {
        uid for uid in tests if project.nodes[uid].package_name == PKG
    } - owned
    tags = by_code(findings, "governance.required_tags")
    on_tests = {f.unique_id for f in tags if f.unique_id.startswith("test.")}
    assert on_tests == {uid for uid in tests if project.nodes[uid].package_name == PKG} - critical
    # `*` selects no tests: its error-level policy reports models and the like only.
    assert {f.severity for f in tags if f.unique_id.startswith("test.")} == {"warn"}
    [unique] = [f for f in meta if ".unique_customers_v3_customer_id_pk." in f.unique_id]
    assert unique.message == "unique_customers_v3_customer_id_pk has no meta owner"


def test_sources_name_their_loader(tmp_path):
    """The bouncer build's sources all name one (python_script); ticketswap's is empty."""
    config = rule_config(tmp_path, "sources.loader_configured", "error", "resource_type:source")
    assert (
        by_code(
            gate(corpus_project("bouncer-dbt112"), config).findings, "sources.loader_configured"
        )
        == []
    )

    def blank(manifest: dict) -> None:
        manifest["sources"][f"source.{PKG}.dummy_source.customers"]["loader"] = "  "

    findings = gate(edited_bouncer(tmp_path, blank), config).findings
    assert [(f.unique_id, f.message) for f in by_code(findings, "sources.loader_configured")] == [
        (f"source.{PKG}.dummy_source.customers", "source dummy_source.customers has no loader")
    ]
    ticketswap = corpus_project("ticketswap-dbt19")
    findings = by_code(gate(ticketswap, config).findings, "sources.loader_configured")
    assert [f.message for f in findings] == ["source sample_source.sample_source has no loader"]


def test_column_types_judges_seeds_and_counts_their_column_types_config(tmp_path):
    seed = f"seed.{PKG}.raw_customers"

    def edit(manifest: dict) -> None:
        node = manifest["nodes"][seed]
        for column in node["columns"].values():
            column["data_type"] = None
        node["config"]["column_types"] = {"ID": "integer"}

    config = rule_config(tmp_path / "config", "governance.column_types", select="raw_customers")
    # The corpus's seeds declare every column's data_type.
    assert gate(corpus_project("bouncer-dbt112"), config).findings == []
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.column_types"
    )
    # `id` is cast by the seed's column_types (case aside); the other two are untyped.
    assert [(f.unique_id, f.column_name) for f in findings] == [
        (seed, "first_name"),
        (seed, "last_name"),
    ]
    assert findings[0].message == "column first_name of raw_customers declares no data_type"


def test_snapshot_strategy_allows_dbt_strategies_by_default(tmp_path):
    custom = f"snapshot.{PKG}.snapshot_orders_multiple_unique_keys"

    def edit(manifest: dict) -> None:
        manifest["nodes"][custom]["config"]["strategy"] = "shop.hash_strategy"

    default = rule_config(tmp_path / "default", "governance.snapshot_strategy")
    # Both snapshots of the corpus use `timestamp`.
    assert gate(corpus_project("bouncer-dbt112"), default).findings == []
    [finding] = by_code(
        gate(edited_bouncer(tmp_path, edit), default).findings, "governance.snapshot_strategy"
    )
    assert finding.unique_id == custom
    assert finding.message == (
        "snapshot snapshot_orders_multiple_unique_keys uses the strategy shop.hash_strategy, "
        "not timestamp or check"
    )
    only_check = rule_config(
        tmp_path / "check", "governance.snapshot_strategy", "{allowed: [CHECK]}"
    )
    flagged = by_code(
        gate(corpus_project("bouncer-dbt112"), only_check).findings, "governance.snapshot_strategy"
    )
    assert short_ids(flagged) == ["snapshot_orders", "snapshot_orders_multiple_unique_keys"]


def test_snapshot_strategy_refuses_an_empty_allowed_list_at_its_line(tmp_path):
    config = rule_config(tmp_path, "governance.snapshot_strategy", "{allowed: []}")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*allowed: give at least one"):
        gate(corpus_project("bouncer-dbt112"), config)


def _reads_customers(refs_by_model: dict[str, list[dict]]):
    """Each model reads the customers versions its refs name (the unpinned one: v3, latest)."""

    def edit(manifest: dict) -> None:
        for name, refs in refs_by_model.items():
            node = manifest["nodes"][f"model.{PKG}.{name}"]
            node["refs"] = [*node["refs"], *refs]
            for ref in refs:
                node["depends_on"]["nodes"].append(f"model.{PKG}.customers.v{ref['version'] or 3}")

    return edit


def test_ref_version_pinned_flags_each_unpinned_ref_of_a_versioned_model(tmp_path):
    unpinned = {"name": "customers", "package": None, "version": None}
    edit = _reads_customers(
        {
            "orders": [unpinned],
            "py_order_stats": [{"name": "customers", "package": None, "version": 2}],
            "stg_orders": [{**unpinned, "package": PKG}, {**unpinned, "version": 1}],
        }
    )
    config = rule_config(tmp_path / "config", "governance.ref_version_pinned")
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings, "governance.ref_version_pinned"
    )
    # py_order_stats pins its version; stg_orders pins v1 but also reads the latest unpinned.
    assert [(f.unique_id, f.message) for f in findings] == [
        (
            f"model.{PKG}.orders",
            "orders refs customers without a version, so reads its latest, customers v3",
        ),
        (
            f"model.{PKG}.stg_orders",
            "stg_orders refs customers without a version, so reads its latest, customers v3",
        ),
    ]


def test_ref_version_pinned_reads_no_refs_where_no_model_reads_a_versioned_one(tmp_path):
    # In the corpus build nothing but a test reads the versioned customers: the refs are never
    # decoded (a second pass over the manifest).
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "governance.ref_version_pinned")
    assert gate(project, config).findings == []
    assert "refs" not in project._apart


def _meta_and_tags(edits: dict[str, tuple[dict, list[str]]]):
    def edit(manifest: dict) -> None:
        for name, (meta, tags) in edits.items():
            node = manifest["nodes"][f"model.{PKG}.{name}"]
            node["meta"] = node["config"]["meta"] = meta
            node["tags"] = node["config"]["tags"] = tags

    return edit


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            "any",
            {"stg_orders": "stg_orders has none of the meta owner, team"},
        ),
        (
            "one",
            {
                "stg_orders": "stg_orders has none of the meta owner, team (exactly one is "
                "required)",
                "orders": "orders has 2 of the meta owner, team (owner, team); exactly one is "
                "allowed",
            },
        ),
        (
            "all",
            {
                "stg_orders": "stg_orders has no meta owner, team",
                "stg_payments": "stg_payments has no meta team",
            },
        ),
    ],
)
def test_required_meta_and_tags_criteria(tmp_path, criteria, expected):
    edit = _meta_and_tags(
        {
            "orders": ({"owner": "sales", "team": "crm"}, ["owner", "team"]),
            "stg_payments": ({"owner": "finance", "team": ""}, ["owner"]),
            "stg_orders": ({}, []),
        }
    )
    config = write_config(
        tmp_path / "config",
        f"""\
        version: 1
        policies:
          - select: "orders stg_payments stg_orders"
            rules:
              governance.required_meta: {{keys: [owner, team], criteria: {criteria}}}
              governance.required_tags: {{tags: [owner, team], criteria: {criteria}}}
        """,
    )
    findings = gate(edited_bouncer(tmp_path, edit), config).findings
    meta = {
        f.unique_id.split(".")[-1]: f.message for f in by_code(findings, "governance.required_meta")
    }
    assert meta == expected
    # The tags read the same; a blank meta value counts as absent, as in `all`.
    tags = {
        f.unique_id.split(".")[-1]: f.message for f in by_code(findings, "governance.required_tags")
    }
    worded = {
        name: message.replace(" meta ", " tags ").replace("has no tags", "lacks the tags")
        for name, message in expected.items()
    }
    assert tags == worded


def test_required_meta_criteria_is_checked_at_its_line(tmp_path):
    config = rule_config(tmp_path, "governance.required_meta", "{keys: [owner], criteria: some}")
    with pytest.raises(
        DbtgateError, match=r"dbtgate\.yml:5: .*criteria: expected one of 'all' \| 'any'"
    ):
        gate(corpus_project("bouncer-dbt112"), config)


def test_required_constraints_on_the_bouncer_build(tmp_path):
    config = rule_config(
        tmp_path, "governance.required_constraints", "{types: [PRIMARY_KEY]}", "resource_type:model"
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "governance.required_constraints"
    )
    # The marts (customers v1-v3, orders) declare a primary key under an enforced contract; the
    # ephemeral int_ models and stg_raw_orders_for_snapshot, and the Python model, are skipped.
    assert short_ids(findings) == [
        "int_exclude_via_meta_config",
        "int_incremental",
        "metricflow_time_spine",
        "stg_customers",
        "stg_orders",
        "stg_payments",
    ]
    assert findings[0].message == "int_exclude_via_meta_config declares no PRIMARY_KEY constraint"


def test_required_constraints_need_the_contract_that_creates_them(tmp_path):
    def uncontract(manifest: dict) -> None:
        manifest["nodes"][f"model.{PKG}.orders"]["config"]["contract"]["enforced"] = False
        manifest["nodes"][f"model.{PKG}.orders"]["contract"]["enforced"] = False

    config = rule_config(
        tmp_path,
        "governance.required_constraints",
        "{types: [primary_key]}",
        "resource_type:model",
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, uncontract), config).findings,
        "governance.required_constraints",
    )
    [orders] = [f for f in findings if f.unique_id == f"model.{PKG}.orders"]
    assert orders.message == (
        "orders declares primary_key constraints but no enforced contract, so dbt does not "
        "create them"
    )


def test_required_constraints_asks_for_the_types(tmp_path):
    config = rule_config(tmp_path, "governance.required_constraints", "{types: []}")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*types: .*give at least one"):
        gate(corpus_project("bouncer-dbt112"), config)


# -- governance.primary_key_at_column_level ------------------------------------------------------


def test_a_one_column_primary_key_belongs_on_its_column(tmp_path):
    config = rule_config(
        tmp_path, "governance.primary_key_at_column_level", "warn", "resource_type:model"
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings,
        "governance.primary_key_at_column_level",
    )
    # The marts declare their keys (one column each) in the model's `constraints:`.
    assert short_ids(findings) == ["customers.v1", "customers.v2", "customers.v3", "orders"]
    orders = next(f for f in findings if f.unique_id == f"model.{PKG}.orders")
    assert orders.message == (
        "orders declares its one-column primary key order_id_pk as a model-level constraint"
    )
    assert orders.column_name == "order_id_pk"
    assert orders.fix == "Move the primary_key constraint to column order_id_pk's `constraints:`."


def test_a_primary_key_of_several_columns_or_on_its_column_passes(tmp_path):
    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        nodes[f"model.{PKG}.orders"]["constraints"][0]["columns"] = ["order_id_pk", "order_date"]
        customers = nodes[f"model.{PKG}.customers.v1"]
        customers["constraints"] = []
        customers["columns"]["customer_id"]["constraints"] = [{"type": "primary_key"}]

    config = rule_config(
        tmp_path, "governance.primary_key_at_column_level", "warn", "resource_type:model"
    )
    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), config).findings,
        "governance.primary_key_at_column_level",
    )
    assert short_ids(findings) == ["customers.v2", "customers.v3"]


# Properties as a team writes them for the bouncer build's orders and versioned customers: the
# keys at model level, one column each (customers' in its versions' entries).
FINANCE_PROPERTIES = """\
version: 2
models:
  - name: orders
    constraints:
      - type: not_null
        columns: [order_id_pk]
      - type: primary_key
        columns: [order_id_pk, order_date]
      - type: primary_key
        columns: [order_id_pk]
    columns:
      - name: order_id_pk
  - name: customers
    latest_version: 3
    versions:
      - v: 1
      - v: 2
        constraints:
          - type: primary_key
            columns: [customer_id]
      - v: 3
"""


def test_a_one_column_primary_key_is_reported_on_its_constraint(tmp_path):
    """Where the fix is made: the model-level constraint's item, the version's when the version
    declares it; a version whose entry declares none (here the manifest's key is written
    nowhere the locator reads), on that version's entry."""
    properties = tmp_path / "project" / "models" / "marts" / "finance" / "_finance__models.yml"
    properties.parent.mkdir(parents=True)
    properties.write_text(FINANCE_PROPERTIES)
    project = Project.from_artifacts(
        load_artifacts(corpus_dir("bouncer-dbt112")), tmp_path / "project"
    )
    config = rule_config(
        tmp_path, "governance.primary_key_at_column_level", "warn", "resource_type:model"
    )
    findings = by_code(gate(project, config).findings, "governance.primary_key_at_column_level")
    where = {f.unique_id.split(".", 2)[2]: (f.path, f.line) for f in findings}
    path = "models/marts/finance/_finance__models.yml"
    assert where == {
        "orders": (path, 9),  # not the key of two columns above it, nor the not_null
        "customers.v1": (path, 16),  # no constraint declared: the version's entry
        "customers.v2": (path, 19),
        "customers.v3": (path, 21),
    }
    # Placed, not keyed, by the constraint: the fingerprint is the model's and column's.
    orders = next(f for f in findings if f.unique_id == f"model.{PKG}.orders")
    assert orders.fingerprint == fingerprint(
        Finding(
            code=orders.code,
            severity="warn",
            message="",
            unique_id=orders.unique_id,
            column_name="order_id_pk",
        )
    )


def test_version_pattern_judges_each_version_of_a_versioned_model(tmp_path):
    """dbt-bouncer's check_model_version_allowed: the bouncer project's customers has versions
    1, 2 and 3; its other models are not versioned and pass."""
    project = corpus_project("bouncer-dbt112")
    whole = rule_config(tmp_path, "governance.version_pattern", "{pattern: '[0-9]+'}")
    assert by_code(gate(project, whole).findings, "governance.version_pattern") == []
    recent = rule_config(tmp_path, "governance.version_pattern", "{pattern: '[2-9]'}")
    findings = by_code(gate(project, recent).findings, "governance.version_pattern")
    assert short_ids(findings) == ["customers.v1"]
    assert findings[0].message == (
        "customers v1 has the version 1, which does not match the pattern [2-9]"
    )

    def edit(manifest: dict) -> None:
        manifest["nodes"][f"model.{PKG}.customers.v3"]["version"] = "3b"

    edited = edited_bouncer(tmp_path, edit)
    whole = rule_config(tmp_path, "governance.version_pattern", "{pattern: '[0-9]+'}")
    findings = by_code(gate(edited, whole).findings, "governance.version_pattern")
    assert [f.details["version"] for f in findings] == ["3b"]


def test_version_pattern_is_a_config_error_at_its_line_unless_a_regex(tmp_path):
    bad = rule_config(tmp_path, "governance.version_pattern", "{pattern: '[0-9'}")
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*pattern: not a regular expression"):
        gate(corpus_project("bouncer-dbt112"), bad)


@pytest.mark.slow
def test_version_pattern_on_the_fixture(shop_builds, tmp_path):
    """The fixture's orders_summary has versions 1 and 2, reported at their own YAML lines."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = rule_config(tmp_path, "governance.version_pattern", "{pattern: '1'}")
    findings = by_code(gate(project, config).findings, "governance.version_pattern")
    assert [(f.unique_id, f.path) for f in findings] == [
        ("model.shop.orders_summary.v2", "models/marts/_orders_summary.yml")
    ]


def _readers_folder(project: Project, tmp_path) -> list[str]:
    config = rule_config(tmp_path, "naming.source_readers_folder", "warn", "resource_type:source")
    return [
        f.message for f in by_code(gate(project, config).findings, "naming.source_readers_folder")
    ]


def test_source_readers_folder_asks_readers_to_live_by_the_declaration(tmp_path):
    """dbt-bouncer's check_source_used_by_models_in_same_directory: the bouncer project's
    dummy_source is declared in models/staging/crm/ and read by stg_customers there; the
    tiktok_ads package's sources, in models/staging/, by its models in models/staging/tmp/."""
    assert _readers_folder(corpus_project("bouncer-dbt112"), tmp_path) == []

    def edit(manifest: dict) -> None:
        # orders, in models/marts/finance/, reads the CRM source directly.
        orders = manifest["nodes"][f"model.{PKG}.orders"]
        orders["depends_on"]["nodes"].append(f"source.{PKG}.dummy_source.customers")

    assert _readers_folder(edited_bouncer(tmp_path, edit), tmp_path) == [
        "source dummy_source.customers is read by orders (models/marts/finance/orders.sql), "
        "outside models/staging/crm/, the folder that declares it"
    ]


@pytest.mark.slow
def test_source_readers_folder_on_the_fixture(shop_builds, tmp_path):
    """The fixture declares its sources beside the staging models that read them."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    readers = {uid for source in project.sources for uid in project.model_readers(source)}
    assert readers and _readers_folder(project, tmp_path) == []


def test_semantic_model_public_parents_on_real_builds(tmp_path):
    """dbt-bouncer's check_semantic_model_based_on_non_public_models, judged on the model: the
    jaffle_shop build of dbt 1.12 builds its six semantic models on protected marts; the
    bouncer project builds its one on orders, which is public."""
    path = corpus_dir("schema-versions") / "manifest_v12_dbt1.12.json"
    raw = json.loads(path.read_text())
    # The truth, read with plain json: the models a semantic model depends on, not public.
    expected = sorted(
        uid.split(".", 2)[2]
        for semantic in raw["semantic_models"].values()
        for uid in semantic["depends_on"]["nodes"]
        if raw["nodes"][uid]["access"] != "public"
    )
    assert len(expected) == 6
    config = rule_config(tmp_path, "governance.semantic_model_public_parents")
    project = corpus_manifest_project("schema-versions/manifest_v12_dbt1.12.json")
    findings = by_code(gate(project, config).findings, "governance.semantic_model_public_parents")
    assert short_ids(findings) == expected
    orders = next(f for f in findings if f.unique_id == "model.jaffle_shop.orders")
    assert orders.message == "orders is protected, not public: semantic model orders is built on it"
    bouncer = gate(corpus_project("bouncer-dbt112"), config).findings
    assert by_code(bouncer, "governance.semantic_model_public_parents") == []


def test_semantic_model_public_parents_names_every_semantic_model_on_the_model(tmp_path):
    orders = f"model.{PKG}.orders"

    def edit(manifest: dict) -> None:
        manifest["nodes"][orders]["access"] = "private"
        semantic = copy.deepcopy(manifest["semantic_models"][f"semantic_model.{PKG}.orders"])
        semantic.update(name="order_lines", unique_id=f"semantic_model.{PKG}.order_lines")
        manifest["semantic_models"][semantic["unique_id"]] = semantic

    config = rule_config(tmp_path, "governance.semantic_model_public_parents")
    findings = gate(edited_bouncer(tmp_path, edit), config).findings
    [finding] = by_code(findings, "governance.semantic_model_public_parents")
    assert finding.unique_id == orders
    assert finding.message == (
        "orders is private, not public: semantic models order_lines, orders are built on it"
    )
    assert finding.details["semantic_models"] == [
        f"semantic_model.{PKG}.order_lines",
        f"semantic_model.{PKG}.orders",
    ]


def test_project_pattern_judges_the_project_once_at_the_rule_line(tmp_path):
    """dbt-bouncer's check_project_name: one finding about the project, at the rule's line in
    the config, whatever the policy selects."""
    config = rule_config(tmp_path, "naming.project_pattern", "{pattern: 'acme_.*'}")
    [finding] = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "naming.project_pattern"
    )
    assert (finding.unique_id, finding.line) == (None, 5)
    assert finding.message == (
        "the dbt project is named dbt_bouncer_test_project, which does not match the pattern acme_.*"
    )
    matching = rule_config(tmp_path, "naming.project_pattern", "{pattern: 'dbt_bouncer_.*'}")
    assert (
        by_code(gate(corpus_project("bouncer-dbt112"), matching).findings, "naming.project_pattern")
        == []
    )
    # Before dbt 1.6 the manifest names no project: the root project's package is its name.
    old = corpus_manifest_project("schema-versions/manifest_v8.json")
    assert old.manifest.metadata.project_name is None
    [finding] = by_code(gate(old, config).findings, "naming.project_pattern")
    assert finding.details["project_name"] == "jaffle_shop"


def test_project_pattern_under_a_policy_that_selects_nothing_checks_nothing(tmp_path):
    config = rule_config(tmp_path, "naming.project_pattern", "{pattern: 'acme_.*'}", "tag:none")
    result = gate(corpus_project("bouncer-dbt112"), config)
    assert by_code(result.findings, "naming.project_pattern") == []
    assert any("selects no resources, so its rules checked nothing" in n for n in result.notes)


PROJECT_PATTERN_SCOPED = """\
    version: 1
    scope: changed
    policies:
      - select: "*"
        rules: {naming.project_pattern: {severity: error, pattern: "acme_.*"}}
    """


def test_project_pattern_a_name_the_base_build_had_is_outside_the_change(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(tmp_path / "config", PROJECT_PATTERN_SCOPED)
    result = gate(project, config, base=corpus_project("bouncer-dbt112"), changed=set())
    [finding] = by_code(result.findings, "naming.project_pattern")
    assert finding.disposition == "out_of_scope"
    assert finding.message.endswith("; the base build fails it too")


def test_project_pattern_a_rename_is_the_changes(tmp_path):
    def edit(manifest: dict) -> None:
        manifest["metadata"]["project_name"] = "acme_shop"

    base = edited_bouncer(tmp_path, edit)
    config = write_config(tmp_path / "config", PROJECT_PATTERN_SCOPED)
    result = gate(corpus_project("bouncer-dbt112"), config, base=base, changed=set())
    [finding] = by_code(result.findings, "naming.project_pattern")
    assert finding.disposition == "blocking"
    assert finding.message.endswith("; the base build passes it: this change fails it")
