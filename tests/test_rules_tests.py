"""The tests family: tested keys, tests per model, coverage of a selection, relationships."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable

import pytest
from corpus import corpus_dir
from policy_support import (
    by_code,
    corpus_manifest_project,
    corpus_project,
    edited_bouncer,
    gate,
    rule_config,
    write_config,
)

from dbtgate.artifacts import load_artifacts
from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding
from dbtgate.locate import display_path, display_root
from dbtgate.project import Project
from dbtgate.state import compare_builds
from dbtgate.status.kpi import model_counts

PKG = "dbt_bouncer_test_project"


def test_primary_key_is_missing_where_unique_or_not_null_is_missing(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model resource_type:snapshot"
            rules: {tests.primary_key: error}
        """,
    )
    findings = by_code(gate(project, config).findings, "tests.primary_key")
    assert {f.unique_id for f in findings} == {
        f"model.{PKG}.int_exclude_via_meta_config",
        f"snapshot.{PKG}.snapshot_orders",
        f"snapshot.{PKG}.snapshot_orders_multiple_unique_keys",
    }
    half = next(f for f in findings if f.unique_id.endswith("int_exclude_via_meta_config"))
    assert half.message == (
        "int_exclude_via_meta_config has no tested primary key: id has unique but no not_null test"
    )
    assert (
        half.fix
        == "Add a `not_null` test to id (or a primary_key constraint under an enforced contract)."
    )
    assert half.severity == "error"
    assert half.details["unique"] == ["id"]


def _without_unique_test(uid: str, *, enforced: bool) -> Callable[[dict], None]:
    """An edit of the bouncer manifest: `uid` loses its unique test (its primary_key constraint
    is then the only guard of its key) and its contract is enforced or not."""

    def edit(manifest: dict) -> None:
        nodes = manifest["nodes"]
        for test_id in [
            test_id
            for test_id, node in nodes.items()
            if node.get("attached_node") == uid
            and (node.get("test_metadata") or {}).get("name") == "unique"
        ]:
            del nodes[test_id]
        nodes[uid]["contract"]["enforced"] = enforced
        nodes[uid]["config"]["contract"]["enforced"] = enforced

    return edit


def _pk_untested_by_kpi(project: Project) -> set[str]:
    """The root package's models the scorecard does not count as key-tested."""
    return {
        model.unique_id
        for model in project.models()
        if model.package_name == project.root_package
        and not model_counts(project, model, None, None)[2]
    }


def test_a_primary_key_constraint_counts_unless_told_otherwise(tmp_path):
    customers = f"model.{PKG}.customers.v1"
    project = edited_bouncer(tmp_path, _without_unique_test(customers, enforced=True))
    accepting = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "customers.v1"
            rules: {tests.primary_key: error}
        """,
    )
    assert by_code(gate(project, accepting).findings, "tests.primary_key") == []
    assert customers not in _pk_untested_by_kpi(project)
    strict = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "customers.v1"
            rules: {tests.primary_key: {severity: error, accept_constraints: false}}
        """,
        name="strict.yml",
    )
    [finding] = by_code(gate(project, strict).findings, "tests.primary_key")
    assert finding.message.endswith("customer_id has not_null but no unique test")


def test_a_constraint_without_an_enforced_contract_proves_no_key(tmp_path):
    """dbt puts constraints in the DDL only under an enforced contract: without one the
    primary_key constraint guarantees nothing, for the rule and the scorecard alike."""
    customers = f"model.{PKG}.customers.v1"
    project = edited_bouncer(tmp_path, _without_unique_test(customers, enforced=False))
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {tests.primary_key: error}
        """,
    )
    flagged = {f.unique_id for f in by_code(gate(project, config).findings, "tests.primary_key")}
    assert customers in flagged
    assert flagged == _pk_untested_by_kpi(project)


def _key_flagged(project: Project, tmp_path) -> set[str]:
    """The models tests.primary_key flags; the scorecard's pk_tested must leave the same out."""
    config = rule_config(tmp_path, "tests.primary_key", "error", "resource_type:model")
    flagged = {f.unique_id for f in by_code(gate(project, config).findings, "tests.primary_key")}
    assert flagged == _pk_untested_by_kpi(project)
    return flagged


