"""A failed unit test (dbt 1.8+: `unit_tests:` in a model's properties YAML, which the manifest
keeps apart from its nodes) is its model's problem, as a failed data test on the model is: the
model's owner and tier, the `- name:` of its entry under `unit_tests:`, a message naming it and
its model, a waiver or `check --select` of the model covering it, and the waiver `check`
suggests naming the model. A small project written here, gated by `dbtgate check` run in this
process (the code under test, whichever dbtgate a subprocess would import)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dbtgate import cli
from dbtgate.artifacts import load_artifacts
from dbtgate.checks import CheckContext
from dbtgate.config import Config
from dbtgate.project import Project
from dbtgate.status.results import run_outcomes
from dbtgate.status.run import run_status

PROPERTIES = "models/marts/finance/_finance.yml"
YAML = textwrap.dedent(
    """\
    version: 2
    models:
      - name: fct_orders
        config:
          meta: {owner: "@finance", tier: 1}
        columns:
          - name: order_id
            data_tests:
              - not_null
      - name: fct_refunds
        config:
          meta: {owner: "@finance", tier: 1}

    unit_tests:
      - name: test_dollars
        model: fct_refunds
        given: []
        expect: {rows: []}
      - name: test_dollars
        model: fct_orders
        given: []
        expect: {rows: []}
    """
)
LINES = YAML.splitlines()
# Two models have a unit test `test_dollars`: fct_orders' is the second entry.
UNIT_TEST_LINE = LINES.index("    model: fct_orders")  # the `- name:` above it, 1-based
DATA_TEST_LINE = LINES.index("          - not_null") + 1
assert LINES[UNIT_TEST_LINE - 1] == "  - name: test_dollars"

MODEL = "model.acme.fct_orders"
UNIT_TEST = "unit_test.acme.fct_orders.test_dollars"
OTHER_UNIT_TEST = "unit_test.acme.fct_refunds.test_dollars"
DATA_TEST = "test.acme.not_null_fct_orders_order_id.5d6e4f5a1b"
# dbt's message for a failed unit test: the rows that differ, coloured (without --no-use-colors).
UNIT_TEST_MESSAGE = (
    "\n\n\x1b[32mactual\x1b[0m differs from \x1b[31mexpected\x1b[0m:\n\n"
    "\x1b[0;1m@@\x1b[0m\x1b[33m,\x1b[0m\x1b[0;1mamount\x1b[0m\r\n"
    "\x1b[31;1m\x1b[34;1m\u2192\x1b[32;1m\x1b[0m \x1b[33m,\x1b[0m\x1b[31;1m99.0\x1b[34;1m"
    "\u2192\x1b[32;1m10.0\x1b[0m\r\n\n"
)


def _model(name: str, parents: list[str]) -> dict:
    return {
        "name": name,
        "resource_type": "model",
        "package_name": "acme",
        "path": f"marts/finance/{name}.sql",
        "original_file_path": f"models/marts/finance/{name}.sql",
        "patch_path": f"acme://{PROPERTIES}",
        "unique_id": f"model.acme.{name}",
        "fqn": ["acme", "marts", "finance", name],
        "config": {"materialized": "table", "meta": {"owner": "@finance", "tier": 1}},
        "meta": {"owner": "@finance", "tier": 1},
        "columns": {"order_id": {"name": "order_id"}} if name == "fct_orders" else {},
        "depends_on": {"nodes": [f"model.acme.{p}" for p in parents]},
    }


def _unit_test(model: str) -> dict:
    return {
        "model": model,
        "name": "test_dollars",
        "resource_type": "unit_test",
        "package_name": "acme",
        "path": "marts/finance/_finance.yml",
        "original_file_path": PROPERTIES,
        "unique_id": f"unit_test.acme.{model}.test_dollars",
        "depends_on": {"nodes": [f"model.acme.{model}"]},
    }


def write_build(
    directory: Path, statuses: dict[str, str], *, which: str = "test", unit_tests: bool = True
) -> Path:
    """The project `acme` (stg_orders -> fct_orders; fct_refunds) with its properties YAML, a
    `not_null` test and a unit test `test_dollars` on fct_orders (and one of that name on
    fct_refunds), and the results of `dbt <which>`: `statuses` by unique_id, every other test
    passed. Returns the project's directory."""
    (directory / "models/marts/finance").mkdir(parents=True)
    (directory / "dbt_project.yml").write_text("name: acme\nprofile: acme\n")
    (directory / PROPERTIES).write_text(YAML)
    nodes = {
        node["unique_id"]: node
        for node in (
            _model("stg_orders", []),
            _model("fct_orders", ["stg_orders"]),
            _model("fct_refunds", []),
        )
    }
    nodes[DATA_TEST] = {
        "name": "not_null_fct_orders_order_id",
        "resource_type": "test",
        "package_name": "acme",
        "path": "not_null_fct_orders_order_id.sql",
        "original_file_path": PROPERTIES,
        "unique_id": DATA_TEST,
        "fqn": ["acme", "marts", "finance", "not_null_fct_orders_order_id"],
        "column_name": "order_id",
        "attached_node": MODEL,
        "test_metadata": {"name": "not_null", "kwargs": {"column_name": "order_id"}},
        "depends_on": {"nodes": [MODEL]},
    }
    metadata = {"invocation_id": "b1d0c3e2-0000-4000-8000-000000000001"}
    manifest = {
        "metadata": {
            **metadata,
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.11.2",
            "project_name": "acme",
            "generated_at": "2026-03-02T10:00:00Z",
        },
        "nodes": nodes,
        "sources": {},
        "unit_tests": {
            uid: _unit_test(model)
            for uid, model in ((UNIT_TEST, "fct_orders"), (OTHER_UNIT_TEST, "fct_refunds"))
            if unit_tests
        },
    }
    ran = [DATA_TEST, UNIT_TEST, OTHER_UNIT_TEST] if unit_tests else [DATA_TEST]
    if which == "build":
        ran = [*nodes, *ran[1:]]
    results = []
    for uid in dict.fromkeys([*ran, *statuses]):
        status = statuses.get(uid, "pass" if uid.startswith(("test.", "unit_test.")) else "success")
        unit = uid.startswith("unit_test.")
        results.append(
            {
                "unique_id": uid,
                "status": status,
                "message": UNIT_TEST_MESSAGE if unit and status == "fail" else None,
                "failures": (1 if unit else 2) if status == "fail" else 0,
                "execution_time": 0.1,
            }
        )
    run_results = {
        "metadata": {
            **metadata,
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json",
            "generated_at": "2026-03-02T10:00:00Z",
        },
        "args": {"which": which},
        "results": results,
    }
    target = directory / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "run_results.json").write_text(json.dumps(run_results))
    return directory


