"""The fixture pull request linted as a team would: only the violations its lines wrote block.

fixtures/README.md ("The pull request", change 7, and the lint table): the PR rewrites line 10 of
`models/intermediate/int_order_payments.sql` and adds line 13, both with new sqlfluff
violations; line 11 carries two LT01 that were already in the base.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate as plain_dbtgate
from lint_repos import commit_all, git, lint_gate, shop_pr_repo

from dbtgate.artifacts import load_artifacts
from dbtgate.config import Config, LintConfig
from dbtgate.errors import DbtgateError
from dbtgate.lint.run import project_without_build, run_lint
from dbtgate.project import Project

PAYMENTS = "models/intermediate/int_order_payments.sql"
CHANGED_SQL = {
    PAYMENTS,
    "models/marts/customer_ltv.sql",
    "models/marts/customer_segments.sql",
    "models/marts/orders_summary_v2.sql",
}
NEW_VIOLATIONS = {
    ("lint.LT05", 10, 5),
    ("lint.CP03", 10, 5),
    *{("lint.CP01", 10, column) for column in (9, 14, 38, 53, 65, 72)},
    ("lint.LT01", 10, 92),
    ("lint.LT05", 13, 1),
}
BASE_DEBT = {("lint.LT01", 11, 63), ("lint.LT01", 11, 64)}


def positions(findings, disposition):
    return {(f.code, f.line, f.column) for f in findings if f.disposition == disposition}


def test_violations_on_changed_lines_block_and_untouched_debt_does_not(tmp_path):
    project = shop_pr_repo(tmp_path / "repo", subdir="transform")
    result, run = lint_gate(project)
    assert {linted.path for linted in run.files} == CHANGED_SQL
    assert {f.path for f in result.findings} == {PAYMENTS}
    assert positions(result.findings, "blocking") == NEW_VIOLATIONS
    assert positions(result.findings, "out_of_scope") == BASE_DEBT
    assert result.decision == "fail"
    by_line = {f.line: f.changed for f in result.findings}
    assert by_line == {10: True, 11: False, 13: True}


def test_fixing_the_changed_lines_passes_while_the_old_debt_stays_reported(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    model = project / PAYMENTS
    lines = model.read_text().splitlines()
    lines[12:13] = [
        "where",
        "    payment_method is not null",
        "    and status in ('success', 'failed')",
        "    and order_id is not null",
    ]
    lines[9:10] = [
        "    sum(case when status = 'success' and amount > 0 then amount else 0 end)",
        "        as amount_paid,",
    ]
    model.write_text("\n".join(lines) + "\n")
    commit_all(project, "lint fixes")
    result, _ = lint_gate(project)
    assert result.decision == "pass"
    assert positions(result.findings, "out_of_scope") == {
        ("lint.LT01", 12, 63),
        ("lint.LT01", 12, 64),
    }
    assert positions(result.findings, "blocking") == set()


def test_scope_all_blocks_on_the_old_debt_too(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    result, _ = lint_gate(project, scope="all")
    assert positions(result.findings, "blocking") == NEW_VIOLATIONS | BASE_DEBT


def test_lint_all_lints_every_sql_file_but_untouched_files_do_not_block(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    result, run = lint_gate(project, lint_all=True)
    assert len(run.files) == 16  # 15 models of the PR + the singular test
    assert "tests/assert_paid_orders_have_items.sql" in {linted.path for linted in run.files}
    assert positions(result.findings, "blocking") == NEW_VIOLATIONS
    assert positions(result.findings, "out_of_scope") == BASE_DEBT


def test_fingerprints_survive_lines_inserted_above(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    before, _ = lint_gate(project)
    model = project / PAYMENTS
    model.write_text("-- Payments per order.\n-- One row per order.\n" + model.read_text())
    after, _ = lint_gate(project)
    assert {f.line for f in after.findings} == {12, 13, 15}
    assert sorted(f.fingerprint for f in after.findings) == sorted(
        f.fingerprint for f in before.findings
    )
    assert len({f.fingerprint for f in before.findings}) == len(before.findings)


def dbtgate(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command in a plain environment whose HOME is `cwd`: nothing of the tester's home."""
    return plain_dbtgate(*args, cwd=cwd, env={"HOME": str(cwd), **(env or {})})