def test_a_key_test_of_one_column_proves_only_its_uniqueness(tmp_path):
    """A composite-key test that lists one column is a `unique` test: without not_null on that
    column it proves no key, for the rule and the scorecard alike."""
    model = f"model.{PKG}.int_disabled_model"  # no test but the compound one, no not_null
    project = edited_bouncer(tmp_path, _compound_test_of(model, ["id"]))
    assert model not in _key_flagged(corpus_project("bouncer-dbt112"), tmp_path / "corpus")
    [finding] = [
        f
        for f in by_code(
            gate(project, rule_config(tmp_path, "tests.primary_key", "error")).findings,
            "tests.primary_key",
        )
        if f.unique_id == model
    ]
    assert finding.message == (
        "int_disabled_model has no tested primary key: id has unique but no not_null test"
    )
    assert model in _key_flagged(project, tmp_path / "flagged")


def test_a_key_test_of_one_column_with_not_null_proves_the_key(tmp_path):
    model = f"model.{PKG}.int_model_1"  # not_null on id
    project = edited_bouncer(tmp_path, _compound_test_of(model, ["id"]))
    assert model not in _key_flagged(project, tmp_path)


def test_a_key_test_of_one_column_with_a_not_null_constraint_proves_the_key(tmp_path):
    model = f"model.{PKG}.int_disabled_model"
    compound = _compound_test_of(model, ["ID"])

    def edit(manifest: dict) -> None:
        compound(manifest)
        node = manifest["nodes"][model]
        node["contract"]["enforced"] = node["config"]["contract"]["enforced"] = True
        node["columns"] = {
            "id": {"name": "id", "data_type": "integer", "constraints": [{"type": "not_null"}]}
        }

    assert model not in _key_flagged(edited_bouncer(tmp_path, edit), tmp_path)


def test_min_per_model_counts_generic_and_singular_tests(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {tests.min_per_model: {severity: warn, min: 3}}
        """,
    )
    findings = by_code(gate(project, config).findings, "tests.min_per_model")
    flagged = {f.unique_id.split(".", 2)[2]: f.details["tests"] for f in findings}
    assert flagged == {
        "py_order_stats": 2,
        "stg_raw_orders_for_snapshot": 2,
        "stg_customers": 2,
        "metricflow_time_spine": 2,
        "int_exclude_via_meta_config": 1,
        "int_incremental": 2,
        "int_disabled_model": 1,
    }
    assert all(f.severity == "warn" for f in findings)


def test_coverage_is_one_finding_for_the_selection_at_the_policy_line(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "package:tiktok_ads"
            rules:
              tests.coverage: {severity: error, min: 0.8}
          - select: "*"
            rules:
              tests.coverage: {severity: error, min: 0.8}
        """,
    )
    findings = by_code(gate(project, config).findings, "tests.coverage")
    assert len(findings) == 1  # the root project's models are all tested
    [finding] = findings
    assert finding.unique_id is None
    # The config file as every finding path is named (from its repository's root; absolute
    # outside one, as here), and the rule's line in it.
    assert (finding.path, finding.line) == (display_path(config, display_root(config.parent)), 5)
    assert finding.details["tested"] == 13
    assert finding.details["total"] == 24
    assert finding.message.startswith("13 of 24 selected models are tested (54% < 80%)")
    assert "model.tiktok_ads.stg_tiktok_ads__location" in finding.details["untested"]
    assert finding.disposition == "blocking"


