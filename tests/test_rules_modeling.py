"""Modelling rules (the DAG's shape), unused sources, exposures on public models, properties
files and column names, on the bouncer build as dbt wrote it and with what it lacks planted."""

from __future__ import annotations

import json
import re

import pytest
from corpus import corpus_dir
from policy_support import (
    by_code,
    corpus_project,
    edited_bouncer,
    gate,
    rule_config,
    short_ids,
    write_config,
)

from dbtgate.artifacts import load_artifacts
from dbtgate.errors import DbtgateError
from dbtgate.project import Project
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
          modeling.source_fanout: warn
          modeling.rejoining_upstream: warn
          sources.unused: warn
          governance.exposure_reads_public: warn
          governance.exposure_reads_tables: warn
    """


def test_the_bouncer_build_as_written(tmp_path):
    findings = gate(corpus_project("bouncer-dbt112"), write_config(tmp_path, ALL_RULES)).findings
    # Staging models read one source (or a seed) each; no model joins sources.
    assert by_code(findings, "modeling.direct_source_join") == []
    assert by_code(findings, "modeling.multiple_sources") == []
    # Root-project models with no ref and no source (the tiktok_ads package is not gated); the
    # semantic layer's time spine generates its dates (`time_spine:` in its YAML) and passes.
    assert short_ids(by_code(findings, "modeling.root_model")) == [
        "int_disabled_model",
        "int_exclude_via_meta_config",
        "int_incremental",
        "int_model_1",
    ]
    # stg_orders feeds py_order_stats, orders and customers v1-v3, of which only py_order_stats
    # and customers v1 and v2 are leaves (orders and customers v3 feed exposures): 3, which
    # dbt-project-evaluator's default threshold (3) flags, and so does the default max 2.
    assert short_ids(by_code(findings, "modeling.fanout")) == ["stg_orders"]
    # The most any model reads is three (customers v1-v3: stg_customers, stg_orders, stg_payments).
    assert by_code(findings, "modeling.max_parents") == []
    # Staging reads seeds and sources, marts read staging, the int_ models read nothing.
    assert by_code(findings, "modeling.layer_order") == []
    # dummy_source.customers is read by stg_customers alone; the other three sources by nothing.
    assert by_code(findings, "modeling.source_fanout") == []
    # No model reads a parent of one of its parents: customers v1-v3 and orders read staging
    # models, which read seeds and a source that no mart reads.
    assert by_code(findings, "modeling.rejoining_upstream") == []
    assert short_ids(by_code(findings, "sources.unused")) == [
        "sources_that_dont_really_exist.Non_Conforming_Name",
        "sources_that_dont_really_exist.source_1",
        "sources_that_dont_really_exist.source_2",
    ]
    # Both exposures read public models only (customers v3 and orders), both tables.
    assert by_code(findings, "governance.exposure_reads_public") == []
    assert by_code(findings, "governance.exposure_reads_tables") == []


def test_fanout_names_the_leaves(tmp_path):
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "*"
            rules: {modeling.fanout: warn}
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

    build = corpus_dir("bouncer-dbt112")
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


TYPE_PATTERNS = """\
    version: 1
    policies:
      - select: "*"
        rules:
          naming.column_type_pattern:
            patterns: {"bool(ean)?": "(is|has)_.*", "timestamp.*": ".*_at", "date": ".*_date"}
    """


def test_column_names_follow_their_warehouse_type(tmp_path):
    """On the bouncer build with its catalog: the one DATE column not named `*_date` is the
    time spine's `date_day`; the snapshots' `dbt_valid_from` (DATE) are dbt's names."""
    project = corpus_project("bouncer-dbt112")
    findings = by_code(
        gate(project, write_config(tmp_path, TYPE_PATTERNS)).findings, "naming.column_type_pattern"
    )
    assert [(f.unique_id, f.column_name, f.message) for f in findings] == [
        (
            f"model.{PKG}.metricflow_time_spine",
            "date_day",
            "column date_day of metricflow_time_spine is DATE: its name does not match .*_date",
        )
    ]


