"""The schema diff of the real fixture builds (fixtures/README.md, "The pull request"), run as a
user runs it: `dbtgate diff` and `dbtgate check` against the base build's artifacts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from cli_support import dbtgate, plain_env, run_dbtgate
from policy_support import read_json

pytestmark = pytest.mark.slow

V2 = "model.shop.orders_summary.v2"
# Every change the PR makes, as the README's table lists them, in the diff's order.
EXPECTED_CHANGES = [
    ("breaking", "breaking.column_removed", V2, "item_count", "integer", None),
    ("breaking", "breaking.type_changed", V2, "total_amount", "decimal(18,2)", "double"),
    # The type change reaches finance_revenue's catalog type; nothing reads finance_revenue.
    (
        "risky",
        "risky.type_changed",
        "model.shop.finance_revenue",
        "revenue",
        "DECIMAL(38,2)",
        "DOUBLE",
    ),
    # Row 7: a WHERE added to int_order_payments.
    ("risky", "risky.filter_changed", "model.shop.int_order_payments", None, None, None),
    ("safe", "safe.code_changed", "model.shop.customer_ltv", None, None, None),
    ("safe", "safe.column_added", "model.shop.customer_ltv", "avg_order_value", None, "DOUBLE"),
    ("safe", "safe.tests_changed", "model.shop.customer_ltv", None, None, None),
    ("safe", "safe.model_added", "model.shop.customer_segments", None, None, None),
    ("safe", "safe.code_changed", V2, None, None, None),
    ("safe", "safe.description_changed", "model.shop.stg_payments", None, None, None),
]


def run_diff(shop_builds, tmp_path: Path, *extra: str) -> tuple[int, str, dict]:
    report = tmp_path / "diff.json"
    done = dbtgate(
        "diff",
        "--artifacts",
        "target",
        "--base",
        str(shop_builds.base / "target"),
        "--json",
        str(report),
        *extra,
        cwd=shop_builds.pr,
    )
    assert done.stderr == "", done.stderr
    return done.returncode, done.stdout, read_json(report)


def test_fixture_pr_diff_lists_every_planted_change_with_its_class(shop_builds, tmp_path):
    code, stdout, report = run_diff(shop_builds, tmp_path)
    diff = report["sections"]["diff"]
    listed = [
        (c["change_class"], c["code"], c["unique_id"], c.get("column"), c.get("old"), c.get("new"))
        for c in diff["changes"]
    ]
    assert listed == EXPECTED_CHANGES
    assert diff["counts"] == {"breaking": 2, "risky": 2, "safe": 6, "acknowledged": 0}
    assert diff.get("unknown", []) == []
    assert code == 1
    assert "2 breaking, 2 risky, 6 safe" in stdout
    assert "dbtgate diff: FAIL — 2 blocking changes" in stdout


def test_fixture_breaking_changes_name_downstream_models_exposure_and_owners(shop_builds, tmp_path):
    _, _, report = run_diff(shop_builds, tmp_path)
    breaking = {f["column_name"]: f for f in report["findings"] if f["family"] == "breaking"}
    assert sorted(breaking) == ["item_count", "total_amount"]
    for finding in breaking.values():
        assert (finding["severity"], finding["disposition"]) == ("error", "blocking")
        assert finding["details"]["policy"] == "versioned_contract"  # v2: versioned, contracted
        assert (finding["owner"], finding["tier"]) == ("Finance Analytics", 1)
        impact = finding["details"]["impact"]
        assert impact["owners"] == ["Finance Analytics"]
        assert impact["public"] is True
        [exposure] = impact["exposures"]
        assert (exposure["unique_id"], exposure["depth"], exposure["owner"]) == (
            "exposure.shop.revenue_dashboard",
            1,
            "Finance Analytics",
        )
        [model] = impact["models"]
        assert (model["unique_id"], model["depth"], model["owner"]) == (
            "model.shop.finance_revenue",
            1,
            "Finance Analytics",
        )
    # finance_revenue sums total_amount and never reads item_count (so the build still passed).
    assert breaking["item_count"]["details"]["impact"]["models"][0]["selects_column"] == "no"
    assert breaking["total_amount"]["details"]["impact"]["models"][0]["selects_column"] == "yes"
    assert breaking["total_amount"]["details"]["type_change"] == "changed"
    # Pointed at the YAML: the v2 block for the removed column, the column for the new type.
    assert (breaking["item_count"]["path"], breaking["item_count"]["line"]) == (
        "models/marts/_orders_summary.yml",
        46,
    )
    assert (breaking["total_amount"]["path"], breaking["total_amount"]["line"]) == (
        "models/marts/_orders_summary.yml",
        67,
    )
    assert "finance_revenue selects total_amount" in breaking["total_amount"]["message"]
    # finance_revenue reads orders_summary but not item_count: the message must not count it
    # among those the removal affects.
    removed = breaking["item_count"]["message"]
    assert "; finance_revenue reads the model but not item_count;" in removed
    assert "affects" not in removed and "(s)" not in removed


def test_fixture_check_gates_on_the_breaking_changes(shop_builds, tmp_path):
    report = tmp_path / "gate.json"
    done = dbtgate(
        "check",
        "--artifacts",
        "target",
        "--base",
        str(shop_builds.base / "target"),
        "--json",
        str(report),
        cwd=shop_builds.pr,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    findings = read_json(report)["findings"]
    diff_findings = sorted(
        (f["code"], f["severity"], f["disposition"])
        for f in findings
        if f["family"] in ("breaking", "risky")
    )
    assert diff_findings == [
        ("breaking.column_removed", "error", "blocking"),
        ("breaking.type_changed", "error", "blocking"),
        ("risky.filter_changed", "warn", "advisory"),
        ("risky.type_changed", "warn", "advisory"),
    ]
    # On the WHERE the pull request added (line 13 of the SQL), not the model's YAML entry.
    (filtered,) = [f for f in findings if f["code"] == "risky.filter_changed"]
    assert filtered["path"].endswith("models/intermediate/int_order_payments.sql")
    assert filtered["line"] == 13
    assert "breaking.column_removed" in done.stdout


def test_fixture_breaking_changes_acknowledged_by_the_pr_label_pass(shop_builds, tmp_path):
    code, stdout, report = run_diff(shop_builds, tmp_path, "--ack-label", "breaking-change-ok")
    assert code == 0, stdout
    assert report["sections"]["diff"]["counts"]["acknowledged"] == 2
    acknowledged = [f for f in report["findings"] if f["code"].startswith("breaking.")]
    assert [(f["severity"], f["details"]["acknowledged"]["way"]) for f in acknowledged] == [
        ("info", "label"),
        ("info", "label"),
    ]
    assert "acknowledged (label" in stdout and "breaking-change-ok)" in stdout  # a wrapped cell
    assert "dbtgate diff: PASS" in stdout


def test_the_flag_a_breaking_change_s_fix_names_acknowledges_it_in_a_local_run(
    shop_builds, tmp_path
):
    """A local run has no pull request to label: the fix names the flag that previews the
    label, with the project's own label quoted as a shell reads it, and pasted it passes."""
    config = tmp_path / "dbtgate.yml"
    config.write_text("version: 1\nbreaking:\n  ack_label: schema change ok\n")
    code, _, report = run_diff(shop_builds, tmp_path, "--config", str(config))
    assert code == 1
    fixes = {f["fix"] for f in report["findings"] if f["code"].startswith("breaking.")}
    assert len(fixes) == 2
    for fix in fixes:
        assert "label the pull request 'schema change ok' (locally, `--ack-label " in fix
    flag = re.search(r"locally, `([^`]+)`", fixes.pop())[1]
    assert flag == "--ack-label 'schema change ok'"
    code, stdout, report = run_diff(
        shop_builds, tmp_path, "--config", str(config), *shlex.split(flag)
    )
    assert code == 0, stdout
    assert report["sections"]["diff"]["counts"]["acknowledged"] == 2