COVERAGE_SCOPED = """\
    version: 1
    scope: changed
    policies:
      - select: "package:tiktok_ads"
        rules: {tests.coverage: {severity: error, min: 0.8}}
      - select: "package:dbt_bouncer_test_project"
        rules: {tests.coverage: {severity: error, min: 1.0}}
    """


def _untested(models: set[str]):
    """An edit of the bouncer manifest that deletes the tests of `models`."""

    def edit(data: dict) -> None:
        for uid, node in list(data["nodes"].items()):
            if node["resource_type"] == "test" and node.get("attached_node") in models:
                del data["nodes"][uid]

    return edit


def _coverage_by_policy(result) -> dict[str, Finding]:
    return {f.details["policy"]: f for f in by_code(result.findings, "tests.coverage")}


def test_coverage_a_base_build_already_below_is_outside_the_change(tmp_path):
    base = corpus_project("bouncer-dbt112")
    pr = edited_bouncer(tmp_path, _untested(set()))
    config = write_config(tmp_path / "config", COVERAGE_SCOPED)
    found = _coverage_by_policy(gate(pr, config, base=base, changed=set()))
    assert list(found) == ["package:tiktok_ads"]  # the root project is all tested
    legacy = found["package:tiktok_ads"]
    assert legacy.disposition == "out_of_scope"
    assert legacy.message.endswith("; 54.2% (13/24) in the base build: not lowered by this change")


def test_coverage_the_change_that_fails_or_lowers_it_is_gated(tmp_path):
    base = corpus_project("bouncer-dbt112")
    pr = edited_bouncer(
        tmp_path,
        _untested(
            {
                "model.dbt_bouncer_test_project.stg_orders",
                "model.tiktok_ads.tiktok_ads__ad_report",
            }
        ),
    )
    config = write_config(tmp_path / "config", COVERAGE_SCOPED)
    found = _coverage_by_policy(gate(pr, config, base=base, changed=set()))
    fails = found["package:dbt_bouncer_test_project"]
    assert fails.disposition == "blocking"
    assert fails.message.startswith("13 of 14 selected models are tested (93% < 100%)")
    assert fails.message.endswith("; the base build passes it: this change fails it")
    lowers = found["package:tiktok_ads"]
    assert lowers.disposition == "blocking"
    assert lowers.details["tested"] == 12
    assert lowers.message.endswith("; 54.2% (13/24) in the base build: this change lowers it")
    # Without a base build there is nothing to tell legacy from new: both are gated, unworded.
    alone = _coverage_by_policy(gate(pr, config))
    assert {f.disposition for f in alone.values()} == {"blocking"}
    assert not any("base build" in f.message for f in alone.values())


def test_coverage_on_a_state_selector_is_the_changes(tmp_path):
    """`state:modified` selects what the change touched: its shortfall is the change's, with no
    base build's share to compare (the base build has no `state`)."""
    base = corpus_project("bouncer-dbt112")
    stg_orders = f"model.{PKG}.stg_orders"
    untested = _untested({stg_orders})

    def edit(data: dict) -> None:  # its tests removed and its SQL edited: what dbt builds
        untested(data)
        data["nodes"][stg_orders]["checksum"]["checksum"] = "0" * 64

    pr = edited_bouncer(tmp_path, edit)
    config = write_config(
        tmp_path / "config",
        """\
        version: 1
        scope: changed
        policies:
          - select: "state:modified"
            rules: {tests.coverage: {severity: error, min: 0.8}}
        """,
    )
    changes = compare_builds(pr, base)
    assert changes.modified[stg_orders] == ["body", "tests"]
    result = gate(pr, config, base=base, changed={stg_orders}, sections={"changes": changes})
    [found] = by_code(result.findings, "tests.coverage")
    assert found.message.startswith("0 of 1 selected models are tested")
    assert found.disposition == "blocking"
    assert "base build" not in found.message