def check(project: Path, *args: str, config: str = "version: 1\n") -> tuple[int, dict]:
    """`dbtgate check` in the project: its exit code and JSON report."""
    (project / "dbtgate.yml").write_text(config)
    report = project / "gate.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        code = cli.dispatch(["check", "-q", "--json", str(report), *args])
    assert code in (0, 1)
    return code, json.loads(report.read_text())


def findings_of(report: dict, code: str = "run.test_failures") -> dict[str, dict]:
    return {f["unique_id"]: f for f in report["findings"] if f["code"] == code}


def test_a_failed_unit_test_is_reported_as_a_failed_data_test_on_its_model_is(tmp_path):
    project = write_build(tmp_path, {DATA_TEST: "fail", UNIT_TEST: "fail"})
    code, report = check(project)
    assert code == 1
    found = findings_of(report)
    assert set(found) == {DATA_TEST, UNIT_TEST}
    data_test, unit_test = found[DATA_TEST], found[UNIT_TEST]
    for finding in (data_test, unit_test):
        assert finding["disposition"] == "blocking"
        assert (finding["owner"], finding["tier"]) == ("@finance", 1)
        assert finding["path"] == PROPERTIES
        assert finding["details"]["tested_resource"] == MODEL
    assert data_test["line"] == DATA_TEST_LINE
    # Its own entry under `unit_tests:`, not fct_refunds' of the same name above it.
    assert unit_test["line"] == UNIT_TEST_LINE
    assert (unit_test["resource_name"], unit_test["resource_type"]) == ("test_dollars", "unit_test")
    assert data_test["message"] == (
        "test not_null_fct_orders_order_id on fct_orders.order_id failed: 2 failing rows"
    )
    assert unit_test["message"] == (
        "unit test test_dollars on fct_orders failed: the model's output differs from the "
        "expected rows"
    )
    assert "`dbt test --select unit_test:test_dollars`" in unit_test["fix"]
    # dbt's table of the rows that differ is the evidence, without the terminal's colours.
    assert unit_test["details"]["message"] == (
        "actual differs from expected:\n@@,amount\n\u2192 ,99.0\u219210.0"
    )


