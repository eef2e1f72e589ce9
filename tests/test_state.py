"""What counts as changed against the base: what a reviewer would call a change, nothing else."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from corpus import CORPUS

from dbtgate.artifacts import load_artifacts
from dbtgate.artifacts.manifest import written_config
from dbtgate.diff.compare import diff_projects
from dbtgate.project import Project
from dbtgate.state import COMPARED_NODE_TYPES, compare_builds, in_scope

PKG = "dbt_bouncer_test_project"
ORDERS = f"model.{PKG}.orders"
ORDERS_UNIT_TEST = f"unit_test.{PKG}.orders.test_amount_logic"


def corpus_project(name: str) -> Project:
    path = CORPUS / name
    if not path.is_dir():
        pytest.skip(f"corpus absent: {path}")
    return Project.from_artifacts(load_artifacts(path))


@pytest.fixture(scope="module")
def bouncer_json() -> dict:
    path = CORPUS / "bouncer-dbt112" / "manifest.json"
    if not path.is_file():
        pytest.skip(f"corpus absent: {path}")
    return json.loads(path.read_text())


def project_from(data: dict, directory: Path) -> Project:
    """A Project from a (mutated) real manifest written to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "manifest.json").write_text(json.dumps(data))
    return Project.from_artifacts(load_artifacts(directory))


def test_the_same_project_built_by_another_dbt_version_has_no_changes():
    changes = compare_builds(corpus_project("bouncer-dbt111"), corpus_project("bouncer-dbt110"))
    assert (changes.new, changes.modified, changes.deleted) == ([], {}, [])
    # dbt 1.10 and 1.11 are different minor versions: the SQL is compared by its text.
    assert changes.body_compared_by == "raw_code"


def test_checksums_that_differ_across_dbt_versions_are_not_a_body_change():
    current, base = corpus_project("bouncer-dbt112"), corpus_project("bouncer-dbt110")
    differing = [
        uid
        for uid, node in current.nodes.items()
        if uid in base.nodes and node.checksum != base.nodes[uid].checksum
    ]
    assert len(differing) > 30  # dbt 1.12 hashes the same files differently
    changes = compare_builds(current, base)
    assert not [uid for uid, reasons in changes.modified.items() if "body" in reasons]


def test_fusion_build_of_the_same_project_reads_as_unmodified_models():
    changes = compare_builds(corpus_project("bouncer-dbt20"), corpus_project("bouncer-dbt112"))
    models = {uid for uid in changes.modified if uid.startswith("model.")}
    assert models == set()


def test_a_real_pull_request_pair_shows_its_new_and_modified_models():
    changes = compare_builds(corpus_project("recce-pair/pr2"), corpus_project("recce-pair/base"))
    assert changes.new == [
        "model.jaffle_shop.int_customer_orders",
        "model.jaffle_shop.int_customer_payments",
    ]
    assert changes.modified == {"model.jaffle_shop.customers": ["body"]}
    assert changes.body_compared_by == "checksum"