def test_column_type_comes_from_the_yaml_without_a_catalog(tmp_path):
    def edit(manifest: dict) -> None:
        columns = manifest["nodes"][f"model.{PKG}.stg_orders"]["columns"]
        columns["status"]["data_type"] = "Boolean"
        columns["order_id"]["data_type"] = "timestamp with time zone"

    project = edited_bouncer(tmp_path, edit)
    findings = by_code(
        gate(project, write_config(tmp_path, TYPE_PATTERNS)).findings, "naming.column_type_pattern"
    )
    assert sorted((f.column_name, f.details["type"], f.details["pattern"]) for f in findings) == [
        ("order_id", "timestamp with time zone", ".*_at"),
        ("status", "Boolean", "(is|has)_.*"),
    ]


@pytest.mark.parametrize(
    ("patterns", "problem"),
    [
        ("{}", "patterns: give at least one entry"),
        ('{"bool(": "is_.*"}', "patterns: 'bool(': not a regular expression"),
        ('{"date": "[_date"}', "patterns: 'date': not a regular expression"),
        ('{"": "is_.*"}', "patterns: '': give a regular expression"),
    ],
)
def test_column_type_patterns_must_be_regular_expressions(tmp_path, patterns, problem):
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "naming.column_type_pattern", f"{{patterns: {patterns}}}")
    with pytest.raises(DbtgateError, match=re.escape(problem)):
        gate(project, config)


NAME_TYPES = """\
    version: 1
    policies:
      - select: "*"
        rules:
          naming.column_name_type:
            types: {".*_id": "INTEGER", "is_.*": "BOOLEAN", ".*_at": "TIMESTAMP"}
    """


def test_columns_named_for_a_type_have_that_warehouse_type(tmp_path):
    """The name-to-type direction (dbt-bouncer's check_column_name_complies_to_column_type)
    on the bouncer build: the `customer_id` columns are BIGINT where the staging model and
    the versions read them; the `is_` columns are BOOLEAN; the snapshots' `dbt_scd_id`
    (VARCHAR) and `dbt_updated_at` (DATE) are dbt's columns, not the team's."""
    project = corpus_project("bouncer-dbt112")
    findings = by_code(
        gate(project, write_config(tmp_path, NAME_TYPES)).findings, "naming.column_name_type"
    )
    assert sorted((f.unique_id, f.column_name, f.details["type"]) for f in findings) == [
        (f"model.{PKG}.customers.v1", "customer_id", "BIGINT"),
        (f"model.{PKG}.customers.v2", "customer_id", "BIGINT"),
        (f"model.{PKG}.stg_customers", "customer_id", "BIGINT"),
    ]
    assert findings[0].message == (
        "column customer_id of customers v1 is BIGINT: a column named so should be INTEGER"
    )


def test_column_name_type_reads_the_yaml_type_without_a_catalog(tmp_path):
    """Without catalog.json the declared `data_type` is judged (as dbt-bouncer's
    check_model_column_name_complies_to_column_type): the contracted versions declare their
    `customer_id` bigint; a type matches case-insensitively (`integer` is INTEGER)."""

    def edit(manifest: dict) -> None:
        columns = manifest["nodes"][f"model.{PKG}.stg_orders"]["columns"]
        columns["order_id"]["data_type"] = "varchar"
        payments = manifest["nodes"][f"model.{PKG}.stg_payments"]["columns"]
        payments["payment_id"]["data_type"] = "integer"

    project = edited_bouncer(tmp_path, edit)
    findings = by_code(
        gate(project, write_config(tmp_path, NAME_TYPES)).findings, "naming.column_name_type"
    )
    assert sorted((f.unique_id, f.column_name, f.details["type"]) for f in findings) == [
        (f"model.{PKG}.customers.v1", "customer_id", "bigint"),
        (f"model.{PKG}.customers.v2", "customer_id", "bigint"),
        (f"model.{PKG}.stg_orders", "order_id", "varchar"),
    ]


def test_column_name_types_must_be_regular_expressions(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "naming.column_name_type", '{types: {"is_(": "boolean"}}')
    with pytest.raises(DbtgateError, match=re.escape("types: 'is_(': not a regular expression")):
        gate(project, config)


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