def test_a_waiver_or_a_selection_of_the_model_covers_its_unit_tests(tmp_path):
    project = write_build(tmp_path, {UNIT_TEST: "fail"})
    code, report = check(project)
    assert code == 1
    # The waiver `check` suggests names the model and its owner, as for a data test.
    entry = report["sections"]["suggested_waiver"]["entry"]
    assert (entry["rule"], entry["select"], entry["owner"]) == (
        "run.test_failures",
        MODEL,
        "@finance",
    )
    waived = textwrap.dedent(
        """\
        version: 1
        waivers:
          - {rule: run.test_failures, select: fct_orders, reason: "fixed in #12",
             owner: "@finance", expires: 2099-12-31}
        """
    )
    code, report = check(project, config=waived)
    assert code == 0
    assert findings_of(report)[UNIT_TEST]["disposition"] == "waived"
    assert not findings_of(report, "waiver.stale")
    # `check --select` of the model keeps its unit test's failure, of another model not.
    code, report = check(project, "--select", "fct_orders")
    assert code == 1
    assert set(findings_of(report)) == {UNIT_TEST}
    code, report = check(project, "--select", "fct_refunds")
    assert code == 0
    assert not findings_of(report)


def test_skips_after_a_unit_test_name_it_and_a_skipped_unit_test_names_its_cause(tmp_path):
    """`dbt build` runs a model's unit tests first and skips the model when one fails, with
    the model's data tests; a unit test is skipped by a failure above its model."""
    project = write_build(
        tmp_path,
        {UNIT_TEST: "fail", MODEL: "skipped", DATA_TEST: "skipped"},
        which="build",
    )
    _, report = check(project)
    skipped = findings_of(report, "run.skipped")
    assert skipped[DATA_TEST]["message"] == (
        "test not_null_fct_orders_order_id was skipped: unit test test_dollars on fct_orders "
        "failed upstream, so it was neither built nor tested"
    )
    assert skipped[MODEL]["message"].startswith(
        "model fct_orders was skipped: unit test test_dollars on fct_orders failed,"
    )

    errored = write_build(
        tmp_path / "errored",
        {"model.acme.stg_orders": "error", UNIT_TEST: "skipped", MODEL: "skipped"},
        which="build",
    )
    _, report = check(errored)
    unit_test = findings_of(report, "run.skipped")[UNIT_TEST]
    assert unit_test["message"] == (
        "unit test test_dollars on fct_orders was skipped: model stg_orders errored upstream, "
        "so it was neither built nor tested"
    )
    assert (unit_test["owner"], unit_test["line"]) == ("@finance", UNIT_TEST_LINE)
    assert unit_test["details"]["tested_resource"] == MODEL


def test_a_failed_unit_test_the_base_build_does_not_have_is_said_to_be_new(tmp_path):
    base = Project.from_artifacts(
        load_artifacts(write_build(tmp_path / "base", {}, unit_tests=False) / "target")
    )
    pr = Project.from_artifacts(
        load_artifacts(write_build(tmp_path / "pr", {UNIT_TEST: "fail"}) / "target")
    )
    findings = run_status(CheckContext(project=pr, config=Config(), base=base))
    (finding,) = [f for f in findings if f.code == "run.test_failures"]
    assert finding.message.endswith(
        "differs from the expected rows; the unit test is new in this change"
    )