def test_coverage_fingerprint_does_not_depend_on_where_dbtgate_runs(tmp_path, monkeypatch):
    project = corpus_project("bouncer-dbt112")
    text = """\
        version: 1
        policies:
          - select: "package:tiktok_ads"
            rules: {tests.coverage: {min: 0.9}}
        """
    config = write_config(tmp_path, text)
    first = by_code(gate(project, config).findings, "tests.coverage")[0]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    second = by_code(gate(project, config).findings, "tests.coverage")[0]
    assert first.fingerprint == second.fingerprint
    # In a repository, the path does not depend on it either.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    third = by_code(gate(project, config).findings, "tests.coverage")[0]
    assert third.path == "dbtgate.yml"
    assert third.fingerprint == first.fingerprint


@pytest.mark.slow
def test_relationships_to_parents_flags_a_parent_key_without_a_test(shop_builds, tmp_path):
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    config = write_config(
        tmp_path,
        """\
        version: 1
        policies:
          - select: "resource_type:model"
            rules: {tests.relationships_to_parents: warn}
        """,
    )
    findings = by_code(gate(project, config).findings, "tests.relationships_to_parents")
    assert [(f.unique_id, f.column_name, f.path, f.line) for f in findings] == [
        (
            "model.shop.int_order_items_priced",
            "product_id",
            "models/intermediate/_intermediate.yml",
            17,
        )
    ]
    assert findings[0].details["parent"] == "model.shop.stg_products"