def test_sources_read_by_more_models_than_allowed_as_written(tmp_path):
    """With `max: 0`, every source that a model reads is reported: in the root project only
    dummy_source.customers (stg_customers); the tiktok_ads package's sources are not selected,
    and the three sources nothing reads pass."""
    config = rule_config(tmp_path, "modeling.source_fanout", "{severity: warn, max: 0}")
    [finding] = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.source_fanout"
    )
    assert finding.unique_id == f"source.{PKG}.dummy_source.customers"
    assert finding.message == (
        "source dummy_source.customers is read by 1 model (stg_customers); at most 0"
    )
    assert finding.details == {
        "models": [f"model.{PKG}.stg_customers"],
        "max": 0,
        "policy": "*",
    }


def test_a_source_read_by_two_models(tmp_path):
    customers = f"source.{PKG}.dummy_source.customers"
    source_1 = f"source.{PKG}.sources_that_dont_really_exist.source_1"
    source_2 = f"source.{PKG}.sources_that_dont_really_exist.source_2"

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        # orders reads the customers source next to stg_customers, which stages it.
        nodes[f"model.{PKG}.orders"]["depends_on"]["nodes"].append(customers)
        # source_1: one model and a snapshot; source_2: one model and an exposure.
        nodes[f"model.{PKG}.stg_payments"]["depends_on"]["nodes"].append(source_1)
        nodes[f"snapshot.{PKG}.snapshot_orders"]["depends_on"]["nodes"].append(source_1)
        nodes[f"model.{PKG}.stg_raw_orders_for_snapshot"]["depends_on"]["nodes"].append(source_2)
        manifest["exposures"][f"exposure.{PKG}.pulse_queries"]["depends_on"]["nodes"].append(
            source_2
        )

    project = edited_bouncer(tmp_path, edit)
    # The customers source has tests of its own; they are not models either.
    assert any(uid.startswith("test.") for uid in project.children[customers])
    findings = gate(project, write_config(tmp_path, ALL_RULES)).findings
    [finding] = by_code(findings, "modeling.source_fanout")
    assert finding.unique_id == customers
    assert finding.message == (
        "source dummy_source.customers is read by 2 models (orders, stg_customers); at most 1"
    )
    assert finding.details["models"] == [f"model.{PKG}.orders", f"model.{PKG}.stg_customers"]


def test_a_model_rejoining_a_parent_of_its_single_use_parent(tmp_path):
    stg_orders, stg_payments = f"model.{PKG}.stg_orders", f"model.{PKG}.stg_payments"
    py_order_stats = f"model.{PKG}.py_order_stats"
    raw_payments = f"seed.{PKG}.raw_payments"
    customers_source = f"source.{PKG}.dummy_source.customers"
    int_incremental, int_model_1 = f"model.{PKG}.int_incremental", f"model.{PKG}.int_model_1"
    v1, v2, v3 = (f"model.{PKG}.customers.v{n}" for n in (1, 2, 3))

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]

        def reads(uid: str, *parents: str) -> None:
            nodes[uid]["depends_on"]["nodes"].extend(parents)

        # py_order_stats (tested, read by nothing) reads stg_orders and now a seed; customers v1
        # reads it next to both: two rejoins on one model.
        reads(py_order_stats, raw_payments)
        reads(v1, py_order_stats, raw_payments)
        # A source rejoined through int_incremental, which only tests read.
        reads(int_incremental, customers_source)
        reads(v3, int_incremental, customers_source)
        # int_model_1 feeds customers v2 and an exposure: shared, so not a step of v2.
        reads(int_model_1, raw_payments)
        reads(v2, int_model_1, raw_payments)
        manifest["exposures"][f"exposure.{PKG}.customers"]["depends_on"]["nodes"].append(
            int_model_1
        )
        # stg_payments reads stg_orders, and orders reads both; customers v1-v3 read
        # stg_payments too, so it is shared.
        reads(stg_payments, stg_orders)

    project = edited_bouncer(tmp_path, edit)
    findings = by_code(
        gate(project, write_config(tmp_path, ALL_RULES)).findings, "modeling.rejoining_upstream"
    )
    found = sorted((f.unique_id, f.key, f.message, f.details) for f in findings)
    assert found == [
        (
            v1,
            f"{stg_orders} via {py_order_stats}",
            "customers v1 reads stg_orders both directly and through py_order_stats, "
            "which nothing else reads",
            {"parent": stg_orders, "through": py_order_stats, "policy": "*"},
        ),
        (
            v1,
            f"{raw_payments} via {py_order_stats}",
            "customers v1 reads raw_payments both directly and through py_order_stats, "
            "which nothing else reads",
            {"parent": raw_payments, "through": py_order_stats, "policy": "*"},
        ),
        (
            v3,
            f"{customers_source} via {int_incremental}",
            "customers v3 reads source dummy_source.customers both directly and through "
            "int_incremental, which nothing else reads",
            {"parent": customers_source, "through": int_incremental, "policy": "*"},
        ),
    ]
    # Two findings on customers v1, told apart by their key.
    assert len({f.fingerprint for f in findings}) == 3


