"""The run rules on real run_results: failures, errors, skips, unbuilt changes, stale and slow runs."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS, corpus_dir, corpus_files, file_id
from dbt_read import dbt_read, needs_dbt_core
from policy_support import write_config

from dbtgate.artifacts import ArtifactSet, load_artifacts, load_manifest, load_run_results
from dbtgate.checks import CheckContext
from dbtgate.config import Config
from dbtgate.gate import run_gate
from dbtgate.locate import Locator
from dbtgate.project import Project
from dbtgate.report.html import render_html
from dbtgate.report.markdown import render_markdown
from dbtgate.report.publish import gate_report
from dbtgate.status.run import reason_of, run_status

RUN_RESULTS = corpus_files("**/run_results*.json")
# The dbt 1.9 `dbt build` pair in schema-versions/: manifest and run_results of one invocation.
BUILD_MANIFEST_NAME = "manifest_v12_dbt1.9.json"
BUILD_RESULTS_NAME = "run_results_v6.json"
# From fixtures/README.md, "The pull request", change 5.
PLANTED_TEST = "test.shop.not_null_customer_ltv_avg_order_value.d09aefd175"
PLANTED_LINE = 123
# dbt-duckdb 1.11's message for a model whose SQL and enforced contract differ, as run_results.json
# holds it (a column retyped; one more row of each other reason dbt writes).
CONTRACT_ERROR = (
    "Compilation Error in model orders_summary (models/marts/orders_summary_v2.sql)\n"
    "  This model has an enforced contract that failed.\n"
    "  Please ensure the name, data_type, and number of columns in your contract match the "
    "columns in your model's definition.\n  \n"
    "  | column_name | definition_type | contract_type | mismatch_reason    |\n"
    "  | ----------- | --------------- | ------------- | ------------------ |\n"
    "  | order_date  | VARCHAR         | DATE          | data type mismatch |\n"
    "  | email       |                 | VARCHAR       | missing in definition |\n"
    "  | note        | INTEGER         |               | missing in contract |\n"
    "  \n  \n"
    "  > in macro assert_columns_equivalent (macros/relations/column/columns_spec_ddl.sql)\n"
    "  > called by macro default__get_assert_columns_equivalent "
    "(macros/relations/column/columns_spec_ddl.sql)\n"
    "  > called by model orders_summary (models/marts/orders_summary_v2.sql)"
)


def context(artifacts: ArtifactSet, **kwargs) -> CheckContext:
    project = Project.from_artifacts(artifacts, kwargs.pop("project_dir", None))
    return CheckContext(project=project, config=kwargs.pop("config", Config()), **kwargs)


def manifest_for(run_results: Path) -> Path:
    """The corpus manifest of the same dbt invocation, else a small unrelated one: the status
    rules only need the manifest for names, owners and tiers."""
    invocation = json.loads(run_results.read_text())["metadata"]["invocation_id"]
    for manifest in sorted(CORPUS.glob("**/manifest*.json")):
        with manifest.open() as handle:
            head = handle.read(4000)
        if invocation in head:
            return manifest
    return CORPUS / "ticketswap-dbt19" / "manifest.json"


def pair(manifest: Path, run_results: Path) -> ArtifactSet:
    return ArtifactSet(
        run_results.parent, load_manifest(manifest), run_results=load_run_results(run_results)
    )


def ephemeral_models(manifest: Path) -> set[str]:
    nodes = json.loads(manifest.read_text())["nodes"]
    return {
        uid
        for uid, node in nodes.items()
        if (node.get("config") or {}).get("materialized") == "ephemeral"
    }


def expected_status_counts(raw: dict, ephemeral: set[str]) -> Counter:
    """What the run rules must report, computed from the raw JSON alone (and which models are
    ephemeral: Fusion writes `skipped` for them, which is no skipped build)."""
    expected: Counter = Counter()
    for result in raw["results"]:
        uid, status = result["unique_id"], result["status"]
        test = uid.startswith(("test.", "unit_test."))
        if test and status in ("fail", "error", "runtime error"):
            expected[("run.test_failures", "error")] += 1
        elif test and status == "warn":
            expected[("run.test_failures", "warn")] += 1
        elif not test and status in ("error", "runtime error", "partial success"):
            expected[("run.errors", "error")] += 1
        elif status == "skipped" and uid not in ephemeral:
            expected[("run.skipped", "warn")] += 1
    return expected


def status_counts(findings) -> Counter:
    codes = {"run.test_failures", "run.errors", "run.skipped"}
    return Counter((f.code, f.severity) for f in findings if f.code in codes)


@pytest.mark.parametrize("path", RUN_RESULTS, ids=file_id)
def test_statuses_of_each_corpus_run_match_the_raw_json(path):
    raw = json.loads(path.read_text())
    findings = list(run_status(context(pair(manifest_for(path), path))))
    expected = expected_status_counts(raw, ephemeral_models(manifest_for(path)))
    assert status_counts(findings) == expected
    assert {f.unique_id for f in findings if f.code == "run.errors"} == {
        r["unique_id"]
        for r in raw["results"]
        if r["status"] == "error" and not r["unique_id"].startswith("test.")
    }


def test_corpus_holds_an_errored_model_and_skipped_models(tmp_path):
    """The statuses test above is only as good as the statuses the corpus has."""
    v4 = corpus_dir("schema-versions") / "run_results_v4.json"
    findings = list(run_status(context(pair(manifest_for(v4), v4))))
    errors = [f for f in findings if f.code == "run.errors"]
    assert [f.unique_id for f in errors] == ["model.jaffle_shop.test_insert_overwrite"]
    # dbt's header (what the finding already says) gives way to the warehouse's reason.
    assert "errored: Database Error: Query error: No matching signature for function" in (
        errors[0].message
    )
    # Fusion writes `skipped` for its three ephemeral models, which no dbt builds: not a
    # skipped build (nothing upstream failed), hence no finding. A skipped table is one.
    fusion = corpus_dir("bouncer-dbt20") / "run_results.json"
    manifest = json.loads(manifest_for(fusion).read_text())
    raw = json.loads(fusion.read_text())
    skipped = [r["unique_id"] for r in raw["results"] if r["status"] == "skipped"]
    assert len(skipped) == 3
    assert all(manifest["nodes"][uid]["config"]["materialized"] == "ephemeral" for uid in skipped)
    assert not [
        f
        for f in run_status(context(pair(manifest_for(fusion), fusion)))
        if f.code == "run.skipped"
    ]
    orders = "model.dbt_bouncer_test_project.orders"
    assert manifest["nodes"][orders]["config"]["materialized"] == "table"
    for result in raw["results"]:
        if result["unique_id"] == orders:
            result.update(status="skipped", message="Skipped")
    planted = tmp_path / "run_results.json"
    planted.write_text(json.dumps(raw))
    [table] = [
        f
        for f in run_status(context(pair(manifest_for(fusion), planted)))
        if f.code == "run.skipped"
    ]
    assert table.unique_id == orders


@pytest.mark.parametrize("path", RUN_RESULTS, ids=file_id)
def test_failing_statuses_in_every_schema_version_become_findings(path, tmp_path):
    """The corpus runs mostly pass: plant failures in a copy of each file, in its own schema."""
    raw = json.loads(path.read_text())
    tests = [r for r in raw["results"] if r["unique_id"].startswith("test.")]
    others = [r for r in raw["results"] if not r["unique_id"].startswith("test.")]
    if tests:
        tests[0].update(
            status="fail", failures=7, message="Got 7 results, configured to fail if != 0"
        )
    if len(tests) > 1:
        tests[1].update(
            status="warn", failures=1, message="Got 1 result, configured to warn if != 0"
        )
    if len(tests) > 2:
        tests[2].update(
            status="error", failures=None, message="Runtime Error\n  column x not found"
        )
    others[0].update(status="error", message="Database Error in model x\n  syntax error")
    others[-1].update(status="skipped", message="SKIP")
    planted = tmp_path / "run_results.json"
    planted.write_text(json.dumps(raw))
    findings = list(run_status(context(pair(manifest_for(path), planted))))
    expected = expected_status_counts(raw, ephemeral_models(manifest_for(path)))
    assert status_counts(findings) == expected
    by_uid = {f.unique_id: f for f in findings}
    if tests:
        failed = by_uid[tests[0]["unique_id"]]
        assert failed.severity == "error"
        assert "failed: 7 failing rows" in failed.message
        assert failed.details["failures"] == 7
    if len(tests) > 1:
        warned = by_uid[tests[1]["unique_id"]]
        assert warned.severity == "warn"
        assert "warned: 1 failing row" in warned.message
    if len(tests) > 2:
        assert "errored: Runtime Error: column x not found" in by_uid[tests[2]["unique_id"]].message
    assert "errored: Database Error: syntax error" in by_uid[others[0]["unique_id"]].message


def test_results_of_docs_generate_are_noted_as_compile_only():
    build = corpus_dir("bouncer-dbt112")
    ctx = context(load_artifacts(build))
    findings = list(run_status(ctx))
    assert findings == []
    [note] = [note for note in ctx.notes if "which compiles without running" in note]
    assert "written by `dbt docs generate`" in note
    # The build's results are gone: the way back is to build again, then keep them.
    assert note.endswith(
        "(run `dbt build` again, and give `dbt docs generate` or `dbt compile` a `--target-path` "
        "of its own)"
    )


def bouncer_results_of(tmp_path: Path, which: str, *, only_tests: bool = False):
    """The bouncer build with run_results.json as if written by `dbt <which>` (its test
    results only, with `only_tests`), loaded; and a model that is not ephemeral."""
    build = corpus_dir("bouncer-dbt112")
    shutil.copy(build / "manifest.json", tmp_path / "manifest.json")
    results = json.loads((build / "run_results.json").read_text())
    results["args"]["which"] = which
    if only_tests:
        results["results"] = [r for r in results["results"] if r["unique_id"].startswith("test.")]
    (tmp_path / "run_results.json").write_text(json.dumps(results))
    artifacts = load_artifacts(tmp_path)
    model = next(
        uid
        for uid, node in artifacts.manifest.data.nodes.items()
        if node.resource_type == "model" and node.config.materialized != "ephemeral"
    )
    return artifacts, model


@pytest.mark.parametrize(
    ("which", "typed"),
    [
        ("generate", "dbt docs generate"),
        ("docs.generate", "dbt docs generate"),
        ("compile", "dbt compile"),
        ("parse", "dbt parse"),
        ("ls", "dbt ls"),
        ("show", "dbt show"),
    ],
)
def test_compile_only_results_name_the_command_as_typed(tmp_path, which, typed):
    """run_results.json records `args.which`, the subcommand's last word; the message names the
    command a user would type (there is no `dbt generate`)."""
    artifacts, model = bouncer_results_of(tmp_path, which)
    ctx = context(artifacts, changed={model})
    [not_run] = [f for f in run_status(ctx) if f.code == "run.not_run"]
    assert f"run_results.json is from `{typed}`, which does not run anything" in not_run.message
    assert any(f"written by `{typed}`, which compiles" in note for note in ctx.notes)


def test_a_model_missing_from_the_results_of_dbt_test_says_dbt_test_builds_nothing(tmp_path):
    """`dbt run && dbt test` leaves the tests' run_results.json: a changed model has no result
    because `dbt test` builds none, which the finding says instead of 'it has no result'."""
    artifacts, model = bouncer_results_of(tmp_path, "test", only_tests=True)
    findings = [f for f in run_status(context(artifacts, changed={model})) if f.unique_id == model]
    assert [f.code for f in findings] == ["run.not_run"]
    assert findings[0].message.endswith(
        "changed but was not built: run_results.json is from `dbt test`, which builds no models "
        "(gate a `dbt build`)"
    )


# -- run.not_run --------------------------------------------------------------------------------


def build_pair(tmp_path: Path, edit_results=None, edit_manifest=None) -> Path:
    """A copy of the dbt 1.9 build pair, with its run_results (or manifest) edited."""
    source = corpus_dir("schema-versions")
    target = tmp_path / "target"
    target.mkdir()
    manifest = json.loads((source / BUILD_MANIFEST_NAME).read_text())
    results = json.loads((source / BUILD_RESULTS_NAME).read_text())
    if edit_results:
        edit_results(results)
    if edit_manifest:
        edit_manifest(manifest)
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "run_results.json").write_text(json.dumps(results))
    return target


def another_invocation(artifact: dict) -> None:
    """The same files as written by another dbt invocation (a base build is never the PR's)."""
    artifact["metadata"]["invocation_id"] = "00000000-0000-4000-8000-000000000000"


def first_tested_model(raw_manifest: dict) -> tuple[str, list[str]]:
    """A model that has tests, with its test ids, read from the raw manifest."""
    tests: dict[str, list[str]] = {}
    for uid, node in raw_manifest["nodes"].items():
        if node["resource_type"] == "test" and node.get("attached_node"):
            tests.setdefault(node["attached_node"], []).append(uid)
    model = sorted(m for m in tests if m.startswith("model."))[0]
    return model, sorted(tests[model])


def test_changed_model_without_a_result_blocks(tmp_path):
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, tests = first_tested_model(raw_manifest)
    unbuilt = {model, *tests}

    def drop_model(results):
        results["results"] = [r for r in results["results"] if r["unique_id"] not in unbuilt]

    # As the state module reports it: the changed model and the tests attached to it.
    ctx = context(load_artifacts(build_pair(tmp_path, drop_model)), changed=unbuilt)
    result = run_gate(ctx)
    blocking = [f for f in result.blocking if f.code == "run.not_run"]
    assert [f.unique_id for f in blocking] == [model]
    # A fix that works when pasted: the node by name (`state:modified+` needs `--state`).
    name = model.split(".")[-1]
    assert blocking[0].fix.startswith(f"Build it and its tests: `dbt build --select {name}`")
    assert "changed but was not built" in blocking[0].message
    assert result.decision == "fail"


def test_a_model_named_with_a_backtick_is_one_code_span_in_the_fix_in_every_report(tmp_path):
    """`dbt build --select a`b` between single backticks read as the span `dbt build --select a`
    and the text `b`: the fix's command is written with a longer fence, and kept whole."""
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, tests = first_tested_model(raw_manifest)
    unbuilt = {model, *tests}

    def rename(manifest):
        manifest["nodes"][model]["name"] = "ord`ers"

    def drop_model(results):
        results["results"] = [r for r in results["results"] if r["unique_id"] not in unbuilt]

    ctx = context(load_artifacts(build_pair(tmp_path, drop_model, rename)), changed=unbuilt)
    result = run_gate(ctx)
    report = gate_report(result, ctx)
    [made] = [f for f in report["findings"] if f["code"] == "run.not_run"]
    assert made["fix"].startswith("Build it and its tests: ``dbt build --select ord`ers`` (")
    assert "  - fix: Build it and its tests: ``dbt build --select ord`ers`` (" in (
        render_markdown(report)
    )
    assert (
        'fix: Build it and its tests: <code>dbt build <span class="opt">--select</span> ord`ers'
        "</code> (the whole change: " in (render_html(report))
    )


def test_changed_test_of_an_unchanged_model_that_did_not_run_blocks(tmp_path):
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    _, tests = first_tested_model(raw_manifest)

    def drop_test(results):
        results["results"] = [r for r in results["results"] if r["unique_id"] != tests[0]]

    ctx = context(load_artifacts(build_pair(tmp_path, drop_test)), changed={tests[0]})
    findings = [f for f in run_status(ctx) if f.code == "run.not_run"]
    assert [f.unique_id for f in findings] == [tests[0]]
    assert "changed but did not run" in findings[0].message


def test_a_disabled_test_is_never_reported_as_not_run(tmp_path):
    """A model disabled (`enabled: false`) leaves its tests in the manifest's nodes, disabled
    and reading nothing: dbt runs none of them, and they blocked the gate as 'changed but did
    not run' with a `dbt build --select` that selects nothing."""
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    _, tests = first_tested_model(raw_manifest)

    def drop_test(results):
        results["results"] = [r for r in results["results"] if r["unique_id"] != tests[0]]

    def disable_test(manifest):
        manifest["nodes"][tests[0]]["config"]["enabled"] = False
        manifest["nodes"][tests[0]]["depends_on"]["nodes"] = []

    target = build_pair(tmp_path, drop_test, disable_test)
    ctx = context(load_artifacts(target), changed={tests[0]})
    assert [f for f in run_status(ctx) if f.code == "run.not_run"] == []


def test_changed_model_built_with_its_results_is_not_flagged(tmp_path):
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, _ = first_tested_model(raw_manifest)
    ctx = context(load_artifacts(build_pair(tmp_path)), changed={model})
    assert [f for f in run_status(ctx) if f.code == "run.not_run"] == []


def test_changed_model_whose_tests_did_not_run_blocks(tmp_path):
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, tests = first_tested_model(raw_manifest)

    def drop_tests(results):
        results["results"] = [r for r in results["results"] if r["unique_id"] not in tests]

    ctx = context(load_artifacts(build_pair(tmp_path, drop_tests)), changed={model})
    findings = [f for f in run_status(ctx) if f.code == "run.not_run"]
    assert len(findings) == 1
    assert findings[0].unique_id == model
    assert f"{len(tests)} of its {len(tests)} tests did not run" in findings[0].message
    assert findings[0].details["tests_not_run"] == tests


def test_unknown_changed_set_never_reports_not_run(tmp_path):
    def drop_everything(results):
        results["results"] = results["results"][:1]

    ctx = context(load_artifacts(build_pair(tmp_path, drop_everything)), changed=None)
    assert [f for f in run_status(ctx) if f.code == "run.not_run"] == []


def test_compile_only_results_do_not_count_as_built():
    build = corpus_dir("bouncer-dbt112")
    artifacts = load_artifacts(build)
    model = next(
        uid
        for uid, node in artifacts.manifest.data.nodes.items()
        if node.resource_type == "model" and node.config.materialized != "ephemeral"
    )
    findings = [
        f for f in run_status(context(artifacts, changed={model})) if f.code == "run.not_run"
    ]
    assert [f.unique_id for f in findings] == [model]
    assert "is from `dbt docs generate`, which does not run anything" in findings[0].message


def test_absent_run_results_is_a_note_unless_required(tmp_path):
    shutil.copy(corpus_dir("bouncer-dbt112") / "manifest.json", tmp_path / "manifest.json")
    ctx = context(load_artifacts(tmp_path))
    assert list(run_status(ctx)) == []
    assert ctx.notes == [
        "run_results.json absent: the last run's results are not gated (run `dbt build`, "
        "`dbt run` or `dbt test` first, which writes it)"
    ]
    config = Config()
    config.run.required = True
    ctx = context(load_artifacts(tmp_path), config=config)
    result = run_gate(ctx)
    assert [f.code for f in result.blocking] == ["run.not_run"]


# -- run.stale_results ----------------------------------------------------------------------------


def parse_utc(timestamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def shift(timestamp: str, **delta) -> str:
    moment = parse_utc(timestamp) + dt.timedelta(**delta)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def later_manifest(**delta):
    def edit(manifest):
        manifest["metadata"]["invocation_id"] = "another-invocation"
        manifest["metadata"]["generated_at"] = shift(manifest["metadata"]["generated_at"], **delta)

    return edit


def stale(ctx):
    return [f for f in run_status(ctx) if f.code == "run.stale_results"]


def test_build_then_docs_generate_is_not_stale(tmp_path):
    """`dbt build` then `dbt docs generate`: another invocation, minutes later, same nodes."""
    target = build_pair(tmp_path, edit_manifest=later_manifest(minutes=4))
    assert stale(context(load_artifacts(target))) == []


def test_results_hours_older_than_the_manifest_are_stale(tmp_path):
    target = build_pair(tmp_path, edit_manifest=later_manifest(hours=3))
    manifest_at = json.loads((target / "manifest.json").read_text())["metadata"]["generated_at"]
    results_at = json.loads((target / "run_results.json").read_text())["metadata"]["generated_at"]
    gap = (parse_utc(manifest_at) - parse_utc(results_at)).total_seconds()
    (finding,) = stale(context(load_artifacts(target)))
    assert finding.severity == "warn"
    assert f"written {gap / 3600:.1f} h before the manifest (tolerance 60 min)" in finding.message
    assert finding.details["gap_seconds"] == pytest.approx(gap, abs=0.001)
    # Nothing changed against the base: old results still describe every node. Nor when only
    # a macro's documentation changed: no result depends on it.
    assert stale(context(load_artifacts(target), changed=set())) == []
    macro_only = {"macro.shop.cents_to_dollars"}
    assert stale(context(load_artifacts(target), changed=macro_only)) == []
    project = context(load_artifacts(target)).project
    some_model = next(uid for uid, n in project.nodes.items() if n.resource_type == "model")
    (finding,) = stale(context(load_artifacts(target), changed={some_model, *macro_only}))
    assert finding.message.endswith("and 1 node changed")


def test_results_naming_nodes_the_manifest_lacks_are_stale(tmp_path):
    def rename(results):
        results["results"][0]["unique_id"] = "model.jaffle_shop.renamed_since"

    target = build_pair(tmp_path, rename, edit_manifest=later_manifest(minutes=1))
    (finding,) = stale(context(load_artifacts(target)))
    assert "1 result for nodes this manifest does not have" in finding.message
    assert finding.details["unknown_nodes"] == ["model.jaffle_shop.renamed_since"]


def test_the_invocation_warning_gives_way_to_the_finding_that_says_it_with_evidence(tmp_path):
    """run_results.json of another invocation than the manifest is a warning of the load; when
    run.stale_results finds evidence (results for nodes the manifest lacks), the report says it
    once, in the finding."""
    target = build_pair(tmp_path, edit_manifest=later_manifest(minutes=1))
    warned = [w for w in run_gate(context(load_artifacts(target))).warnings if "invocation" in w]
    assert len(warned) == 1 and warned[0].endswith(
        "the results may not describe this manifest: gate the manifest of the `dbt build` that "
        "wrote the results (`dbt parse`, `dbt source freshness` and `dbt docs generate` rewrite "
        "manifest.json: give them a `--target-path` of their own)"
    )

    def rename(results):
        results["results"][0]["unique_id"] = "model.jaffle_shop.renamed_since"

    (tmp_path / "stale").mkdir()
    stale_target = build_pair(tmp_path / "stale", rename, edit_manifest=later_manifest(minutes=1))
    artifacts = load_artifacts(stale_target)
    assert artifacts.invocation_warning in artifacts.warnings
    result = run_gate(context(artifacts))
    assert [f.code for f in result.findings if f.code == "run.stale_results"]
    assert not [w for w in result.warnings if "invocation" in w]


def test_ticketswap_results_are_older_than_its_manifest():
    build = corpus_dir("ticketswap-dbt19")
    manifest = json.loads((build / "manifest.json").read_text())["metadata"]
    results = json.loads((build / "run_results.json").read_text())["metadata"]
    gap = parse_utc(manifest["generated_at"]) - parse_utc(results["generated_at"])
    (finding,) = stale(context(load_artifacts(build)))
    assert finding.details["gap_seconds"] == pytest.approx(gap.total_seconds(), abs=0.001)
    assert f"written {gap.total_seconds() / 86400:.1f} days before the manifest" in finding.message


# -- how the base build's run left a failure ---------------------------------------------------


def failed(*uids: str, status: str = "fail", failures: int = 3):
    """An edit of run_results.json: these results `status` (tests with `failures` rows)."""

    def edit(results: dict) -> None:
        for result in results["results"]:
            if result["unique_id"] in uids:
                result["status"] = status
                result["failures"] = failures if uids[0].startswith("test.") else None
                result["message"] = "Got 3 results, configured to fail if != 0"

    return edit


def test_a_failure_says_how_the_base_builds_run_left_the_same_test_or_node(tmp_path):
    """Recce's question about a failing check: did the change break it, or was it broken
    already? The base build's run_results.json answers it in the finding."""
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, tests = first_tested_model(raw)
    old_failure, new_failure = tests[0], tests[1]
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    base_target = build_pair(base_dir, failed(old_failure, failures=5), another_invocation)
    base = Project.from_artifacts(load_artifacts(base_target))
    target = build_pair(tmp_path, failed(old_failure, new_failure))
    pr = load_artifacts(target)
    by_test = {
        f.unique_id: f for f in run_status(context(pr, base=base)) if f.code == "run.test_failures"
    }
    assert by_test[old_failure].message.endswith(
        "failed: 3 failing rows; in the base build it failed too (5 failing rows)"
    )
    assert by_test[old_failure].details["base_status"] == "fail"
    assert by_test[new_failure].message.endswith("; in the base build it passed")
    # Without a base build, nothing is said of one.
    alone = {f.unique_id: f for f in run_status(context(pr)) if f.code == "run.test_failures"}
    assert alone[new_failure].message.endswith("failed: 3 failing rows")
    assert "base_status" not in alone[new_failure].details

    (tmp_path / "errored").mkdir()
    errored = build_pair(tmp_path / "errored", failed(model, status="error"))
    (finding,) = [
        f for f in run_status(context(load_artifacts(errored), base=base)) if f.code == "run.errors"
    ]
    assert "; in the base build it succeeded" in finding.message


def test_a_failing_test_the_base_build_does_not_have_is_said_to_be_new(tmp_path):
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    _, tests = first_tested_model(raw)
    added = tests[0]

    def without_the_test(artifact: dict) -> None:
        another_invocation(artifact)
        if "nodes" in artifact:
            del artifact["nodes"][added]
        else:
            artifact["results"] = [r for r in artifact["results"] if r["unique_id"] != added]

    base_dir = tmp_path / "base"
    base_dir.mkdir()
    base_target = build_pair(base_dir, without_the_test, without_the_test)
    base = Project.from_artifacts(load_artifacts(base_target))
    pr = load_artifacts(build_pair(tmp_path, failed(added)))
    (finding,) = [f for f in run_status(context(pr, base=base)) if f.code == "run.test_failures"]
    assert finding.message.endswith("failed: 3 failing rows; the test is new in this change")


def test_a_failing_test_the_base_builds_run_left_out_says_so(tmp_path):
    """main built by a run of part of the project (not in its run_results.json), or a test it
    skipped: nothing says whether the failure is the change's, and the finding says why."""
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    _, tests = first_tested_model(raw)
    not_run, skipped = tests[0], tests[1]

    def part_of_the_project(artifact: dict) -> None:
        another_invocation(artifact)
        if "results" in artifact:
            artifact["results"] = [r for r in artifact["results"] if r["unique_id"] != not_run]
            for result in artifact["results"]:
                if result["unique_id"] == skipped:
                    result["status"] = "skipped"

    base_dir = tmp_path / "base"
    base_dir.mkdir()
    base = Project.from_artifacts(load_artifacts(build_pair(base_dir, part_of_the_project)))
    pr = load_artifacts(build_pair(tmp_path, failed(not_run, skipped)))
    said = {
        f.unique_id: f.message
        for f in run_status(context(pr, base=base))
        if f.code == "run.test_failures"
    }
    assert said[not_run].endswith("failed: 3 failing rows; the base build's run did not run it")
    assert said[skipped].endswith("failed: 3 failing rows; the base build's run skipped it")


# -- run.slower -----------------------------------------------------------------------------------


def test_slower_nodes_are_reported_only_when_enabled(tmp_path):
    base_dir = tmp_path / "base"
    base_dir.mkdir()

    def faster(results):
        for result in results["results"]:
            result["execution_time"] = result["execution_time"] / 3

    base_target = build_pair(base_dir, faster)
    target = build_pair(tmp_path)
    raw = json.loads((target / "run_results.json").read_text())
    base = Project.from_artifacts(load_artifacts(base_target))
    assert [
        f for f in run_status(context(load_artifacts(target), base=base)) if f.code == "run.slower"
    ] == []

    config = Config()
    config.run.slower.enabled = True
    config.run.slower.ratio = 2.5
    config.run.slower.min_seconds = 1.0
    findings = [
        f
        for f in run_status(context(load_artifacts(target), base=base, config=config))
        if f.code == "run.slower"
    ]
    expected = sorted(
        r["unique_id"]
        for r in raw["results"]
        if r["execution_time"] >= 1.0 and r["execution_time"] > 0
    )
    assert expected, "the corpus build has nodes slower than the floor"
    assert sorted(f.unique_id for f in findings) == expected
    assert all("3.0x the base build's" in f.message for f in findings)


def test_the_base_builds_run_results_are_read_and_a_broken_one_named(tmp_path):
    """`check` reads the base build's run_results.json (`run.slower`'s durations, the test pass
    rate's base figure) and says so in the report's inputs; a broken one is bad input."""
    base_dir = tmp_path / "base"
    base_dir.mkdir()
    base_target = build_pair(base_dir, edit_manifest=another_invocation)  # an earlier build
    target = build_pair(tmp_path)
    args = ("check", "-q", "--artifacts", str(target), "--base", str(base_target))

    write_config(tmp_path, "version: 1\n")
    read = dbtgate(*args, "--json", str(tmp_path / "gate.json"), cwd=tmp_path)
    assert read.returncode in (0, 1), read.stderr
    inputs = json.loads((tmp_path / "gate.json").read_text())["inputs"]
    assert sorted(inputs["base"]) == ["manifest", "run_results"]  # what the verdict read
    (base_target / "run_results.json").write_text('{"metadata": ')  # truncated
    broken = dbtgate(*args, cwd=tmp_path)
    assert broken.returncode == 2
    assert broken.stderr.strip() == (
        f"dbtgate: error: {base_target / 'run_results.json'}: truncated JSON "
        "(the file ends early; was it fully written?)"
    )


# -- the fixture project --------------------------------------------------------------------------


@pytest.mark.slow
def test_pr_build_fails_the_gate_on_the_planted_test(shop_builds):
    project_dir = shop_builds.pr
    raw = json.loads((project_dir / "target" / "run_results.json").read_text())
    planted = next(r for r in raw["results"] if r["unique_id"] == PLANTED_TEST)
    ctx = context(load_artifacts(project_dir / "target"), project_dir=project_dir)
    result = run_gate(ctx, Locator(project_dir))
    assert result.decision == "fail"
    (finding,) = [f for f in result.blocking if f.code == "run.test_failures"]
    assert finding.unique_id == PLANTED_TEST
    assert (
        "test not_null_customer_ltv_avg_order_value on customer_ltv.avg_order_value"
        in finding.message
    )
    assert f"failed: {planted['failures']} failing rows" in finding.message
    assert planted["failures"] == 2
    assert (finding.path, finding.line) == ("models/marts/_marts.yml", PLANTED_LINE)
    assert (finding.owner, finding.tier) == ("Marketing Analytics", 2)
    assert finding.details["tested_resource"] == "model.shop.customer_ltv"
    assert (project_dir / finding.details["compiled_path"]).is_file()
    # The path as code: one chip to copy in the PR comment and the HTML page, under the
    # build's target directory as the gate was given it (here absolute: it opens from anywhere).
    shown = project_dir / finding.details["compiled_path"]
    assert f"Run the compiled query (`{shown.as_posix()}`)" in finding.fix


@pytest.mark.slow
def test_base_build_passes_the_run_checks(shop_builds):
    ctx = context(load_artifacts(shop_builds.base / "target"), project_dir=shop_builds.base)
    result = run_gate(ctx, Locator(shop_builds.base))
    assert [f for f in result.findings if f.family == "run"] == []


@pytest.mark.slow
def test_pr_build_blocks_through_the_cli_with_the_test_line(shop_builds, tmp_path):
    report = tmp_path / "gate.json"
    completed = dbtgate(
        *("check", "-q", "--artifacts", str(shop_builds.pr / "target"), "--json", str(report)),
        cwd=shop_builds.pr,
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    findings = json.loads(report.read_text())["findings"]
    (failure,) = [f for f in findings if f["code"] == "run.test_failures"]
    assert failure["disposition"] == "blocking"
    assert (failure["path"], failure["line"]) == ("models/marts/_marts.yml", PLANTED_LINE)
    assert failure["details"]["failures"] == 2


@pytest.mark.slow
def test_unbuilt_new_model_blocks_through_the_cli_with_base(shop_builds, tmp_path):
    """`--base` lets the state module say what changed; a new model missing from the run blocks."""
    new_model = "model.shop.customer_segments"
    target = tmp_path / "target"
    shutil.copytree(shop_builds.pr / "target", target)
    manifest = json.loads((target / "manifest.json").read_text())
    unbuilt = {new_model} | {
        uid for uid, n in manifest["nodes"].items() if n.get("attached_node") == new_model
    }
    results = json.loads((target / "run_results.json").read_text())
    results["results"] = [r for r in results["results"] if r["unique_id"] not in unbuilt]
    (target / "run_results.json").write_text(json.dumps(results))

    def gate(artifacts: Path) -> list[dict]:
        report = tmp_path / f"{artifacts.parent.name}.json"
        args = [
            "check",
            "-q",
            "--artifacts",
            str(artifacts),
            "--base",
            str(shop_builds.base / "target"),
        ]
        completed = dbtgate(
            *args, "--project-dir", str(shop_builds.pr), "--json", str(report), cwd=shop_builds.pr
        )
        assert completed.returncode in (0, 1), completed.stderr
        return [f for f in json.loads(report.read_text())["findings"] if f["code"] == "run.not_run"]

    (finding,) = gate(target)
    assert finding["unique_id"] == new_model
    assert finding["disposition"] == "blocking"
    assert (finding["path"], finding["line"]) == ("models/marts/_marts.yml", 142)
    assert gate(shop_builds.pr / "target") == []


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (
            "Runtime Error in model orders (models/orders.sql)\n"
            "  Catalog Error: Table with name raw_orders does not exist!\n"
            '  Did you mean "shop.raw_orders"?\n\n  LINE 10: select 1 from main.raw_orders',
            "Runtime Error: Catalog Error: Table with name raw_orders does not exist!",
        ),
        (
            "Compilation Error in test not_null_x (models/_x.yml)\n  'ref' is undefined",
            "Compilation Error: 'ref' is undefined",
        ),
        ("Database Error in model x\n  syntax error", "Database Error: syntax error"),
        # DuckDB's seed load: which column would not convert is further down (dbt-duckdb 1.11).
        (
            "Runtime Error in seed raw_customers (seeds/raw_customers.csv)\n"
            "  Conversion Error: CSV Error on Line: 2\n  Original Line: 1,Ann,NL,2024-01-01\n"
            '  Error when converting column "name". Could not convert string "Ann" to '
            "'INTEGER'\n  \n  Column name is being converted as type INTEGER\n",
            "Runtime Error: Conversion Error: CSV Error on Line: 2: Error when converting column "
            '"name". Could not convert string "Ann" to \'INTEGER\'',
        ),
        # A header alone, or a message in one line, is kept as it is.
        (
            "Compilation Error in model broken (models/broken.sql)",
            "Compilation Error in model broken (models/broken.sql)",
        ),
        ("Runtime Error: division by zero\n  at line 3", "Runtime Error: division by zero"),
        ("Got 7 results, configured to fail if != 0", "Got 7 results, configured to fail if != 0"),
        ("  \n ", "(no message)"),
        (None, "(no message)"),
        # A contract that failed: the columns that differ are in dbt's table, under the header.
        (
            CONTRACT_ERROR,
            "Compilation Error: This model has an enforced contract that failed: order_date is "
            "VARCHAR in the model's SQL, DATE in its contract; email is in the contract but not "
            "in the model's SQL; note is in the model's SQL but not in the contract",
        ),
    ],
)
def test_the_reason_of_a_dbt_error_is_the_line_under_its_header(message, reason):
    assert reason_of(message) == reason


def test_an_errors_evidence_keeps_dbts_message_without_its_call_stack(tmp_path):
    """The details a report shows of an errored model hold the contract's table of columns
    (it was cut at 300 characters, before the table) and not the macros dbt went through."""
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, _ = first_tested_model(raw)

    def contract_failed(results: dict) -> None:
        failed(model, status="error")(results)
        for result in results["results"]:
            if result["unique_id"] == model:
                result["message"] = CONTRACT_ERROR

    (finding,) = [
        f
        for f in run_status(context(load_artifacts(build_pair(tmp_path, contract_failed))))
        if f.code == "run.errors"
    ]
    evidence = finding.details["message"]
    assert "| order_date  | VARCHAR         | DATE          | data type mismatch |" in evidence
    assert "| note        | INTEGER         |               | missing in contract |" in evidence
    assert "> " not in evidence and "called by" not in evidence
    assert "order_date is VARCHAR in the model's SQL, DATE in its contract" in finding.message
    assert finding.fix.startswith("Make the model's SQL return the columns and data types its")


def test_run_findings_name_a_models_version(tmp_path):
    """Two versions of a model fail apart: each finding says which, as every other finding."""
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, _ = first_tested_model(raw)
    name = raw["nodes"][model]["name"]

    def versioned(manifest: dict) -> None:
        manifest["nodes"][model]["version"] = 2

    target = build_pair(tmp_path, failed(model, status="error"), versioned)
    (finding,) = [f for f in run_status(context(load_artifacts(target))) if f.code == "run.errors"]
    assert finding.message.startswith(f"model {name} v2 errored: ")


def test_an_errored_tests_fix_is_not_about_failing_rows(tmp_path):
    """A test whose query errored has no failing rows to look at, and a warn severity would not
    stop the error: its fix says to fix the query or what it reads. A failed test's says the
    rows."""
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    _, tests = first_tested_model(raw)

    def results(edit: dict) -> None:
        failed(tests[0], status="error")(edit)
        failed(tests[1])(edit)

    by_test = {
        f.unique_id: f
        for f in run_status(context(load_artifacts(build_pair(tmp_path, results))))
        if f.code == "run.test_failures"
    }
    assert by_test[tests[0]].fix.startswith("The test's query failed in the warehouse: run it (")
    assert "failing rows" not in by_test[tests[0]].fix
    assert "severity to warn" not in by_test[tests[0]].fix
    assert "to see the failing rows" in by_test[tests[1]].fix


@pytest.mark.parametrize("status", ["exploded", "SUCCESS", ""])
def test_a_status_dbt_never_writes_warns_and_blocks(tmp_path, status):
    """A hand-edited or another tool's run_results.json: an outcome the gate cannot read is not
    a success. Loading warns with the file, the result and the status; the run check counts a
    node as errored and a test as failed."""
    raw_manifest = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    model, tests = first_tested_model(raw_manifest)

    def odd_statuses(results):
        for result in results["results"]:
            if result["unique_id"] in (model, tests[0]):
                result["status"] = status

    target = build_pair(tmp_path, odd_statuses)
    artifacts = load_artifacts(target)
    [warning] = artifacts.warnings
    assert warning.startswith(f"{target / 'run_results.json'}: 2 results without a status dbt")
    said = f"status {status!r}" if status else "no status"
    assert f"{model} ({said})" in warning and f"{tests[0]} ({said})" in warning
    result = run_gate(context(artifacts))
    blocking = {f.unique_id: f for f in result.blocking}
    assert blocking[model].code == "run.errors"
    assert "its outcome is unknown, so it counts as errored" in blocking[model].message
    assert blocking[tests[0]].code == "run.test_failures"
    assert said in blocking[tests[0]].message
    assert result.decision == "fail"


@needs_dbt_core
def test_every_status_dbt_writes_is_known():
    """The statuses the run check maps are dbt-core's own (NodeStatus): none of them warns."""
    from dbtgate.artifacts.run_results import DBT_STATUSES

    assert set(dbt_read("node-statuses")) == DBT_STATUSES


def test_results_without_a_unique_id_are_refused_not_merged(tmp_path):
    """Results are indexed by unique_id: two without one would be one, an error hidden behind
    the other's success."""

    def drop_id(results):
        del results["results"][3]["unique_id"]

    target = build_pair(tmp_path, drop_id)
    result = dbtgate("check", "--artifacts", str(target), cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line == (
        f"dbtgate: error: {target / 'run_results.json'}: $.results[3] has no unique_id: its "
        "result cannot be matched to a node (not a run_results.json dbt wrote)"
    )


def test_a_skipped_node_names_the_failure_upstream_that_skipped_it(tmp_path):
    """A cascade of skips said "something upstream failed" on every one: each names the
    nearest failure upstream, an errored model or a failed test on one (`dbt build` skips the
    readers of a model whose test failed); a test skipped with its model names the model, not a
    sibling test's failure."""
    raw = json.loads((corpus_dir("schema-versions") / BUILD_MANIFEST_NAME).read_text())
    models = {uid for uid, node in raw["nodes"].items() if node["resource_type"] == "model"}
    parent, child = next(
        (uid, kid)
        for uid in sorted(models)
        for kid in sorted(raw["child_map"].get(uid, ()))
        if kid in models
        and any(raw["nodes"][t].get("attached_node") == uid for t in raw["child_map"].get(uid, ()))
    )
    parent_tests = sorted(
        t for t in raw["child_map"][parent] if raw["nodes"][t].get("attached_node") == parent
    )
    child_name, parent_name = raw["nodes"][child]["name"], raw["nodes"][parent]["name"]

    def errored_then_skipped(results: dict) -> None:
        for result in results["results"]:
            if result["unique_id"] == parent:
                result.update(status="error", message="Database Error\n  boom")
            elif result["unique_id"] in (child, *parent_tests):
                result.update(status="skipped", message=None)

    findings = run_status(context(load_artifacts(build_pair(tmp_path, errored_then_skipped))))
    skipped = {f.unique_id: f for f in findings if f.code == "run.skipped"}
    assert skipped[child].message == (
        f"model {child_name} was skipped: model {parent_name} errored upstream, so it was "
        "neither built nor tested"
    )
    assert skipped[child].fix == f"Fix the failure (model {parent_name} errored) and rebuild."
    assert skipped[child].details["upstream_failure"] == parent
    assert f"model {parent_name} errored upstream" in skipped[parent_tests[0]].message

    failing = parent_tests[0]
    (tmp_path / "failed").mkdir()

    def failed_then_skipped(results: dict) -> None:
        failed(failing)(results)
        for result in results["results"]:
            if result["unique_id"] in (child, *parent_tests[1:]):
                result.update(status="skipped", message=None)

    findings = run_status(
        context(load_artifacts(build_pair(tmp_path / "failed", failed_then_skipped)))
    )
    skipped = {f.unique_id: f for f in findings if f.code == "run.skipped"}
    test_name = raw["nodes"][failing]["name"]
    assert skipped[child].message.startswith(
        f"model {child_name} was skipped: test {test_name} on {parent_name} failed upstream"
    )
    # A sibling test's failure does not skip a test: nothing upstream of it is found.
    for sibling in parent_tests[1:]:
        assert "something upstream failed" in skipped[sibling].message


def _run_of(tmp_path: Path, parents: dict[str, list[str]], statuses: dict[str, str], unit_tests=()):
    """A build of models `parents` names (model -> its parents), tests `not_null_<model>` where
    `statuses` names one, unit tests (name, model), and a `dbt build`'s results `statuses`."""
    node = {"resource_type": "model", "package_name": "p", "original_file_path": "m.sql"}
    nodes = {
        f"model.p.{name}": {
            **node,
            "name": name,
            "unique_id": f"model.p.{name}",
            "depends_on": {"nodes": [f"model.p.{p}" for p in ups]},
        }
        for name, ups in parents.items()
    }
    for uid in statuses:
        if uid.startswith("test."):
            model = uid.removeprefix("test.p.not_null_")
            nodes[uid] = {
                **node,
                "resource_type": "test",
                "name": uid.rsplit(".", 1)[1],
                "unique_id": uid,
                "attached_node": f"model.p.{model}",
                "depends_on": {"nodes": [f"model.p.{model}"]},
            }
    manifest = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
        "nodes": nodes,
        "unit_tests": {
            f"unit_test.p.{model}.{name}": {
                "name": name,
                "resource_type": "unit_test",
                "package_name": "p",
                "unique_id": f"unit_test.p.{model}.{name}",
                "depends_on": {"nodes": [f"model.p.{model}"]},
            }
            for name, model in unit_tests
        },
    }
    results = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"},
        "args": {"which": "build"},
        "results": [
            {"unique_id": uid, "status": status, "message": None, "failures": None}
            for uid, status in statuses.items()
        ],
    }
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(json.dumps(manifest))
    (target / "run_results.json").write_text(json.dumps(results))
    findings = run_status(context(load_artifacts(target)))
    return {f.unique_id: f.message for f in findings if f.code == "run.skipped"}