def test_unit_tests_are_counted_per_model_version(tmp_path):
    """The bouncer project unit-tests orders and customers (v3 by one test, v1 and v2 by a
    second, which dbt writes once per version): every other model of the root project is
    reported."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    package = manifest["metadata"]["project_name"]
    tested = {
        uid for test in manifest["unit_tests"].values() for uid in test["depends_on"]["nodes"]
    }
    models = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["package_name"] == package
    }
    assert f"model.{package}.orders" in tested and f"model.{package}.customers.v3" in tested
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), rule_config(tmp_path, "tests.unit_tests")).findings,
        "tests.unit_tests",
    )
    assert {f.unique_id for f in findings} == models - tested
    [finding] = [f for f in findings if f.unique_id == f"model.{package}.stg_orders"]
    assert finding.message == "stg_orders has 0 unit tests, the policy asks for at least 1"


def unit_test_formats(project: Project, tmp_path, setting: str) -> dict[str, str]:
    config = rule_config(tmp_path, "tests.unit_test_formats", setting)
    findings = by_code(gate(project, config).findings, "tests.unit_test_formats")
    return {f.key: f.message for f in findings}


def test_unit_test_formats_on_the_bouncer_build(tmp_path):
    """dbt-bouncer's check_unit_test_given_formats and check_unit_test_expect_format: the
    customers tests give stg_customers as sql and stg_payments as csv, orders' test only dicts;
    every test expects dicts."""
    raw = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())["unit_tests"]
    # The truth, read with plain json: the unit tests that give something other than dicts.
    not_dicts = sorted(
        uid for uid, test in raw.items() if {g["format"] for g in test["given"]} != {"dict"}
    )
    assert len(not_dicts) == 3
    project = corpus_project("bouncer-dbt112")
    found = unit_test_formats(project, tmp_path, "{given: [dict]}")
    assert sorted(found) == not_dicts
    assert found[f"unit_test.{PKG}.customers.test_clv_logic_v3"] == (
        "unit test test_clv_logic of customers v3 gives ref('stg_customers') as sql, "
        "ref('stg_payments') as csv (allowed: dict)"
    )
    # sql is what dbt needs for ephemeral inputs: allowed, only the csv input is named.
    found = unit_test_formats(project, tmp_path, "{given: [dict, sql]}")
    assert sorted(found) == not_dicts
    assert all(
        m.endswith("gives ref('stg_payments') as csv (allowed: dict, sql)") for m in found.values()
    )
    # Every expectation is dict: one finding per unit test under `expect: [csv]`, which leaves
    # the given formats all allowed.
    found = unit_test_formats(project, tmp_path, "{expect: [csv]}")
    assert sorted(found) == sorted(raw)
    assert not [message for message in found.values() if " gives " in message]
    assert found[f"unit_test.{PKG}.orders.test_amount_logic"] == (
        "unit test test_amount_logic of orders expects its rows as dict (allowed: csv)"
    )


def test_unit_test_formats_reports_a_fusion_test_once_on_the_model_it_tests(tmp_path):
    """dbt Fusion lists customers v3 after v1 in the depends_on of v1's unit test: the test is
    judged on v1, the model it tests, not again on v3."""
    findings = by_code(
        gate(
            corpus_project("bouncer-dbt20"),
            rule_config(tmp_path, "tests.unit_test_formats", "{given: [dict]}"),
        ).findings,
        "tests.unit_test_formats",
    )
    tests = f"unit_test.{PKG}.customers"
    assert sorted((f.key, f.unique_id) for f in findings) == [
        (f"{tests}.test_clv_logic.v3", f"model.{PKG}.customers.v3"),
        (f"{tests}.test_clv_logic_historical.v1", f"model.{PKG}.customers.v1"),
        (f"{tests}.test_clv_logic_historical.v2", f"model.{PKG}.customers.v2"),
    ]


def test_unit_test_formats_reads_a_missing_format_as_dict(tmp_path):
    def edit(manifest: dict) -> None:
        test = manifest["unit_tests"][f"unit_test.{PKG}.orders.test_amount_logic"]
        del test["expect"]["format"]
        test["given"][0]["format"] = "csv"
        del test["given"][1]["format"]

    found = unit_test_formats(
        edited_bouncer(tmp_path, edit), tmp_path, "{given: [dict], expect: [dict]}"
    )
    assert found[f"unit_test.{PKG}.orders.test_amount_logic"] == (
        "unit test test_amount_logic of orders gives ref('stg_orders') as csv (allowed: dict)"
    )


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("warn", "set `given` and/or `expect` to fewer formats"),
        ("{given: []}", "given: give at least one format"),
        ("{expect: [json]}", r"expect: expected list of dict \| csv \| sql"),
    ],
)
def test_unit_test_formats_refuses_options_that_check_nothing(tmp_path, setting, problem):
    config = rule_config(tmp_path, "tests.unit_test_formats", setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{problem}"):
        gate(corpus_project("bouncer-dbt112"), config)


def test_unit_tests_on_a_manifest_older_than_dbt_1_8_checks_nothing_and_says_so(tmp_path):
    """An organisation's one config, on a project still on dbt 1.7: no finding on every model
    (there are no unit tests to count), no stopped gate, a note saying why."""
    project = corpus_manifest_project("schema-versions/manifest_v11.json")
    result = gate(project, rule_config(tmp_path, "tests.unit_tests"))
    assert [f for f in result.findings if f.code == "tests.unit_tests"] == []
    assert (
        "dbtgate.yml:5: tests.unit_tests reads unit tests, which a manifest of dbt 1.8 or later "
        "records, which this build does not have, so it checked nothing"
    ) in [note.replace(str(tmp_path) + "/", "") for note in result.notes]


def required_config(tmp_path, tests: str):
    return rule_config(tmp_path, "tests.required", f"{{severity: warn, tests: {tests}}}")


def test_required_tests_by_name_on_a_real_build(tmp_path):
    """The truth read with plain json: each root-project resource's generic tests by name
    (dbt 1.12 names the tested resource in attached_node)."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    package = manifest["metadata"]["project_name"]
    counts: dict[str, dict[str, int]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test" and node.get("test_metadata"):
            by_name = counts.setdefault(node["attached_node"], {})
            name = node["test_metadata"]["name"].lower()
            by_name[name] = by_name.get(name, 0) + 1
    subjects = [
        uid
        for uid, r in [*manifest["nodes"].items(), *manifest["sources"].items()]
        if r["resource_type"] in ("model", "seed", "snapshot", "source")
        and r["package_name"] == package
    ]
    expected = {
        uid
        for uid in subjects
        if counts.get(uid, {}).get("unique", 0) < 1 or counts.get(uid, {}).get("not_null", 0) < 2
    }
    assert 0 < len(expected) < len(subjects)  # some pass, some do not
    findings = by_code(
        gate(
            corpus_project("bouncer-dbt112"), required_config(tmp_path, "{NOT_NULL: 2, unique: 1}")
        ).findings,
        "tests.required",
    )
    assert {f.unique_id for f in findings} == expected
    [finding] = [f for f in findings if f.unique_id == f"model.{package}.stg_orders"]
    assert finding.message == "stg_orders lacks tests the policy asks for: NOT_NULL (1 of 2)"
    assert finding.details["missing"] == {"NOT_NULL": {"found": 1, "min": 2}}


def test_required_tests_accept_a_package_prefix_or_none(tmp_path):
    project = corpus_project("bouncer-dbt112")
    by_kind = {
        (t.namespace, t.kind)
        for tests in project.tests_by_resource.values()
        for t in tests
        if t.namespace
    }
    namespace, kind = sorted(by_kind)[0]
    tested = {
        uid
        for uid, tests in project.tests_by_resource.items()
        if any(t.kind == kind and t.namespace == namespace for t in tests)
    }
    for name in (kind, f"{namespace}.{kind}"):
        findings = gate(project, required_config(tmp_path, f"{{{name}: 1}}")).findings
        flagged = {f.unique_id for f in by_code(findings, "tests.required")}
        assert tested and not (flagged & tested), name


@pytest.mark.parametrize(
    ("tests", "problem"),
    [("{}", "give at least one name"), ("{unique: -1}", "expected counts of 0 or more")],
)
def test_required_tests_need_names_and_counts(tmp_path, tests, problem):
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*tests\.required.*{problem}"):
        gate(corpus_project("bouncer-dbt112"), required_config(tmp_path, tests))


def test_required_test_groups_count_any_of_their_tests(tmp_path):
    """A group is dbt-checkpoint's check-model-has-tests-by-group: a key proven by `unique` or
    by a composite-key test; the truth read with plain json, as above."""
    manifest = json.loads((corpus_dir("bouncer-dbt112") / "manifest.json").read_text())
    package = manifest["metadata"]["project_name"]
    keyed = set()
    for node in manifest["nodes"].values():
        name = ((node.get("test_metadata") or {}).get("name") or "").lower()
        if name in ("unique", "expect_compound_columns_to_be_unique"):
            keyed.add(node["attached_node"])
    subjects = {
        uid
        for uid, r in [*manifest["nodes"].items(), *manifest["sources"].items()]
        if r["resource_type"] in ("model", "seed", "snapshot", "source")
        and r["package_name"] == package
    }
    config = rule_config(
        tmp_path,
        "tests.required",
        "{groups: [{tests: [Unique, dbt_expectations.expect_compound_columns_to_be_unique]}]}",
    )
    project = corpus_project("bouncer-dbt112")
    findings = by_code(gate(project, config).findings, "tests.required")
    assert 0 < len(subjects - keyed) < len(subjects)
    assert {f.unique_id for f in findings} == subjects - keyed


def test_a_required_test_group_counts_each_test_once(tmp_path):
    config = rule_config(
        tmp_path,
        "tests.required",
        "{tests: {not_null: 1}, groups: [{tests: [unique, accepted_values], min: 2}]}",
    )
    findings = by_code(gate(corpus_project("bouncer-dbt112"), config).findings, "tests.required")
    messages = {f.unique_id.split(".", 2)[2]: f.message for f in findings}
    # stg_orders has one test of each name: 2 of 2; customers v1 a unique test only.
    assert "stg_orders" not in messages
    assert messages["customers.v1"] == (
        "customers v1 lacks tests the policy asks for: unique or accepted_values (1 of 2)"
    )
    assert messages["int_disabled_model"] == (
        "int_disabled_model lacks tests the policy asks for: not_null (0 of 1), "
        "unique or accepted_values (0 of 2)"
    )
    [finding] = [f for f in findings if f.unique_id.endswith(".customers.v1")]
    assert finding.details["missing"] == {}
    assert finding.details["missing_groups"] == [
        {"tests": ["unique", "accepted_values"], "found": 1, "min": 2}
    ]


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("warn", "set `tests` and/or `groups`"),
        ("{groups: []}", "give at least one group"),
        ("{groups: [{tests: []}]}", "a group needs `tests`"),
        ("{groups: [{tests: [unique], mn: 1}]}", "unknown key 'mn' in a group"),
        ("{groups: [{tests: [unique], min: -1}]}", "a group's `min` is a count of 0 or more"),
        ("{groups: [unique]}", "expected list of {tests: [name, ...], min: count}"),
    ],
)
def test_required_test_groups_must_name_tests(tmp_path, setting, problem):
    config = rule_config(tmp_path, "tests.required", setting)
    with pytest.raises(DbtgateError, match=rf"dbtgate\.yml:5: .*{re.escape(problem)}"):
        gate(corpus_project("bouncer-dbt112"), config)