def test_an_exposure_on_the_step_makes_it_shared(tmp_path):
    """The same rejoin as customers v2 above, without the exposure: reported."""
    int_model_1, raw_payments = f"model.{PKG}.int_model_1", f"seed.{PKG}.raw_payments"
    v2 = f"model.{PKG}.customers.v2"

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        nodes[int_model_1]["depends_on"]["nodes"].append(raw_payments)
        nodes[v2]["depends_on"]["nodes"].extend([int_model_1, raw_payments])

    findings = by_code(
        gate(edited_bouncer(tmp_path, edit), write_config(tmp_path, ALL_RULES)).findings,
        "modeling.rejoining_upstream",
    )
    assert [(f.unique_id, f.details["through"]) for f in findings] == [(v2, int_model_1)]


def test_directories_on_a_real_build(tmp_path):
    """With plain json: root-project models whose first folder under models/ is not staging,
    intermediate or marts (the bouncer project's utilities/)."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    allowed = {"staging", "intermediate", "marts"}
    expected = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == PKG
        and node["original_file_path"].split("/")[1] not in allowed
    }
    assert expected == {
        f"model.{PKG}.py_order_stats",
        f"model.{PKG}.metricflow_time_spine",
    }
    config = rule_config(
        tmp_path, "naming.directories", "{allowed: [staging, intermediate, marts]}"
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "naming.directories"
    )
    assert {f.unique_id for f in findings} == expected
    [spine] = [f for f in findings if f.unique_id.endswith("metricflow_time_spine")]
    assert spine.message == (
        "metricflow_time_spine is in models/utilities/, not in one of staging, intermediate, marts"
    )
    # Under another root, nothing of models/ is checked.
    config = rule_config(tmp_path, "naming.directories", "{allowed: [x], root: analyses}")
    assert (
        by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "naming.directories") == []
    )


def test_directories_reads_paths_written_on_windows(tmp_path):
    """dbt on Windows writes `models\\utilities\\x.sql`: the same folders, the same findings."""

    def windows(data: dict) -> None:
        for node in data["nodes"].values():
            node["original_file_path"] = node["original_file_path"].replace("/", "\\")

    config = rule_config(
        tmp_path / "c", "naming.directories", "{allowed: [staging, intermediate, marts]}"
    )
    on_posix = gate(corpus_project("bouncer-dbt112"), config).findings
    on_windows = gate(edited_bouncer(tmp_path, windows), config).findings
    assert (
        [f.message for f in by_code(on_windows, "naming.directories")]
        == [f.message for f in by_code(on_posix, "naming.directories")]
        != []
    )


def test_allowed_parents_by_resource_type_and_model_path(tmp_path):
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "path:models/staging"
            rules:
              modeling.allowed_parents: {resource_types: [model, seed, snapshot]}
          - select: "path:models/marts path:models/utilities"
            rules:
              modeling.allowed_parents: {resource_types: [model], model_paths: [models/marts]}
        """,
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.allowed_parents"
    )
    # Staging: only stg_customers reads a source (besides its seed). Marts and utilities read
    # staging models only, none of them in models/marts.
    assert [(f.unique_id.split(".", 2)[2], f.key.split(".")[-1]) for f in findings] == [
        ("customers.v1", "stg_customers"),
        ("customers.v1", "stg_orders"),
        ("customers.v1", "stg_payments"),
        ("customers.v2", "stg_customers"),
        ("customers.v2", "stg_orders"),
        ("customers.v2", "stg_payments"),
        ("customers.v3", "stg_customers"),
        ("customers.v3", "stg_orders"),
        ("customers.v3", "stg_payments"),
        ("orders", "stg_orders"),
        ("orders", "stg_payments"),
        ("py_order_stats", "stg_orders"),
        ("stg_customers", "customers"),
    ]
    messages = {f.message for f in findings}
    assert (
        "stg_customers reads source dummy_source.customers, not one of model, seed, snapshot"
        in (messages)
    )
    assert (
        "orders reads stg_orders (models/staging/crm/stg_orders.sql), in none of models/marts"
        in messages
    )