def test_the_skips_cause_is_the_nearest_failure_whatever_the_order_they_are_asked_in(tmp_path):
    """c reads a (skipped: x errored, two steps up) and b (errored, its parent): b is named,
    also when a's cause was worked out first (it was named x, through a's memo)."""
    statuses = {
        "model.p.x": "error",
        "model.p.b": "error",
        "model.p.a": "skipped",
        "model.p.c": "skipped",
    }
    said = _run_of(tmp_path, {"x": [], "a": ["x"], "b": [], "c": ["a", "b"]}, statuses)
    assert said["model.p.a"].startswith("model a was skipped: model x errored upstream")
    assert said["model.p.c"].startswith("model c was skipped: model b errored upstream")


def test_a_failed_unit_test_is_named_as_what_skipped_its_model_and_the_readers(tmp_path):
    """dbt 1.8's `dbt build` runs a model's unit tests first and skips the model when one
    fails, and with it everything downstream: the commonest cascade of dbt 1.8+."""
    statuses = {
        "unit_test.p.stg.ut_amount": "fail",
        "model.p.stg": "skipped",
        "model.p.fct": "skipped",
    }
    said = _run_of(
        tmp_path, {"stg": [], "fct": ["stg"]}, statuses, unit_tests=[("ut_amount", "stg")]
    )
    assert said["model.p.stg"].startswith(
        "model stg was skipped: unit test ut_amount on stg failed,"
    )
    assert said["model.p.fct"].startswith(
        "model fct was skipped: unit test ut_amount on stg failed upstream,"
    )