def test_lint_command_from_the_repository_root_fails_the_pr_and_writes_the_json_report(tmp_path):
    root = tmp_path / "repo"
    shop_pr_repo(root, subdir="transform")
    (root / "dbtgate.yml").write_text(
        "scope: changed\nlint:\n  dialect: duckdb\n  base_ref: main\n  severity: {LT05: warn}\n"
    )
    result = dbtgate("lint", "--project-dir", "transform", "--json", "gate.json", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"transform/{PAYMENTS}:10" in result.stdout
    assert "not checked" not in result.stdout  # lint checks no breaking changes to miss
    report = json.loads((root / "gate.json").read_text())
    assert report["not_checked"] == []
    assert report["sections"]["lint"]["base_ref"] == "main"
    assert report["sections"]["lint"]["files"] == sorted(f"transform/{p}" for p in CHANGED_SQL)
    findings = report["findings"]
    assert {f["path"] for f in findings} == {f"transform/{PAYMENTS}"}
    long_lines = [f for f in findings if f["code"] == "lint.LT05"]
    assert {(f["line"], f["severity"], f["disposition"]) for f in long_lines} == {
        (10, "warn", "advisory"),
        (13, "warn", "advisory"),
    }
    keyword = next(f for f in findings if f["code"] == "lint.CP01")
    assert keyword["disposition"] == "blocking"
    # Scoped to the change (`--base-ref`): it fixes what the change did, not the file's debt.
    assert keyword["fix"] == (
        f"dbtgate lint --fix CP01 transform/{PAYMENTS} --base-ref main --project-dir transform"
    )
    # From the dbt project's folder, with its own config: the findings still name the file
    # from the repository's root (annotations, code scanning), and the fix command is written
    # to paste there, where that config is not the one found; the console's pastes here, where
    # it is found without --config.
    inside = dbtgate("lint", "--json", "gate.json", cwd=root / "transform")
    assert inside.returncode == 1, inside.stdout + inside.stderr
    findings = json.loads((root / "transform" / "gate.json").read_text())["findings"]
    keyword = next(f for f in findings if f["code"] == "lint.CP01")
    assert keyword["path"] == f"transform/{PAYMENTS}"
    assert keyword["fix"] == (
        f"dbtgate lint --fix CP01 transform/{PAYMENTS} --base-ref main --project-dir transform "
        "--config transform/dbtgate.yml"
    )
    here = f"dbtgate lint --fix CP01 {PAYMENTS} --base-ref main"
    assert f"fix: {here}\n" in "\n".join(
        " ".join(line.split()) for line in inside.stdout.splitlines()
    )
    pasted = dbtgate(*keyword["fix"].split()[1:], cwd=root)
    assert f"lint --fix: 1 file fixed (transform/{PAYMENTS}: 6 CP01)" in pasted.stdout, (
        pasted.stdout
    )


def test_lint_command_with_an_unknown_base_ref_is_one_line_and_exit_2(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    result = dbtgate("lint", "--base-ref", "origin/nope", cwd=project)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "base ref 'origin/nope' is not known to git" in result.stderr


def test_a_pull_request_run_whose_base_branch_was_not_fetched_stops_with_the_fetch(
    tmp_path, monkeypatch
):
    """actions/checkout's default clone (one commit, no base branch) in a pull request's run:
    the gate's lint (`when_unknown="all"`) once counted every line as changed and failed the
    pull request on the repository's old debt, with only a note. It stops and names the fetch;
    with the base branch fetched it gates the change."""
    project = shop_pr_repo(tmp_path / "repo")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--depth", "1", "--branch", "pr", project.as_uri(), "clone")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    config = Config(scope="changed", lint=LintConfig(enabled=True, dialect="duckdb"))
    with pytest.raises(DbtgateError) as stopped:
        run_lint(project_without_build(clone), config, when_unknown="all")
    assert str(stopped.value) == (
        f"{clone}: the pull request's base branch origin/main (GITHUB_BASE_REF) is not known "
        "to git, so lint cannot tell what the change did (the clone is shallow: fetch `git "
        "fetch origin main`, or check out with `fetch-depth: 0` in actions/checkout; close "
        "names: `origin/pr`)"
    )
    cli = dbtgate("lint", cwd=clone, env={"GITHUB_BASE_REF": "main"})
    assert (cli.returncode, cli.stderr.count("\n")) == (2, 1), cli.stdout + cli.stderr
    assert "fetch-depth: 0" in cli.stderr

    git(clone, "fetch", "--quiet", "--unshallow", "origin", "main:refs/remotes/origin/main")
    result, _ = lint_gate(clone, base_ref=None)
    assert positions(result.findings, "blocking") == NEW_VIOLATIONS
    assert positions(result.findings, "out_of_scope") == BASE_DEBT


def test_lint_command_outside_git_needs_all(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    git(project, "checkout", "--quiet", "main")
    plain = tmp_path / "plain"
    subprocess.run(["cp", "-r", str(project), str(plain)], check=True)
    subprocess.run(["rm", "-rf", str(plain / ".git")], check=True)
    (plain / "dbtgate.yml").write_text("lint: {dialect: duckdb}\n")
    refused = dbtgate("lint", cwd=plain)
    assert refused.returncode == 2
    assert "not inside a git repository" in refused.stderr
    everything = dbtgate("lint", "--all", cwd=plain)
    # Without git every line counts as changed: the base's own LT01 debt blocks.
    assert everything.returncode == 1, everything.stdout + everything.stderr
    assert f"{PAYMENTS}:11" in everything.stdout


@pytest.mark.slow
def test_check_lints_when_enabled_and_maps_files_to_models(tmp_path, shop_builds):
    project = shop_pr_repo(tmp_path / "repo")
    artifacts = load_artifacts(shop_builds.pr / "target")
    result, _ = lint_gate(project, project=Project.from_artifacts(artifacts, project))
    payments = {f.unique_id for f in result.findings}
    assert payments == {"model.shop.int_order_payments"}
    assert {f.owner for f in result.findings} == {"@finance-eng"}
    assert {f.tier for f in result.findings} == {2}

    (project / "dbtgate.yml").write_text("scope: changed\nlint: {enabled: true, base_ref: main}\n")
    cli = dbtgate(
        "check",
        "--artifacts",
        str(shop_builds.pr / "target"),
        "--project-dir",
        ".",
        "--json",
        "gate.json",
        cwd=project,
    )
    assert cli.returncode == 1, cli.stdout + cli.stderr
    report = json.loads((project / "gate.json").read_text())
    lint = [f for f in report["findings"] if f["family"] == "lint"]
    # The dialect came from the manifest's adapter (duckdb): no lint.dialect configured.
    assert report["sections"]["lint"]["dialect"] == "duckdb"
    assert positions_json(lint, "blocking") == NEW_VIOLATIONS
    assert positions_json(lint, "out_of_scope") == BASE_DEBT
    assert {f["unique_id"] for f in lint} == {"model.shop.int_order_payments"}


def positions_json(findings, disposition):
    return {
        (f["code"], f["line"], f["column"]) for f in findings if f["disposition"] == disposition
    }


@pytest.mark.slow
def test_demo_check_lints_the_pr_against_the_base_build_without_git(shop_builds, tmp_path):
    """`dbtgate demo` gates the PR build (a plain directory, no git) with the fixture's own
    dbtgate.yml, which enables lint: the changed lines come from the base build's SQL."""
    report_path = tmp_path / "gate.json"
    cli = dbtgate(
        "check",
        "--artifacts",
        "target",
        "--base",
        str(shop_builds.base / "target"),
        "--json",
        str(report_path),
        cwd=shop_builds.pr,
    )
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert f"{PAYMENTS}:10" in cli.stdout
    report = json.loads(report_path.read_text())
    section = report["sections"]["lint"]
    assert (section["changes_from"], section["base_ref"]) == ("base build", None)
    assert section["base_build"].endswith("target/manifest.json")
    assert section["files"] == sorted(CHANGED_SQL)
    assert "lint: changed files and lines were measured against the base build's SQL" in (
        " ".join(report["notes"])
    )
    lint = [f for f in report["findings"] if f["family"] == "lint"]
    assert positions_json(lint, "blocking") == NEW_VIOLATIONS
    assert positions_json(lint, "out_of_scope") == BASE_DEBT
    assert {f["unique_id"] for f in lint} == {"model.shop.int_order_payments"}

    # Without --base there is nothing to measure the change against: every file is linted and
    # every line counts, as the gate treats every resource as changed without a base.
    unscoped = tmp_path / "unscoped.json"
    cli = dbtgate("check", "--artifacts", "target", "--json", str(unscoped), cwd=shop_builds.pr)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    report = json.loads(unscoped.read_text())
    assert len(report["sections"]["lint"]["files"]) == 16
    lint = [f for f in report["findings"] if f["family"] == "lint"]
    assert positions_json(lint, "blocking") == NEW_VIOLATIONS | BASE_DEBT
    assert any("every line counts as changed" in note for note in report["notes"])


@pytest.mark.slow
def test_a_baseline_records_the_lint_debt_so_check_blocks_only_on_new_lines(tmp_path, shop_builds):
    """`dbtgate baseline` lints every file (legacy SQL is what a baseline is for); `check
    --baseline` then blocks on no lint finding it recorded."""
    project = shop_pr_repo(tmp_path / "repo")
    (project / "dbtgate.yml").write_text("scope: all\nlint: {enabled: true, base_ref: main}\n")
    target = str(shop_builds.pr / "target")
    recorded = dbtgate("baseline", "--artifacts", target, "--project-dir", ".", cwd=project)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    baseline = json.loads((project / "dbtgate-baseline.json").read_text())
    assert any(entry["code"].startswith("lint.") for entry in baseline["findings"])
    cli = dbtgate(
        "check", "--artifacts", target, "--project-dir", ".", "--json", "gate.json",
        "--baseline", "dbtgate-baseline.json", cwd=project,
    )  # fmt: skip
    report = json.loads((project / "gate.json").read_text())
    lint = [f for f in report["findings"] if f["family"] == "lint"]
    assert lint and {f["disposition"] for f in lint} == {"baselined"}
    assert cli.returncode in (0, 1), cli.stdout + cli.stderr


@pytest.mark.slow
def test_finding_paths_are_relative_to_the_repository_root_from_any_folder(tmp_path, shop_builds):
    """Code scanning, annotations and GitLab resolve paths from the repository root: a dbt
    project in dbt/ gates as dbt/models/..., whether dbtgate runs in dbt/ or below it."""
    project = shop_pr_repo(tmp_path / "repo", subdir="dbt")
    (project / "dbtgate.yml").write_text(
        "version: 1\npolicies:\n  - select: '*'\n    rules: {owner.present: error}\n"
    )
    report_path = tmp_path / "gate.json"
    for cwd in (project, project / "models" / "marts"):
        cli = dbtgate(
            "check", "--artifacts", str(shop_builds.pr / "target"),
            "--project-dir", str(project), "--json", str(report_path), cwd=cwd,
        )  # fmt: skip
        assert cli.returncode in (0, 1), cli.stdout + cli.stderr
        paths = {f["path"] for f in json.loads(report_path.read_text())["findings"] if f["path"]}
        assert paths, cli.stdout
        assert all(path.startswith(("dbt/models/", "dbt/seeds/")) for path in paths), paths