def test_the_lineage_marks_a_model_whose_unit_test_failed(tmp_path):
    """`dbt test` apart from the build: the model ran, its unit test failed."""
    target = write_build(tmp_path, {UNIT_TEST: "fail"}) / "target"
    project = Project.from_artifacts(load_artifacts(target))
    assert run_outcomes(project, [MODEL, "model.acme.fct_refunds"]) == {MODEL: "test failed"}


def without_unit_test_results(project: Path, *, disable: bool = False) -> Project:
    """The build as `dbt build --exclude test_type:unit` leaves it: no unit test ran (and, with
    `disable`, fct_orders' unit test is disabled in its config, as Fusion keeps one)."""
    target = project / "target"
    results = json.loads((target / "run_results.json").read_text())
    results["results"] = [
        r for r in results["results"] if not r["unique_id"].startswith("unit_test.")
    ]
    (target / "run_results.json").write_text(json.dumps(results))
    if disable:
        manifest = json.loads((target / "manifest.json").read_text())
        manifest["unit_tests"][UNIT_TEST]["config"] = {"enabled": False}
        (target / "manifest.json").write_text(json.dumps(manifest))
    return Project.from_artifacts(load_artifacts(target))


def test_a_changed_model_built_without_its_unit_tests_is_not_run(tmp_path):
    """Its data tests ran, its unit tests did not: the logic the pull request changed was
    built and never tested against the rows its unit tests give, as a data test left out is."""
    project = without_unit_test_results(write_build(tmp_path, {}, which="build"))
    ctx = CheckContext(project=project, config=Config(), changed={MODEL, UNIT_TEST})
    (finding,) = [f for f in run_status(ctx) if f.code == "run.not_run"]
    assert finding.unique_id == MODEL
    assert finding.message == (
        f"model fct_orders changed and was built, but 1 of its 1 unit tests did not run "
        f"(e.g. {UNIT_TEST})"
    )
    assert finding.details == {"unit_tests_not_run": [UNIT_TEST]}
    assert finding.fix.startswith("Build it and its tests: `dbt build --select fct_orders`")
    # fct_refunds changed instead: its own unit test is named, not fct_orders' of that name.
    ctx = CheckContext(project=project, config=Config(), changed={"model.acme.fct_refunds"})
    (finding,) = [f for f in run_status(ctx) if f.code == "run.not_run"]
    assert finding.unique_id == "model.acme.fct_refunds"
    assert finding.details == {"unit_tests_not_run": [OTHER_UNIT_TEST]}


def test_a_disabled_unit_test_is_never_reported_as_not_run(tmp_path):
    project = without_unit_test_results(write_build(tmp_path, {}, which="build"), disable=True)
    ctx = CheckContext(project=project, config=Config(), changed={MODEL})
    assert [f for f in run_status(ctx) if f.code == "run.not_run"] == []


def test_a_build_with_a_disabled_unit_test_loads(tmp_path):
    """dbt-core keeps a unit test disabled in its config among the manifest's `disabled`
    nodes, with its checksum a string where a node's is an object: the manifest was refused
    ('field of unexpected type'), and no project with one could be gated."""
    target = write_build(tmp_path, {}) / "target"
    manifest = json.loads((target / "manifest.json").read_text())
    disabled = {**_unit_test("fct_orders"), "name": "test_later", "checksum": "4f04a0ba"}
    disabled["unique_id"] = "unit_test.acme.fct_orders.test_later"
    disabled["config"] = {"enabled": False}
    manifest["disabled"] = {disabled["unique_id"]: [disabled]}
    (target / "manifest.json").write_text(json.dumps(manifest))
    project = Project.from_artifacts(load_artifacts(target))
    assert project.unit_tests_by_model[MODEL] == [UNIT_TEST]