def _compound_test_of(model: str, columns: list[str]) -> Callable[[dict], None]:
    """An edit of the bouncer manifest: the dbt_expectations compound-uniqueness test of
    `model` lists `columns`."""

    def edit(manifest: dict) -> None:
        for node in manifest["nodes"].values():
            metadata = node.get("test_metadata") or {}
            if node.get("attached_node") == model and metadata.get("name") == (
                "expect_compound_columns_to_be_unique"
            ):
                metadata["kwargs"]["column_list"] = columns

    return edit


def test_unique_at_column_level_reports_a_compound_test_of_one_column(tmp_path):
    model = f"model.{PKG}.int_model_1"
    project = edited_bouncer(tmp_path, _compound_test_of(model, ["id"]))
    config = rule_config(tmp_path, "tests.unique_at_column_level")
    findings = by_code(gate(project, config).findings, "tests.unique_at_column_level")
    # int_disabled_model's test lists two columns, id and name: a composite key, which passes.
    assert [(f.unique_id, f.column_name, f.message, f.fix) for f in findings] == [
        (
            model,
            "id",
            "int_model_1 tests the uniqueness of id alone with "
            "dbt_expectations.expect_compound_columns_to_be_unique, a model-level test",
            "Replace dbt_expectations.expect_compound_columns_to_be_unique with a `unique` test "
            "on column id.",
        )
    ]
    assert findings[0].key.startswith("test.")