def test_allowed_parents_names_a_forbidden_seed_and_takes_path_globs(tmp_path):
    config = rule_config(
        tmp_path,
        "modeling.allowed_parents",
        "{resource_types: [model, snapshot, source], model_paths: ['models/*/crm']}",
        select="path:models",
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.allowed_parents"
    )
    # Staging reads seeds; the marts read stg_payments, outside models/*/crm.
    assert sorted(f.message for f in findings if "payments" in f.message) == [
        "customers v1 reads stg_payments (models/staging/payments/stg_payments.sql), in none "
        "of models/*/crm",
        "customers v2 reads stg_payments (models/staging/payments/stg_payments.sql), in none "
        "of models/*/crm",
        "customers v3 reads stg_payments (models/staging/payments/stg_payments.sql), in none "
        "of models/*/crm",
        "orders reads stg_payments (models/staging/payments/stg_payments.sql), in none of "
        "models/*/crm",
        "stg_payments reads seed raw_payments, not one of model, snapshot, source",
    ]


def test_allowed_parents_by_parent_name(tmp_path):
    """dbt-checkpoint's check-model-parents-name-prefix: the marts read stg_customers,
    stg_orders and stg_payments."""
    project = corpus_project("bouncer-dbt112")

    def findings(setting: str, select: str = "path:models/marts") -> list:
        config = rule_config(tmp_path, "modeling.allowed_parents", setting, select=select)
        return by_code(gate(project, config).findings, "modeling.allowed_parents")

    assert findings('{parent_names: ["STG_*"]}') == []
    named = findings('{parent_names: ["stg_c*", "int_*"]}')
    assert sorted({f.details["parent"].split(".")[-1] for f in named}) == [
        "stg_orders",
        "stg_payments",
    ]
    assert "orders reads stg_orders, a name matching none of stg_c*, int_*" in {
        f.message for f in named
    }
    forbidden = findings('{forbidden_parent_names: ["stg_pay*", "x*"], parent_names: ["stg_*"]}')
    assert [f.unique_id.split(".", 2)[2] for f in forbidden] == [
        "customers.v1",
        "customers.v2",
        "customers.v3",
        "orders",
    ]
    assert (
        forbidden[-1].message == "orders reads stg_payments, a name the policy forbids (stg_pay*)"
    )
    assert forbidden[-1].details["forbidden_names"] == ["stg_pay*"]
    # With a path too, one finding says both.
    [both] = findings(
        '{model_paths: [models/staging/crm], forbidden_parent_names: ["stg_pay*"]}',
        select="orders",
    )
    assert both.message == (
        "orders reads stg_payments (models/staging/payments/stg_payments.sql), in none of "
        "models/staging/crm; a name the policy forbids (stg_pay*)"
    )
    # A package's models are judged by their type only: tiktok_ads' models read each other.
    everything = findings('{forbidden_parent_names: ["*"]}', select="*")
    assert everything and all(PKG in f.details["parent"] for f in everything)


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("warn", "with none, every parent is allowed and the rule checks nothing"),
        ("{resource_types: []}", "resource_types: give at least one"),
        ("{model_paths: []}", "model_paths: give at least one"),
        ("{parent_names: []}", "parent_names: give at least one"),
        ("{forbidden_parent_names: []}", "forbidden_parent_names: give at least one"),
        ("{resource_types: [exposure]}", "resource_types: expected list"),
    ],
)
def test_allowed_parents_refuses_settings_that_check_nothing(tmp_path, setting, problem):
    config = rule_config(tmp_path, "modeling.allowed_parents", setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{re.escape(problem)}"):
        gate(corpus_project("bouncer-dbt112"), config)


def test_children_counts_the_models_reading_each_model_and_source(tmp_path):
    config = rule_config(tmp_path, "modeling.children", "{min: 1, max: 4}")
    findings = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.children")
    # The marts feed exposures only, the int_ models nothing, stg_raw_orders_for_snapshot a
    # snapshot: none of them is read by a model. stg_orders is read by five models.
    assert short_ids(findings) == [
        "customers.v1",
        "customers.v2",
        "customers.v3",
        "int_disabled_model",
        "int_exclude_via_meta_config",
        "int_incremental",
        "int_model_1",
        "metricflow_time_spine",
        "orders",
        "py_order_stats",
        "sources_that_dont_really_exist.Non_Conforming_Name",
        "sources_that_dont_really_exist.source_1",
        "sources_that_dont_really_exist.source_2",
        "stg_orders",
        "stg_raw_orders_for_snapshot",
    ]
    messages = {f.unique_id.split(".", 2)[2]: f.message for f in findings}
    assert messages["stg_raw_orders_for_snapshot"] == (
        "stg_raw_orders_for_snapshot is read by 0 models; at least 1"
    )
    assert messages["stg_orders"] == (
        "stg_orders is read by 5 models (customers v1, customers v2, customers v3, orders, "
        "py_order_stats); at most 4"
    )
    assert messages["sources_that_dont_really_exist.source_1"] == (
        "source sources_that_dont_really_exist.source_1 is read by 0 models; at least 1"
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("warn", "set `min` above 0 and/or `max`"),
        ("{min: 3, max: 2}", "min (3) is above max (2)"),
    ],
)
def test_children_refuses_bounds_that_check_nothing(tmp_path, setting, problem):
    config = rule_config(tmp_path, "modeling.children", setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{re.escape(problem)}"):
        gate(corpus_project("bouncer-dbt112"), config)


def test_parent_location_by_schema_and_database(tmp_path):
    config = rule_config(
        tmp_path,
        "modeling.parent_location",
        '{schemas: ["MAIN_STG_*"], forbidden_databases: [sandbox]}',
        select="path:models/marts",
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.parent_location"
    )
    # The marts read staging models only, in main_stg_crm and main_stg_payments (case ignored).
    assert findings == []
    config = rule_config(
        tmp_path,
        "modeling.parent_location",
        '{forbidden_schemas: ["main_stg_payments"], databases: [dbt]}',
        select="path:models/marts",
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.parent_location"
    )
    assert short_ids(findings) == ["customers.v1", "customers.v2", "customers.v3", "orders"]
    assert findings[0].message == (
        "customers v1 reads stg_payments in schema main_stg_payments, which the policy forbids"
    )


def test_parent_location_names_a_source_outside_the_allowed_schemas(tmp_path):
    config = rule_config(
        tmp_path, "modeling.parent_location", "{schemas: [main_stg_crm], databases: [prod]}"
    )
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "modeling.parent_location"
    )
    [staged] = [
        f for f in findings if f.details["parent"] == f"source.{PKG}.dummy_source.customers"
    ]
    assert staged.message == (
        "stg_customers reads source dummy_source.customers in database dbt, not one of prod; "
        "schema main, not one of main_stg_crm"
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("warn", "set at least one of databases, schemas"),
        ("{schemas: []}", "schemas: give at least one name"),
    ],
)
def test_parent_location_refuses_settings_that_check_nothing(tmp_path, setting, problem):
    config = rule_config(tmp_path, "modeling.parent_location", setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{re.escape(problem)}"):
        gate(corpus_project("bouncer-dbt112"), config)


def test_has_exposure_asks_each_model_for_an_exposure_that_reads_it(tmp_path):
    """dbt-bouncer's check_model_has_exposure: the bouncer project's exposures read customers
    v3 and orders; of its marts, customers v1 and v2 have none."""
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "modeling.has_exposure", "warn", "path:models/marts")
    findings = by_code(gate(project, config).findings, "modeling.has_exposure")
    assert short_ids(findings) == ["customers.v1", "customers.v2"]
    assert findings[0].message == "customers v1 is read by no exposure"

    def edit(manifest: dict) -> None:
        # The dashboard moves to v2; pulse_queries still reads v3 and orders.
        manifest["exposures"][f"exposure.{PKG}.customers"]["depends_on"]["nodes"] = [
            f"model.{PKG}.customers.v2"
        ]

    edited = by_code(gate(edited_bouncer(tmp_path, edit), config).findings, "modeling.has_exposure")
    assert short_ids(edited) == ["customers.v1"]