def test_a_long_cascade_is_traced_once_without_recursion(tmp_path):
    """3,000 models in a chain, the first errored, every other skipped (its skips asked in name
    order, downstream first): each names the first, in one pass over the DAG."""
    names = [f"m{i:04d}" for i in range(3000)]
    parents = {name: ([names[i - 1]] if i else []) for i, name in enumerate(names)}
    statuses = {f"model.p.{name}": "skipped" for name in names[1:]}
    statuses["model.p.m0000"] = "error"
    said = _run_of(tmp_path, parents, statuses)
    assert len(said) == 2999
    assert all("model m0000 errored upstream" in message for message in said.values())


def test_a_failed_tests_compiled_query_is_named_from_where_check_runs(tmp_path):
    """The fix's compiled query path opens from the folder the engineer ran `dbtgate check` in:
    dbt names it from the project (`target/compiled/...`), which from a model's folder or a
    monorepo's root (the project in `analytics/`) named no file."""
    from diff_support import data_test, model, write_build

    project = tmp_path / "analytics"
    (project / "models" / "marts").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: proj\nprofile: proj\n")
    write_config(project, "version: 1\npolicies: []\n")
    orders = model("orders")
    compiled = "target/compiled/proj/models/schema.yml/not_null_orders_id.sql"
    test = data_test("not_null", orders["unique_id"], "id") | {
        "original_file_path": "models/schema.yml",
        "path": "not_null_orders_id.sql",
        "compiled_path": compiled,
    }
    write_build(project, [orders, test], results={test["unique_id"]: "fail"})
    query = project / compiled
    query.parent.mkdir(parents=True)
    query.write_text("select * from orders where id is null\n")

    for here, args in [
        (project, ()),
        (project / "models" / "marts", ()),
        (tmp_path, ("--project-dir", "analytics")),
        # Given absolute (CI's `$GITHUB_WORKSPACE/target`), named from here: no runner's path
        # in the comment.
        (tmp_path, ("--project-dir", "analytics", "--artifacts", str(project / "target"))),
    ]:
        done = dbtgate("check", *args, cwd=here)
        assert done.returncode == 1, done.stderr
        (named,) = re.findall(r"Run the compiled query \(`([^`]+)`\)", done.stdout)
        assert (here / named).resolve() == query.resolve(), (here, named)
    assert named == f"analytics/{compiled}"