def test_fixture_breaking_change_acknowledged_in_config_passes_and_keeps_the_reason(
    shop_builds, tmp_path
):
    config = tmp_path / "dbtgate.yml"
    config.write_text(
        "version: 1\n"
        "breaking:\n"
        "  acknowledge:\n"
        "    - change: breaking.*\n"
        "      select: orders_summary\n"
        "      reason: finance signed off the v2 reshape (ticket FIN-42)\n"
        "      owner: '@finance-eng'\n",
        encoding="utf-8",
    )
    code, stdout, report = run_diff(shop_builds, tmp_path, "--config", str(config))
    assert code == 0, stdout
    acks = [
        f["details"]["acknowledged"] for f in report["findings"] if f["code"].startswith("breaking")
    ]
    assert len(acks) == 2
    assert {a["reason"] for a in acks} == {"finance signed off the v2 reshape (ticket FIN-42)"}
    assert {a["source"] for a in acks} == {f"{config}:4"}
    # Still the model's owner's change (its group's), not the acknowledger's: the reports group
    # it and name its owners by the model.
    owners = {f["owner"] for f in report["findings"] if f["code"].startswith("breaking")}
    assert owners == {"Finance Analytics"}
    # The JSON report is the shape every other format is rendered from.
    assert json.loads(json.dumps(report))["verdict"] == "pass"


