"""Run from a folder below the repository's root, the console names the files of its notes as
it names the findings' files: from the working directory (`locate.console_paths`,
`named_files`); the reports keep naming them from the root, byte for byte as a run from the
root writes them."""

from __future__ import annotations

import datetime as dt
import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import model, write_build
from lint_repos import commit_all, git, init_repo, main_then_pr

CONFIG = """\
version: 1
artifacts: target
freshness: {enabled: false}
policies:
  - select: "resource_type:model"
    rules:
      code.max_lines: {severity: warn, max: 3}
"""
STALE = " changed since the manifest was written"


@pytest.mark.slow
def test_a_note_names_its_file_from_the_working_directory_and_the_reports_from_the_root(
    shop_builds, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    project = repo / "analytics"
    shutil.copytree(shop_builds.base, project, ignore=shutil.ignore_patterns("logs"))
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (project / "dbtgate.yml").write_text(CONFIG, encoding="utf-8")
    edited = project / "models/staging/stg_customers.sql"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    here = project / "models/marts"
    below = dbtgate(
        "check", "--project-dir", "../..", "--json", str(tmp_path / "below.json"), cwd=here
    )
    at_root = dbtgate(
        "check", "--project-dir", "analytics", "--json", str(tmp_path / "root.json"), cwd=repo
    )
    assert below.returncode == at_root.returncode == 0, below.stdout + below.stderr
    assert f"note: ../staging/stg_customers.sql{STALE}" in below.stdout
    assert f"note: analytics/models/staging/stg_customers.sql{STALE}" in at_root.stdout
    # The reports: the root's path, as from the root.
    notes = [
        json.loads((tmp_path / f"{run}.json").read_text())["notes"] for run in ("below", "root")
    ]
    assert notes[0] == notes[1]
    assert f"analytics/models/staging/stg_customers.sql{STALE}" in " ".join(notes[0])
    # Prose is not a path: the rest of each note is as the report says it.
    said = next(line for line in below.stdout.splitlines() if STALE in line)
    assert said.split(STALE, 1)[1] == next(n for n in notes[0] if STALE in n).split(STALE, 1)[1]


POLICIES = """\
version: 1
baseline: dbtgate-baseline.json
policies:
  - select: "resource_type:model"
    exclude: "tag:nope"
    rules:
      docs.model_description: warn
  - select: "tag:nope"
    rules:
      docs.model_description: warn
breaking:
  acknowledge:
    - {change: breaking.column_removed, select: orders, reason: "on purpose", owner: "@data"}
"""


def _orders(description: str) -> list[dict]:
    return [model("orders", [("id", "integer")], description=description)]


def test_the_config_and_baseline_a_note_names_are_named_from_the_working_directory(
    tmp_path: Path,
) -> None:
    """The notes on a line of the config (a policy's exclude or select matching nothing, an
    acknowledgement matching no change) and on the baseline (entries fixed) name those files
    from the working directory on the console; the reports from the root, as a run there."""
    repo = tmp_path / "repo"
    project = repo / "analytics"
    init_repo(repo)
    (project / "models/staging").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: proj\nprofile: proj\n", encoding="utf-8")
    (project / "dbtgate.yml").write_text(POLICIES, encoding="utf-8")
    write_build(tmp_path / "base", _orders("The orders."))
    write_build(project, _orders(""))  # no description: the baseline records the finding
    recorded = dbtgate("baseline", "--project-dir", "analytics", cwd=repo)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    write_build(project, _orders("The orders."))  # fixed since
    base = str(tmp_path / "base")
    here = project / "models/staging"
    below = dbtgate(
        "check", "--project-dir", "../..", "--base", base, "--json", "../below.json", cwd=here
    )
    at_root = dbtgate(
        "check", "--project-dir", "analytics", "--base", base, "--json", "root.json", cwd=repo
    )
    assert below.returncode == at_root.returncode == 0, below.stdout + below.stderr
    said = {
        "exclude": ":4: policy exclude 'tag:nope' matches no resources",
        "select": ":8: policy select 'tag:nope' selects no resources",
        "stale": ":13: acknowledgement of breaking.column_removed on 'orders' matches no change",
    }
    for run, config in ((below, "../../dbtgate.yml"), (at_root, "analytics/dbtgate.yml")):
        for what in said.values():
            assert f"note: {config}{what}" in run.stdout, run.stdout
        assert f"partly checked: {config}{said['select']}" in run.stdout, run.stdout
    fixed = ": 1 of 1 entries fixed since it was written (docs.model_description on "
    assert f"note: baseline ../../dbtgate-baseline.json{fixed}" in below.stdout, below.stdout
    assert f"note: baseline analytics/dbtgate-baseline.json{fixed}" in at_root.stdout
    # The reports: the root's paths, byte for byte as from the root.
    reports = [
        json.loads(path.read_text()) for path in (project / "models/below.json", repo / "root.json")
    ]
    for key in ("notes", "partly_checked"):
        assert reports[0][key] == reports[1][key], key
    assert f"analytics/dbtgate.yml{said['stale']}" in " ".join(reports[0]["notes"])
    assert reports[0]["sections"]["diff"]["notes"] == reports[1]["sections"]["diff"]["notes"]


# The fixture's policies with its lint, on the lines the pull request changed, and a finding
# for the baseline to record.
WARNED = """\
version: 1
artifacts: target
scope: changed
freshness: {enabled: false}
lint: {enabled: true, dialect: duckdb, templater: jinja}
policies:
  - select: "resource_type:model"
    rules:
      docs.column_coverage: {severity: warn, min: 1.0}
"""


def _catalog_days_before(target: Path, days: int) -> None:
    """The build's catalog.json as `dbt docs generate` wrote it `days` before the manifest."""
    written = json.loads((target / "manifest.json").read_text())["metadata"]["generated_at"]
    at = dt.datetime.fromisoformat(written.replace("Z", "+00:00")) - dt.timedelta(days=days)
    catalog = json.loads((target / "catalog.json").read_text())
    catalog["metadata"]["generated_at"] = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    (target / "catalog.json").write_text(json.dumps(catalog))


def _pull_request(shop_builds, repo: Path) -> Path:
    """A repository whose `main` holds the fixture's base build in analytics/ and whose `pr`
    branch (checked out) its pull request's build: a test failing, lines lint finds."""
    init_repo(repo)
    project = repo / "analytics"
    for step, build in (("base", shop_builds.base), ("pull request", shop_builds.pr)):
        shutil.rmtree(project, ignore_errors=True)
        shutil.copytree(build, project, ignore=shutil.ignore_patterns("logs"))
        (project / "dbtgate.yml").write_text(WARNED, encoding="utf-8")
        commit_all(repo, step)
        if step == "base":
            git(repo, "checkout", "--quiet", "-b", "pr")
    return project


@pytest.mark.slow
def test_artifact_and_unread_baseline_warnings_name_their_files_from_the_root(
    shop_builds, tmp_path: Path
) -> None:
    """A catalog older than the build and a baseline nothing names, lint's findings with their
    fix commands, a failing test with its compiled query: the console names each file from the
    working directory, as it was given there, and writes the commands to run there; the reports
    from the repository's root, every one of them byte for byte as a run from the root."""
    repo = tmp_path / "repo"
    project = _pull_request(shop_builds, repo)
    _catalog_days_before(project / "target", 3)
    recorded = dbtgate("baseline", cwd=project)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    here = project / "models/marts"
    below = dbtgate(
        *("check", "--project-dir", "../..", "--artifacts", "../../target"),
        *("--json", str(tmp_path / "below.json"), "--out", str(tmp_path / "below")),
        cwd=here,
    )
    at_root = dbtgate(
        *("check", "--project-dir", "analytics", "--artifacts", "analytics/target"),
        *("--json", str(tmp_path / "root.json"), "--out", str(tmp_path / "root")),
        cwd=repo,
    )
    # The planted test fails, and lint finds the pull request's new lines.
    assert below.returncode == at_root.returncode == 1, below.stdout + below.stderr
    catalog = ": written 3.0 days before the manifest (by an earlier `dbt docs generate`?)"
    unread = " is not read (neither the config nor --baseline names it)"
    for run, folder in ((below, "../../"), (at_root, "analytics/")):
        said = " ".join(run.stdout.split())
        assert f"warning: {folder}target/catalog.json{catalog}" in said, run.stdout
        assert f"warning: {folder}dbtgate-baseline.json{unread}" in said, run.stdout
        assert f"in {folder}dbtgate.yml, or pass --baseline {folder}dbtgate-baseline.json" in (
            said
        ), run.stdout
    # The reports: the root's paths, byte for byte as from the root.
    assert (tmp_path / "below.json").read_bytes() == (tmp_path / "root.json").read_bytes()
    written = sorted(path.name for path in (tmp_path / "root").iterdir())
    assert "gate.md" in written and "gate.html" in written
    for name in written:
        assert (tmp_path / "below" / name).read_bytes() == (tmp_path / "root" / name).read_bytes()
    report = json.loads((tmp_path / "root.json").read_text())
    warnings = report["warnings"]
    assert any(w.startswith(f"analytics/target/catalog.json{catalog}") for w in warnings)
    assert any(w.startswith(f"analytics/dbtgate-baseline.json{unread}") for w in warnings)
    # The reports' fix commands paste at the root; the console's where it ran.
    fixes = {f["code"]: f["fix"] for f in report["findings"] if f["disposition"] == "blocking"}
    payments = "analytics/models/intermediate/int_order_payments.sql"
    cp01 = "dbtgate lint --fix CP01 {} --base-ref main --project-dir {}"
    assert fixes["lint.CP01"] == cp01.format(payments, "analytics")
    query = "target/compiled/shop/models/marts/_marts.yml/not_null_customer_ltv_avg_order_value.sql"
    assert f"Run the compiled query (`analytics/{query}`)" in fixes["run.test_failures"]
    printed = cp01.format("../intermediate/int_order_payments.sql", "../..")
    for run, command, target in (
        (below, printed, "../../"),
        (at_root, fixes["lint.CP01"], "analytics/"),
    ):
        said = " ".join(run.stdout.split())
        assert f"fix: {command}" in said, run.stdout
        assert f"Run the compiled query (`{target}{query}`)" in said, run.stdout
    assert (here / "../.." / query).is_file()
    # The command the console printed runs where it was printed: it fixes the pull request's
    # line, in the file it names.
    fixed = dbtgate(*shlex.split(printed)[1:], cwd=here)
    assert fixed.returncode in (0, 1), fixed.stdout + fixed.stderr
    assert "1 file fixed (../intermediate/int_order_payments.sql: 6 CP01)" in fixed.stdout
    assert git(repo, "diff", "--name-only").split() == [payments]


LINTED = "scope: changed\nlint: {enabled: true, dialect: duckdb}\n"


def test_a_fix_command_pastes_at_the_root_in_the_report_and_where_lint_ran_on_the_console(
    tmp_path: Path,
) -> None:
    """A project in a folder whose name needs quoting: the report's command pastes at the
    repository's root, the same from any folder; the console's where it ran, without the
    `--project-dir` the project's own folder needs none of, and it fixes the line from there."""
    repo = tmp_path / "repo"
    project = (
        main_then_pr(
            repo,
            {
                "an alytics/dbt_project.yml": "name: demo\nversion: '1.0'\nprofile: demo\n",
                "an alytics/dbtgate.yml": LINTED,
                "an alytics/models/t.sql": "select 1 as id\n",
            },
            {"an alytics/models/t.sql": "select  1 as id\n"},  # LT01, written by the change
        )
        / "an alytics"
    )
    runs = {
        folder: dbtgate("lint", "--json", str(tmp_path / f"{folder.name}.json"), cwd=folder)
        for folder in (project, project / "models")
    }
    for run in runs.values():
        assert run.returncode == 1, run.stdout + run.stderr
    reports = [(tmp_path / f"{folder.name}.json").read_bytes() for folder in runs]
    assert reports[0] == reports[1]
    [fix] = {f["fix"] for f in json.loads(reports[0])["findings"]}
    assert fix == (
        "dbtgate lint --fix LT01 'an alytics/models/t.sql' --base-ref main "
        "--project-dir 'an alytics'"
    )
    said = {folder: " ".join(run.stdout.split()) for folder, run in runs.items()}
    assert "fix: dbtgate lint --fix LT01 models/t.sql --base-ref main reports:" in said[project]
    printed = "dbtgate lint --fix LT01 t.sql --base-ref main --project-dir .."
    assert f"fix: {printed} reports:" in said[project / "models"]
    fixed = dbtgate(*shlex.split(printed)[1:], cwd=project / "models")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (project / "models/t.sql").read_text() == "select 1 as id\n"