def test_unique_at_column_level_passes_the_corpus_build(tmp_path):
    project = corpus_project("bouncer-dbt112")
    config = rule_config(tmp_path, "tests.unique_at_column_level")
    assert by_code(gate(project, config).findings, "tests.unique_at_column_level") == []


def test_min_per_model_counts_the_tests_of_source_tables(tmp_path):
    config = rule_config(tmp_path, "tests.min_per_model", "{min: 1}", "resource_type:source")
    findings = by_code(
        gate(corpus_project("bouncer-dbt112"), config).findings, "tests.min_per_model"
    )
    # dummy_source.customers has a not_null test on id; the three sources that do not really
    # exist have none (the tiktok_ads package's sources are not gated).
    assert sorted(f.unique_id.rsplit(".", 1)[-1] for f in findings) == [
        "Non_Conforming_Name",
        "source_1",
        "source_2",
    ]
    assert findings[0].message.startswith("source sources_that_dont_really_exist.")
    assert findings[0].message.endswith(" has 0 tests, the policy asks for at least 1")


def _where_findings(project: Project, tmp_path, setting: str, select: str) -> dict[str, str]:
    config = rule_config(tmp_path, "tests.where_config", setting, select)
    findings = by_code(gate(project, config).findings, "tests.where_config")
    return {f.unique_id.split(".")[2]: f.message for f in findings}


