"""`lint.templater: dbt`: sqlfluff's dbt templater compiling the fixture with dbt-duckdb for real.

sqlfluff-templater-dbt pins the exact sqlfluff version it was released with, so it is the optional
`lint-dbt` extra rather than a core dependency; the `dev` extra includes it, so these tests run in
CI (they skip, saying why, in an environment without it). `dbtgate lint` runs in a child process
(`lint_repos.dbt_lint_report`): dbt keeps global state in the process it runs in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from lint_repos import (
    commit_all,
    dbt_lint_report,
    dbt_templater_sqlfluff,
    duckdb_profiles,
    needs_dbt_templater,
    shop_pr_repo,
)

# dbt parses the project: about 6 s per test.
pytestmark = [pytest.mark.slow, needs_dbt_templater]
PAYMENTS = "models/intermediate/int_order_payments.sql"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The fixture PR in a git repository, with a DuckDB profile and the dbt templater pointed
    at both (profiles_dir and project_dir in the project's .sqlfluff), chosen in dbtgate.yml."""
    project = shop_pr_repo(tmp_path / "repo")
    profiles = duckdb_profiles(tmp_path, "shop")
    (project / ".sqlfluff").write_text(dbt_templater_sqlfluff(project, profiles))
    (project / "dbtgate.yml").write_text(
        "version: 1\nscope: changed\nlint: {enabled: true, dialect: duckdb, templater: dbt}\n"
    )
    commit_all(project, "dbt templater settings")
    return project


def test_dbt_templater_finds_the_same_violations_on_the_same_lines(project, tmp_path):
    report = dbt_lint_report(project, tmp_path / "lint.json")
    assert report["sections"]["lint"]["templater"] == "dbt"
    findings = report["findings"]
    assert {f["path"] for f in findings} == {PAYMENTS}
    blocking = {(f["code"], f["line"]) for f in findings if f["disposition"] == "blocking"}
    assert blocking == {
        ("lint.LT05", 10),
        ("lint.CP03", 10),
        ("lint.CP01", 10),
        ("lint.LT01", 10),
        ("lint.LT05", 13),
    }
    assert {(f["code"], f["line"], f["column"]) for f in findings if f["line"] == 11} == {
        ("lint.LT01", 11, 63),
        ("lint.LT01", 11, 64),
    }
    assert {f["disposition"] for f in findings if f["line"] == 11} == {"out_of_scope"}


def test_a_model_dbt_cannot_compile_is_unparsable_and_the_run_still_ends(project, tmp_path):
    (project / "models/marts/broken.sql").write_text(
        "select\n    order_id\nfrom {{ ref('fct_orders' }}\n"
    )
    commit_all(project, "a broken model")
    report = dbt_lint_report(project, tmp_path / "lint.json")
    unparsable = {f["path"]: f for f in report["findings"] if f["code"] == "lint.unparsable"}
    broken = unparsable.pop("models/marts/broken.sql")
    assert broken["line"] == 3
    assert "Compilation Error in model broken (models/marts/broken.sql)" in broken["message"]
    assert broken["disposition"] == "blocking"
    # dbt compiles the whole project first, so the other changed files could not be linted:
    # each says so rather than passing silently.
    linted = set(report["sections"]["lint"]["files"])
    assert set(unparsable) == linted - {"models/marts/broken.sql"}
    assert unparsable  # (the fixture's pull request changes other SQL files)
    assert all(
        f["message"].startswith("not linted: the dbt templater") for f in unparsable.values()
    )
    assert report["verdict"] == "fail"


def test_a_changed_file_dbt_does_not_know_is_said_not_linted_and_a_disabled_one_skipped(
    project, tmp_path
):
    """The dbt templater skips a SQL file dbt does not know (`.dbtignore`) and a disabled model;
    sqlfluff only logs both. The unknown one is not listed as linted (it passed silently): a
    note says why, not a finding (dbt neither builds nor runs it). The disabled one is dbt's own
    choice, skipped without a word (nor sqlfluff's warning on stderr)."""
    (project / ".dbtignore").write_text("models/scratch/\n")
    (project / "models/scratch").mkdir()
    (project / "models/scratch/try.sql").write_text("select  1 as a\n")
    (project / "models/marts/off.sql").write_text("{{ config(enabled=false) }}\nselect  1 as a\n")
    commit_all(project, "a scratch model dbt ignores, and a disabled one")
    done = dbtgate(
        "lint",
        "--base-ref",
        "main",
        "--json",
        str(tmp_path / "lint.json"),
        cwd=project,
        env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )
    assert done.returncode == 1, done.stderr
    assert "off.sql" not in done.stderr
    assert "off.sql" not in done.stdout
    report = json.loads((tmp_path / "lint.json").read_text())
    linted = report["sections"]["lint"]["files"]
    assert "models/scratch/try.sql" not in linted
    assert PAYMENTS in linted  # the others are linted as ever
    assert [f for f in report["findings"] if "scratch" in f["path"] or "off.sql" in f["path"]] == []
    assert (
        "lint: models/scratch/try.sql: not linted: dbt does not know it (a .dbtignore entry, or a "
        "folder dbt does not read), so the dbt templater had nothing to compile (lint.templater: "
        "jinja would lint it)"
    ) in report["notes"]
    assert not [note for note in report["notes"] if "off.sql" in note]