def test_a_moved_file_is_not_new_and_modified_only_in_its_fqn(bouncer_json, tmp_path):
    """dbt's `state:modified` selects a file moved to another folder (its fqn, which the
    folder's config in dbt_project.yml hangs on): the change set holds it, by that alone."""
    moved = copy.deepcopy(bouncer_json)
    node = moved["nodes"][ORDERS]
    node["original_file_path"] = "models/marts/sales/orders.sql"
    node["path"] = "marts/sales/orders.sql"
    node["fqn"] = [PKG, "marts", "sales", "orders"]
    node["patch_path"] = f"{PKG}://models/marts/sales/_sales.yml"
    changes = compare_builds(
        project_from(moved, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert ORDERS not in changes.new
    assert changes.modified == {ORDERS: ["fqn"]}


def test_nodes_parsed_again_unchanged_are_equal_records(bouncer_json, tmp_path):
    """Two builds parsed apart stamp every node with their own parse time (`created_at`): the
    change set, the schema diff and the base's KPIs read such a node as its base's record, not
    as one to compare field by field, and a real edit is still seen."""
    parsed_later = copy.deepcopy(bouncer_json)
    for node in parsed_later["nodes"].values():
        node["created_at"] = (node.get("created_at") or 0) + 3600.5
    parsed_later["nodes"][ORDERS]["description"] = "Orders, one row each."
    pr = project_from(parsed_later, tmp_path / "pr")
    base = project_from(bouncer_json, tmp_path / "base")
    changes = compare_builds(pr, base)
    assert changes.modified == {ORDERS: ["description"]}
    unchanged = [
        uid
        for uid, node in pr.nodes.items()
        if node.resource_type in COMPARED_NODE_TYPES and uid in base.nodes and uid != ORDERS
    ]
    assert len(unchanged) > 30
    assert all(pr.same_record(base, uid) for uid in unchanged)
    assert not pr.same_record(base, ORDERS)


def test_the_schema_diff_reads_nodes_parsed_again_unchanged_as_their_base(bouncer_json, tmp_path):
    """A caller of the schema diff alone (no change set filled in the comparisons first) and
    the nodes the change set does not compare (an operation) read a node parsed again unchanged
    as its base's record too: the diff reports nothing, each relation settled by its record."""
    parsed_later = copy.deepcopy(bouncer_json)
    for node in parsed_later["nodes"].values():
        node["created_at"] = (node.get("created_at") or 0) + 3600.5
    catalog = (CORPUS / "bouncer-dbt112" / "catalog.json").read_text()
    for folder in (tmp_path / "pr", tmp_path / "base"):
        folder.mkdir()
        (folder / "catalog.json").write_text(catalog)
    pr = project_from(parsed_later, tmp_path / "pr")
    base = project_from(bouncer_json, tmp_path / "base")
    diff = diff_projects(base, pr)
    assert (diff.changes, diff.unknown) == ([], [])
    relations = [
        uid for uid, node in pr.nodes.items() if node.resource_type in ("model", "seed", "snapshot")
    ]
    assert len(relations) > 30
    assert all(pr.same_built(base, uid) for uid in relations)
    operations = [uid for uid, node in pr.nodes.items() if node.resource_type == "operation"]
    assert operations
    assert all(pr.same_record(base, uid) for uid in operations)
    assert pr.nodes[operations[0]].created_at != base.nodes[operations[0]].created_at


def test_environment_dependent_config_is_not_a_change(bouncer_json, tmp_path):
    other_env = copy.deepcopy(bouncer_json)
    for node in other_env["nodes"].values():
        node["database"] = "prod_db"
        node["schema"] = "analytics_prod"
        node["relation_name"] = '"prod_db"."analytics_prod"."x"'
        node["config"]["schema"] = "analytics_prod"
        node["config"]["database"] = "prod_db"
    changes = compare_builds(
        project_from(other_env, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {}


def test_a_relation_setting_written_anew_is_a_change(bouncer_json, tmp_path):
    """`schema: finance` or `alias: customers` added in the pull request moves the relation
    (dbt's state:modified.relation): a change, unlike the same config resolved by another
    environment (above)."""
    edited = copy.deepcopy(bouncer_json)
    node = edited["nodes"][ORDERS]
    node["config"]["schema"] = node["unrendered_config"]["schema"] = "finance"
    node["config"]["alias"] = node["unrendered_config"]["alias"] = "orders_all"
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {ORDERS: ["config.alias", "config.schema"]}


def test_a_sources_freshness_set_is_one_difference_not_two(bouncer_json, tmp_path):
    """dbt 1.10+ writes a source's freshness and loaded_at_field at its top, under `config`
    and under its config as written: a release's table read "loaded_at_field, freshness,
    config.freshness, config.loaded_at_field" of one edit."""
    edited = copy.deepcopy(bouncer_json)
    uid, source = next(iter(edited["sources"].items()))
    freshness = {"warn_after": {"count": 1, "period": "day"}, "error_after": None, "filter": None}
    for where in (source, source.setdefault("config", {}), source["unrendered_config"]):
        where["freshness"] = freshness
        where["loaded_at_field"] = "_loaded_at"
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {uid: ["loaded_at_field", "freshness"]}


def test_yaml_only_edits_modify_the_model(bouncer_json, tmp_path):
    edited = copy.deepcopy(bouncer_json)
    node = edited["nodes"][ORDERS]
    column = next(iter(node["columns"]))
    node["columns"][column]["description"] = "A new, better description."
    node["config"]["meta"] = {**node["config"].get("meta", {}), "owner": "@finance"}
    node["meta"] = {**node.get("meta", {}), "owner": "@finance"}
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {ORDERS: ["config.meta", f"column {column.lower()} description"]}


def test_a_removed_test_modifies_the_model_it_tested(bouncer_json, tmp_path):
    edited = copy.deepcopy(bouncer_json)
    test_id = next(
        uid
        for uid, node in edited["nodes"].items()
        if node["resource_type"] == "test" and node.get("attached_node") == ORDERS
    )
    del edited["nodes"][test_id]
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {ORDERS: ["tests"]}
    assert changes.deleted == [test_id]


def test_a_new_checksum_under_the_same_dbt_version_is_a_body_change(bouncer_json, tmp_path):
    edited = copy.deepcopy(bouncer_json)
    edited["nodes"][ORDERS]["checksum"]["checksum"] = "0" * 64
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {ORDERS: ["body"]}


def _external_model(generated_at: str) -> dict:
    """A public model of another project, as dbt-core writes one a cross-project `ref` reads
    (`ModelNode.from_args`): no file, and a checksum of its id and publication time."""
    uid = "model.core_platform.dim_accounts"
    return {
        "unique_id": uid,
        "name": "dim_accounts",
        "resource_type": "model",
        "package_name": "core_platform",
        "path": "",
        "original_file_path": "",
        "fqn": ["core_platform", "dim_accounts"],
        "checksum": {"name": "sha256", "checksum": f"{uid},{generated_at}"},
        "relation_name": '"core"."prod"."dim_accounts"',
        "access": "public",
        "config": {"materialized": "table"},
        "depends_on": {"nodes": [], "macros": []},
        "columns": {},
    }


def test_another_projects_model_is_no_change_of_this_one(bouncer_json, tmp_path):
    """dbt mesh: the upstream project republished (its model's checksum is its publication
    time), or this project started to read it: neither is a change this project builds, and
    `run.not_run` blocked every pull request on it."""
    base, pr = copy.deepcopy(bouncer_json), copy.deepcopy(bouncer_json)
    base["nodes"]["model.core_platform.dim_accounts"] = _external_model("2026-11-01T00:00:00Z")
    pr["nodes"]["model.core_platform.dim_accounts"] = _external_model("2026-12-01T00:00:00Z")
    changes = compare_builds(project_from(pr, tmp_path / "pr"), project_from(base, tmp_path / "b"))
    assert (changes.new, changes.modified, changes.deleted) == ([], {}, [])
    changes = compare_builds(
        project_from(pr, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "none")
    )
    assert changes.new == []
    changes = compare_builds(
        project_from(bouncer_json, tmp_path / "none"), project_from(base, tmp_path / "b")
    )
    assert changes.deleted == []


def test_scope_includes_the_tests_and_unit_tests_of_changed_resources(bouncer_json, tmp_path):
    edited = copy.deepcopy(bouncer_json)
    edited["nodes"][ORDERS]["checksum"]["checksum"] = "0" * 64
    project = project_from(edited, tmp_path / "pr")
    scope = in_scope(
        compare_builds(project, project_from(bouncer_json, tmp_path / "base")), project
    )
    tests = {t.unique_id for t in project.tests_on(ORDERS)}
    assert tests and scope == {ORDERS, ORDERS_UNIT_TEST} | tests


CENTS = f"macro.{PKG}.cents_to_dollars"


def test_a_macros_yaml_and_sql_edits_modify_it_and_what_calls_it(bouncer_json, tmp_path):
    edited = copy.deepcopy(bouncer_json)
    macro = edited["macros"][CENTS]
    macro["description"] = "Dollars from cents."
    macro["arguments"][0]["description"] = ""
    macro["macro_sql"] = "{% macro cents_to_dollars(column_name) %} 0 {% endmacro %}"
    # dbt's own macros' YAML changes with dbt, not in the pull request.
    edited["macros"]["macro.dbt.run_query"]["description"] = "Runs a query."
    del edited["macros"][f"macro.{PKG}.apply_grants"]
    del edited["macros"]["macro.dbt.statement"]
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {
        CENTS: ["description", "arguments", "body"],
        f"model.{PKG}.stg_payments": ["macros"],  # it calls cents_to_dollars
    }
    assert changes.deleted == [f"macro.{PKG}.apply_grants"]
    assert changes.new == []


def test_signature_arguments_are_no_change_across_dbt_versions(bouncer_json, tmp_path):
    """dbt-core 1.12 lists the arguments of a macro's signature that its YAML leaves out, with
    no description; dbt 1.11 does not. Between builds of one dbt version they are a change."""
    older = copy.deepcopy(bouncer_json)
    older["metadata"]["dbt_version"] = "1.11.12"
    newer = copy.deepcopy(bouncer_json)
    newer["macros"][CENTS]["arguments"].append({"name": "scale", "type": None, "description": ""})
    pr = project_from(newer, tmp_path / "pr")
    assert compare_builds(pr, project_from(older, tmp_path / "older")).modified == {}
    same_version = compare_builds(pr, project_from(bouncer_json, tmp_path / "base"))
    assert same_version.modified == {CENTS: ["arguments"]}


@pytest.mark.slow
def test_the_fixture_pull_request_changes_exactly_what_its_readme_lists(shop_builds):
    base = Project.from_artifacts(load_artifacts(shop_builds.base / "target"))
    pr = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"))
    changes = compare_builds(pr, base)
    assert [uid for uid in changes.new if uid.startswith("model.")] == [
        "model.shop.customer_segments"
    ]
    assert "test.shop.not_null_customer_ltv_avg_order_value.d09aefd175" in changes.new
    assert changes.modified == {
        "model.shop.customer_ltv": ["body", "column avg_order_value added", "tests"],
        "model.shop.int_order_payments": ["body"],
        "model.shop.orders_summary.v2": [
            "body",
            "column item_count removed",
            "column total_amount data_type",
            # dbt's checksum of the enforced contract (its columns and types) changed with them.
            "contract",
        ],
        # YAML-only: the description changed, the SQL did not.
        "model.shop.stg_payments": ["description"],
    }
    # finance_revenue moved lines in _marts.yml and orders_summary.v1 shares a YAML file with
    # v2: neither changed.
    assert changes.deleted == []


# -- unit tests ------------------------------------------------------------------------------------


def without_unit_test(manifest: dict) -> dict:
    """The manifest before `orders` had its unit test."""
    edited = copy.deepcopy(manifest)
    del edited["unit_tests"][ORDERS_UNIT_TEST]
    return edited


def test_a_unit_test_added_to_an_unchanged_model_modifies_it(bouncer_json, tmp_path):
    """A unit test added is new, and its model is modified by it, as by a data test added: its
    failure is the change's under `scope: changed`."""
    pr = project_from(bouncer_json, tmp_path / "pr")
    changes = compare_builds(pr, project_from(without_unit_test(bouncer_json), tmp_path / "b"))
    assert changes.new == [ORDERS_UNIT_TEST]
    assert changes.modified == {ORDERS: ["unit tests"]}
    assert changes.deleted == []
    assert ORDERS_UNIT_TEST in in_scope(changes, pr)


def test_a_unit_test_edited_is_compared_by_dbts_checksum(bouncer_json, tmp_path):
    """Within one dbt version, as dbt-core's state:modified: the checksum of its definition
    (given with its rows, expect, overrides), which dbt writes anew when they change."""
    edited = copy.deepcopy(bouncer_json)
    edited["unit_tests"][ORDERS_UNIT_TEST]["checksum"] = "0" * 64
    changes = compare_builds(
        project_from(edited, tmp_path / "pr"), project_from(bouncer_json, tmp_path / "base")
    )
    assert changes.modified == {
        ORDERS: ["unit tests"],
        ORDERS_UNIT_TEST: ["unit test definition"],
    }
    assert (changes.new, changes.deleted) == ([], [])


def test_a_unit_test_removed_or_disabled_is_deleted_and_modifies_nothing(bouncer_json, tmp_path):
    """Nothing a removal did can fail: dbt's `state:modified+` builds nothing of the model, so
    the model is not made a change that run.not_run would want built."""
    base = project_from(bouncer_json, tmp_path / "base")
    removed = compare_builds(project_from(without_unit_test(bouncer_json), tmp_path / "r"), base)
    disabled_json = copy.deepcopy(bouncer_json)
    disabled_json["unit_tests"][ORDERS_UNIT_TEST]["config"]["enabled"] = False
    disabled = compare_builds(project_from(disabled_json, tmp_path / "d"), base)
    for changes in (removed, disabled):
        assert (changes.new, changes.modified) == ([], {})
        assert changes.deleted == [ORDERS_UNIT_TEST]


def test_across_dbt_versions_a_unit_test_is_compared_by_its_definition(bouncer_json, tmp_path):
    """The checksum's text is dbt's, and not compared across versions: the given rows, the
    expected rows and the overrides are, and not the description or config."""
    older = copy.deepcopy(bouncer_json)
    older["metadata"]["dbt_version"] = "1.11.12"
    base = project_from(older, tmp_path / "older")
    untouched = copy.deepcopy(bouncer_json)
    untouched["unit_tests"][ORDERS_UNIT_TEST]["checksum"] = "0" * 64
    untouched["unit_tests"][ORDERS_UNIT_TEST]["description"] = "Amounts by payment method."
    untouched["unit_tests"][ORDERS_UNIT_TEST]["config"]["tags"] = ["finance"]
    assert compare_builds(project_from(untouched, tmp_path / "same"), base).modified == {}
    expected = copy.deepcopy(bouncer_json)
    expected["unit_tests"][ORDERS_UNIT_TEST]["expect"]["rows"][0]["amount"] = 11
    given = copy.deepcopy(bouncer_json)
    given["unit_tests"][ORDERS_UNIT_TEST]["given"][0]["rows"].append({"order_id": 4})
    for name, edited in (("expect", expected), ("given", given)):
        changes = compare_builds(project_from(edited, tmp_path / name), base)
        assert changes.modified == {
            ORDERS: ["unit tests"],
            ORDERS_UNIT_TEST: ["unit test definition"],
        }, name


def test_fusion_and_dbt_core_unit_tests_are_matched_by_model_name_and_version():
    """dbt-core names a versioned model's unit test `test_x_v2`, Fusion `test_x.v2`, and
    Fusion writes no checksum nor `versions`, and names a fixture file by its path: the same
    project's unit tests are neither new nor modified."""
    for pr, base in (("bouncer-dbt20", "bouncer-dbt112"), ("bouncer-dbt112", "bouncer-dbt20")):
        changes = compare_builds(corpus_project(pr), corpus_project(base))
        touched = [*changes.new, *changes.modified, *changes.deleted]
        assert [uid for uid in touched if uid.startswith("unit_test.")] == [], pr
        assert not [uid for uid, why in changes.modified.items() if "unit tests" in why], pr


def test_configs_written_alike_are_kept_once_and_each_resource_reads_its_own(
    bouncer_json, tmp_path
):
    """The config as written is kept as JSON for the change set: the nodes that wrote the same
    text share one copy (most do: `{}`, a folder's settings), and a node that wrote another
    keeps its own, readable after the manifest's file is closed."""
    data = copy.deepcopy(bouncer_json)
    models = sorted(uid for uid in data["nodes"] if uid.startswith("model."))
    first, second, third = models[:3]
    for uid in (first, second):
        data["nodes"][uid]["unrendered_config"] = {"materialized": "view"}
    data["nodes"][third]["unrendered_config"] = {"materialized": "table", "post-hook": ["x"]}
    nodes = project_from(data, tmp_path).nodes
    assert nodes[first].written_config is nodes[second].written_config
    assert written_config(nodes[second]) == {"materialized": "view"}
    assert written_config(nodes[third]) == {"materialized": "table", "post-hook": ["x"]}
    changed = copy.deepcopy(data)
    changed["nodes"][second]["unrendered_config"]["materialized"] = "table"
    later = project_from(changed, tmp_path / "pr")
    assert set(compare_builds(later, project_from(data, tmp_path / "base")).modified) == {second}