def test_where_config_asks_each_generic_test_for_a_filter(tmp_path):
    """dbt-bouncer's check_test_has_where_config: of the bouncer project's intermediate models'
    generic tests, three filter on `id is not null`; four have no filter."""
    project = corpus_project("bouncer-dbt112")
    intermediate = "resource_type:test,path:models/intermediate"
    assert _where_findings(project, tmp_path, "warn", intermediate) == {
        name: f"test {name} has no where config"
        for name in (
            "dbt_expectations_expect_compound_columns_to_be_unique_int_disabled_model_id__name",
            "dbt_expectations_expect_compound_columns_to_be_unique_int_model_1_id__name",
            "not_null_int_model_1_id",
            "values_below_threshold_int_model_1_id__10",
        )
    }
    with_pattern = _where_findings(project, tmp_path, "{pattern: created_at}", intermediate)
    assert len(with_pattern) == 7
    assert with_pattern["unique_int_incremental_id"] == (
        "test unique_int_incremental_id's where config (id is not null) has no match for the "
        "pattern created_at"
    )
    # Bouncer's regexp_pattern `id` (matched at the start) is `^id`: the three filters pass.
    assert len(_where_findings(project, tmp_path, "{pattern: '^id'}", intermediate)) == 4
    # The singular test (tests/assert_something.sql), on which dbt ignores `where`, is not judged.
    everything = _where_findings(project, tmp_path, "warn", "resource_type:test")
    assert "test_assert_something" not in everything
    assert len(everything) == 38
    # `*` selects no tests.
    assert _where_findings(project, tmp_path, "warn", "*") == {}


def test_where_config_reads_the_filter_dbt_rendered(tmp_path):
    def edit(manifest: dict) -> None:
        test = manifest["nodes"][f"test.{PKG}.not_null_int_model_1_id.da20a8abb3"]
        test["config"]["where"] = "_loaded_at >= current_date - 3"
        test = manifest["nodes"][f"test.{PKG}.unique_int_incremental_id.bcc2dabd60"]
        test["config"]["where"] = "  "

    project = edited_bouncer(tmp_path, edit)
    found = _where_findings(
        project,
        tmp_path,
        "{pattern: '_loaded_at|id is'}",
        "resource_type:test,path:models/intermediate",
    )
    # The edited filter matches; the other two still filter on `id is not null`.
    assert sorted(found) == [
        "dbt_expectations_expect_compound_columns_to_be_unique_int_disabled_model_id__name",
        "dbt_expectations_expect_compound_columns_to_be_unique_int_model_1_id__name",
        "unique_int_incremental_id",
        "values_below_threshold_int_model_1_id__10",
    ]
    assert (
        found["unique_int_incremental_id"] == "test unique_int_incremental_id has no where config"
    )


def test_where_config_pattern_is_a_config_error_at_its_line_unless_a_regex(tmp_path):
    config = rule_config(
        tmp_path, "tests.where_config", "{pattern: '[created'}", "resource_type:test"
    )
    with pytest.raises(DbtgateError, match=r"dbtgate\.yml:5: .*pattern: not a regular expression"):
        gate(corpus_project("bouncer-dbt112"), config)


@pytest.mark.slow
def test_where_config_on_the_fixtures_tests(shop_builds, tmp_path):
    """The fixture's generic tests set no filter; its singular test is not judged."""
    project = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    found = _where_findings(project, tmp_path, "warn", "resource_type:test")
    generic = sorted(
        node.name
        for node in project.nodes.values()
        if node.resource_type == "test" and node.test_metadata is not None
    )
    assert sorted(found) == generic
    assert len(generic) > 30
    assert "assert_paid_orders_have_items" in {n.name for n in project.nodes.values()}