@pytest.mark.slow
def test_has_exposure_on_the_fixture_marts(shop_builds, tmp_path):
    """The fixture's revenue dashboard reads dim_customers and orders_summary (its latest, v2)."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = rule_config(tmp_path, "modeling.has_exposure", "warn", "path:models/marts")
    findings = by_code(gate(project, config).findings, "modeling.has_exposure")
    assert sorted((f.unique_id, f.path, f.line) for f in findings) == [
        ("model.shop.customer_ltv", "models/marts/_marts.yml", 101),
        ("model.shop.customer_segments", "models/marts/_marts.yml", 142),
        ("model.shop.dim_products", "models/marts/_marts.yml", 81),
        ("model.shop.fct_orders", "models/marts/_marts.yml", 50),
        ("model.shop.finance_revenue", "models/marts/_marts.yml", 125),
        ("model.shop.orders_summary.v1", "models/marts/_orders_summary.yml", 21),
    ]


def _exposure_parents(project, tmp_path, setting: str) -> dict[str, str]:
    config = rule_config(tmp_path, "modeling.exposure_parents", setting)
    findings = by_code(gate(project, config).findings, "modeling.exposure_parents")
    return {f.unique_id: f.message for f in findings}


def test_exposure_parents_counts_the_models_each_exposure_reads(tmp_path):
    """dbt-bouncer's check_exposure_based_on_model: the bouncer project's customers exposure
    reads customers v3, pulse_queries reads it and orders."""
    project = corpus_project("bouncer-dbt112")
    assert _exposure_parents(project, tmp_path, "warn") == {}
    assert _exposure_parents(project, tmp_path, "{min: 2}") == {
        f"exposure.{PKG}.customers": "exposure customers reads 1 model (customers v3); at least 2"
    }
    assert _exposure_parents(project, tmp_path, "{max: 1}") == {
        f"exposure.{PKG}.pulse_queries": (
            "exposure pulse_queries reads 2 models (customers v3, orders); at most 1"
        )
    }

    def edit(manifest: dict) -> None:
        # The dashboard reads a seed and a source now: neither is a model.
        manifest["exposures"][f"exposure.{PKG}.customers"]["depends_on"]["nodes"] = [
            f"seed.{PKG}.raw_orders",
            f"source.{PKG}.dummy_source.customers",
        ]

    assert _exposure_parents(edited_bouncer(tmp_path, edit), tmp_path, "warn") == {
        f"exposure.{PKG}.customers": "exposure customers reads 0 models; at least 1"
    }


@pytest.mark.parametrize(
    ("setting", "problem"),
    [("{min: 0}", "set `min` above 0"), ("{min: 3, max: 2}", "min (3) is above max (2)")],
)
def test_exposure_parents_refuses_bounds_that_check_nothing(tmp_path, setting, problem):
    config = rule_config(tmp_path, "modeling.exposure_parents", setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{re.escape(problem)}"):
        gate(corpus_project("bouncer-dbt112"), config)


@pytest.mark.slow
def test_exposure_parents_on_the_fixture(shop_builds, tmp_path):
    """The fixture's revenue dashboard reads dim_customers and orders_summary v2."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    assert _exposure_parents(project, tmp_path, "{min: 1, max: 2}") == {}
    found = _exposure_parents(project, tmp_path, "{max: 1}")
    assert list(found.values()) == [
        "exposure revenue_dashboard reads 2 models (dim_customers, orders_summary v2); at most 1"
    ]


def test_a_time_spine_is_known_by_its_yaml_or_by_dbts_older_name(tmp_path):
    """Before dbt 1.9 the semantic layer's time spine was the model named
    `metricflow_time_spine`; from 1.9 its YAML says `time_spine:`. Either generates its dates."""
    spine = f"model.{PKG}.metricflow_time_spine"

    def older(manifest: dict) -> None:
        manifest["nodes"][spine].pop("time_spine", None)

    def renamed(manifest: dict) -> None:
        older(manifest)
        manifest["nodes"][spine]["name"] = "dates"

    config = rule_config(tmp_path, "modeling.root_model")
    for edit, flagged in ((older, False), (renamed, True)):
        (tmp_path / edit.__name__).mkdir()
        project = edited_bouncer(tmp_path / edit.__name__, edit)
        found = short_ids(by_code(gate(project, config).findings, "modeling.root_model"))
        assert ("metricflow_time_spine" in found) is flagged, (edit.__name__, found)