def test_fixture_breaking_changes_waived_pass_and_the_verdict_counts_them(shop_builds, tmp_path):
    """Waived, the breaking changes no longer block: the verdict says so, as check's does."""
    config = tmp_path / "dbtgate.yml"
    config.write_text(
        "version: 1\n"
        "waivers:\n"
        "  - rule: breaking.*\n"
        "    select: orders_summary\n"
        "    reason: consumers migrate in FIN-42\n"
        "    owner: '@finance-eng'\n"
        "    expires: 2099-01-31\n",
        encoding="utf-8",
    )
    code, stdout, report = run_diff(shop_builds, tmp_path, "--config", str(config))
    assert code == 0, stdout
    assert report["counts"]["by_disposition"]["waived"] == 2
    assert stdout.splitlines()[-1] == "dbtgate diff: PASS — 0 blocking changes, 2 waived"


def test_fixture_label_read_from_the_github_pull_request_event(shop_builds, tmp_path):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "labels": [{"name": "breaking-change-ok"}]}}),
        encoding="utf-8",
    )
    report = tmp_path / "diff.json"
    done = run_dbtgate(
        *("diff", "--artifacts", "target"),
        *("--base", str(shop_builds.base / "target"), "--json", str(report)),
        cwd=shop_builds.pr,
        env=plain_env(GITHUB_EVENT_PATH=str(event)),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert read_json(report)["sections"]["diff"]["counts"]["acknowledged"] == 2


def test_a_base_build_copied_beside_the_projects_target_is_diffed_by_its_own_compiled_sql(
    shop_builds, tmp_path
):
    """`--base prod-target/` in the project (the README's example): the base's compiled SQL is
    read from prod-target/compiled, not from the sibling target/compiled, which holds the pull
    request's own. Read from there, every SQL change compared equal to itself ('layout,
    comments or config only') and the WHERE the pull request added went unseen."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(shop_builds.pr, project, ignore=shutil.ignore_patterns("logs"))
    shutil.copytree(shop_builds.base / "target", project / "prod-target")
    report = tmp_path / "diff.json"
    done = dbtgate("diff", "--base", "prod-target", "--json", str(report), cwd=project)
    assert done.stderr == "", done.stderr
    changes = {
        (c["code"], c["unique_id"]): c["reason"]
        for c in read_json(report)["sections"]["diff"]["changes"]
    }
    assert ("risky.filter_changed", "model.shop.int_order_payments") in changes
    assert not [m for m in changes.values() if "layout, comments or config only" in m]
    # Only the base build's manifest there (downloaded from production): its compiled SQL is
    # not the pull request's either.
    shutil.rmtree(project / "prod-target" / "compiled")
    done = dbtgate("diff", "--base", "prod-target", "--json", str(report), cwd=project)
    diff = read_json(report)["sections"]["diff"]
    messages = [c["reason"] for c in diff["changes"]]
    assert not [m for m in messages if "layout, comments or config only" in m]
    # Said once, with where the files belong: the three rows say only "SQL changed".
    code_rows = sorted(c["reason"] for c in diff["changes"] if c["code"] == "safe.code_changed")
    assert code_rows == [
        "customer_ltv: SQL changed",
        "int_order_payments: SQL changed",
        "orders_summary v2: SQL changed",
    ]
    note = (
        "3 SQL changes (safe.code_changed) not compared for filters and grain: the base "
        "build's compiled SQL is not beside its manifest.json (dbt writes it to "
        "target/compiled: keep that folder with the base's artifacts to compare them)"
    )
    assert note in diff["notes"], diff["notes"]
    assert f"note: {note}" in done.stdout


def test_sql_changes_a_build_without_compiled_sql_cannot_compare_say_which_build_once(
    shop_builds, tmp_path
):
    """The pull request's compiled folder gone (a `dbt parse` leaves none), then both builds':
    one note names the build without it, not a row each."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(shop_builds.pr, project, ignore=shutil.ignore_patterns("logs"))
    shutil.copytree(shop_builds.base / "target", project / "prod-target")
    shutil.rmtree(project / "target" / "compiled")
    report = tmp_path / "diff.json"
    dbtgate("diff", "--base", "prod-target", "--json", str(report), cwd=project)
    notes = read_json(report)["sections"]["diff"]["notes"]
    assert [n for n in notes if "not compared for filters and grain" in n] == [
        "3 SQL changes (safe.code_changed) not compared for filters and grain: the pull "
        "request's compiled SQL is not on disk (dbt writes it to target/compiled when it "
        "compiles, builds or runs; `dbt parse` writes none)"
    ]
    shutil.rmtree(project / "prod-target" / "compiled")
    dbtgate("diff", "--base", "prod-target", "--json", str(report), cwd=project)
    notes = read_json(report)["sections"]["diff"]["notes"]
    assert [n for n in notes if "not compared for filters and grain" in n] == [
        "3 SQL changes (safe.code_changed) not compared for filters and grain: neither "
        "build's compiled SQL is on disk (dbt writes it to target/compiled: keep that folder "
        "with each build's manifest.json to compare them)"
    ]
