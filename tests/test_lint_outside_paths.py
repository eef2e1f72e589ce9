"""SQL files of a dbt project's model, analysis and test paths outside its folder
(`model-paths: [models, ../shared_models]`, a monorepo's models shared by its projects) are its
SQL files: linted as those inside it, their changed lines measured with git or against the base
build's SQL, and named from the repository's root, on real git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_support import dbtgate
from lint_repos import (
    dbt_lint_report,
    dbt_templater_sqlfluff,
    duckdb_profiles,
    lint_gate,
    main_then_pr,
    needs_dbt_templater,
)

CONFIG = "scope: changed\nlint: {enabled: true, dialect: duckdb}\n"
PROJECT = (
    "name: demo\nversion: '1.0'\nprofile: demo\n"
    "model-paths: [models, ../shared_models]\nanalysis-paths: [../shared_analyses]\n"
)
# `id  as x`: old debt on line 3 (LT01), which the pull request does not touch.
SHARED = "select\n    amount,\n    id  as x\nfrom {{ ref('t') }}\n"
# The pull request writes a violation on line 2 (LT01).
EDITED = SHARED.replace("    amount,", "    amount  as amt,")
FILES = {
    "project/dbt_project.yml": PROJECT,
    "project/dbtgate.yml": CONFIG,
    "project/models/t.sql": "select 1 as id, 100 as amount\n",
    "project/models/own.sql": "select\n    id\nfrom {{ ref('t') }}\n",
    "shared_models/shared.sql": SHARED,
    "shared_models/legacy/old.sql": "select  1 as id\n",
}


def outside_pr(root: Path, edits: dict[str, str], settings: dict[str, str] | None = None) -> Path:
    """FILES (with `settings`) on main, then `edits` (paths in the repository) committed on the
    checked-out `pr` branch. Returns the project's folder."""
    return main_then_pr(root, FILES | (settings or {}), dict(edits)) / "project"


def lint_report(project: Path, report: Path, *args: str) -> dict[str, Any]:
    """`dbtgate lint ARGS --json REPORT` run in the project's folder, as a user would."""
    done = dbtgate("lint", *args, "--json", str(report), cwd=project)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(report.read_text())


def found(report: dict[str, Any]) -> list[tuple[str, int | None, str, str]]:
    return sorted((f["path"], f["line"], f["code"], f["disposition"]) for f in report["findings"])


def test_a_changed_model_of_a_folder_outside_the_project_is_linted_on_its_changed_lines(tmp_path):
    project = outside_pr(
        tmp_path,
        {
            "shared_models/shared.sql": EDITED,
            "shared_analyses/new.sql": "select  1 as id\n",
        },
    )
    report = lint_report(project, tmp_path / "lint.json", "--base-ref", "main")
    # Named from the repository's root, where annotations and code scanning resolve paths.
    assert report["sections"]["lint"]["files"] == [
        "shared_analyses/new.sql",
        "shared_models/shared.sql",
    ]
    assert found(report) == [
        ("shared_analyses/new.sql", 1, "lint.LT01", "blocking"),  # a new file: every line
        ("shared_models/shared.sql", 2, "lint.LT01", "blocking"),
        ("shared_models/shared.sql", 3, "lint.LT01", "out_of_scope"),  # old debt
    ]
    [hint] = {f["fix"] for f in report["findings"] if f["line"] == 2 and f["code"] == "lint.LT01"}
    # The report's hint pastes at the repository's root, as its paths read.
    assert hint == (
        "dbtgate lint --fix LT01 shared_models/shared.sql --base-ref main --project-dir project"
    )
    # The hint works where it is pasted: it fixes the line the change wrote, not the old debt.
    fixed = dbtgate(*hint.split()[1:], cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (tmp_path / "shared_models/shared.sql").read_text() == EDITED.replace(
        "  as amt", " as amt"
    )


def test_every_file_with_all_the_projects_config_and_exclude_relative_to_the_project(tmp_path):
    """The project's sqlfluff config applies to its files outside its folder too (sqlfluff
    itself reads a file's config from the folders above the file): here, no LT01."""
    project = outside_pr(
        tmp_path,
        {"shared_models/shared.sql": EDITED},
        {
            "project/dbtgate.yml": CONFIG.replace("}", ', exclude: ["../shared_models/legacy/*"]}'),
            "project/.sqlfluff": "[sqlfluff]\nexclude_rules = LT01\n",
        },
    )
    report = lint_report(project, tmp_path / "lint.json", "--all")
    assert report["sections"]["lint"]["files"] == [
        "project/models/own.sql",
        "project/models/t.sql",
        "shared_models/shared.sql",
    ]
    assert [f for f in report["findings"] if f["code"] == "lint.LT01"] == []
    # A symbolic link in the shared folder to a file elsewhere is not the project's SQL.
    (tmp_path / "elsewhere.sql").write_text("select  1\n")
    (tmp_path / "shared_models/link.sql").symlink_to(tmp_path / "elsewhere.sql")
    report = lint_report(project, tmp_path / "lint.json", "--all")
    assert "shared_models/link.sql" not in report["sections"]["lint"]["files"]


def test_a_model_outside_the_project_is_measured_against_the_base_builds_sql(tmp_path):
    """Without git, against a base build whose manifest names the model as dbt does
    (`original_file_path: ../shared_models/shared.sql`)."""
    project = outside_pr(tmp_path, {})
    shutil.rmtree(tmp_path / ".git")
    base = tmp_path / "base"
    base.mkdir()
    node = {
        "unique_id": "model.demo.shared",
        "resource_type": "model",
        "package_name": "demo",
        "name": "shared",
        "path": "shared.sql",
        "original_file_path": "../shared_models/shared.sql",
        "raw_code": SHARED.strip(),
        "fqn": ["demo", "shared"],
    }
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "project_name": "demo",
            "adapter_type": "duckdb",
        },
        "nodes": {"model.demo.shared": node},
    }
    (base / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "shared_models/shared.sql").write_text(EDITED)
    report = lint_report(project, tmp_path / "lint.json", "--base", str(base))
    assert report["sections"]["lint"]["changes_from"] == "base build"
    shared = [f for f in found(report) if f[0].endswith("shared_models/shared.sql")]
    assert {(line, disposition) for _, line, _, disposition in shared} == {
        (2, "blocking"),
        (3, "out_of_scope"),
    }


QUALIFY = "{% macro qualify(col) %}{{ col }}{% endmacro %}\n"
CALLS = "select\n    {{ qualify('amount') }} as a,\n    id\nfrom {{ ref('t') }} as t\n"


@pytest.mark.slow
@needs_dbt_templater
def test_under_the_dbt_templater_a_changed_model_outside_the_project_is_linted(tmp_path):
    """dbt compiles the shared model where it is; with a macro change, the copy of the project
    compiled with the base's macros (`lint.dbt_base`) names the shared folder where it is, and
    the shared caller is rendered there."""
    profiles = duckdb_profiles(tmp_path, "demo")
    root = tmp_path / "repo"
    settings = {
        "project/.sqlfluff": dbt_templater_sqlfluff(root / "project", profiles),
        "project/dbtgate.yml": CONFIG.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
        "project/macros/qualify.sql": QUALIFY,
        "shared_models/calls.sql": CALLS,
    }
    project = outside_pr(root, {"shared_models/shared.sql": EDITED}, settings)
    report = dbt_lint_report(project, tmp_path / "lint.json")
    assert report["sections"]["lint"]["templater"] == "dbt"
    assert report["sections"]["lint"]["files"] == ["shared_models/shared.sql"]
    assert found(report) == [
        ("shared_models/shared.sql", 2, "lint.LT01", "blocking"),
        ("shared_models/shared.sql", 3, "lint.LT01", "out_of_scope"),
    ]
    # RF03: the macro now qualifies its column, and the shared caller's `id` is inconsistent.
    (root / "project/macros/qualify.sql").write_text(QUALIFY.replace("{{ col }}", "t.{{ col }}"))
    report = dbt_lint_report(project, tmp_path / "lint.json")
    assert report["sections"]["lint"]["files"] == [
        "shared_models/calls.sql",
        "shared_models/shared.sql",
    ]
    assert [f for f in found(report) if f[0] == "shared_models/calls.sql"] == [
        ("shared_models/calls.sql", 3, "lint.RF03", "blocking"),
        ("shared_models/calls.sql", 3, "lint.RF03", "blocking"),
    ]


def test_the_outside_folders_own_sqlfluff_config_applies_to_its_files_the_nearer_winning(tmp_path):
    """As sqlfluff nests config files: the shared folder's `.sqlfluff` over the project's for the
    files below it, and one in its subfolder over that (its `exclude_rules` replaces the
    shared folder's, so LT01 is back on there and CP01 off)."""
    project = outside_pr(
        tmp_path,
        {"shared_models/shared.sql": EDITED.replace("select", "SELECT")},
        {
            "project/models/spaced.sql": "select  1 as id\n",
            "shared_models/.sqlfluff": "[sqlfluff]\nexclude_rules = LT01\n",
            "shared_models/legacy/.sqlfluff": "[sqlfluff]\nexclude_rules = CP01\n",
            "shared_models/legacy/old.sql": "SELECT  1 as id\n",
        },
    )
    report = lint_report(project, tmp_path / "lint.json", "--all")
    assert sorted({(path, code) for path, _, code, _ in found(report) if "LT09" not in code}) == [
        ("project/models/spaced.sql", "lint.LT01"),  # the project's config: LT01 on
        ("shared_models/legacy/old.sql", "lint.LT01"),
        ("shared_models/shared.sql", "lint.CP01"),
    ]
    # What a baseline entry there was looked for by: its folder's rules (`baseline --prune`
    # keeps an entry of a rule turned off there).
    _, run = lint_gate(project, lint_all=True, base_ref=None, display_root=tmp_path)
    rules = {linted.path: linted.rules for linted in run.files}
    assert rules["project/models/spaced.sql"] is None  # the run's rules
    assert "LT01" not in rules["shared_models/shared.sql"]
    assert "CP01" in rules["shared_models/shared.sql"]
    assert "LT01" in rules["shared_models/legacy/old.sql"]
    assert "CP01" not in rules["shared_models/legacy/old.sql"]
    # The changed lines of a shared file, measured with git, are linted with its folder's config
    # (CP01: the upper-case SELECT makes the lower-case keywords below it inconsistent.)
    report = lint_report(project, tmp_path / "lint.json", "--base-ref", "main")
    assert {(path, code) for path, _, code, _ in found(report)} == {
        ("shared_models/shared.sql", "lint.CP01")
    }


def test_ignore_files_leave_out_an_outside_folders_files_as_sqlfluff_run_in_the_project_does(
    tmp_path,
):
    """The shared folder's own `.sqlfluffignore` applies to its files, and so does the project's,
    its patterns matched on the path from the project (`legacy/` matches
    `../shared_models/legacy/old.sql`): the files `sqlfluff lint . ../shared_models`, run in the
    project's folder, lints."""
    project = outside_pr(
        tmp_path,
        {
            "shared_models/legacy/old.sql": "select  2 as id\n",
            "shared_models/drafts/draft.sql": "select  3 as id\n",
            "project/models/legacy/gone.sql": "select  4 as id\n",
        },
        {
            "project/.sqlfluffignore": "legacy/\n",
            "shared_models/.sqlfluffignore": "drafts/\n",
            "shared_models/drafts/draft.sql": "select  1 as id\n",
            "project/models/legacy/gone.sql": "select  1 as id\n",
        },
    )
    report = lint_report(project, tmp_path / "lint.json", "--all")
    linted = report["sections"]["lint"]["files"]
    assert linted == ["project/models/own.sql", "project/models/t.sql", "shared_models/shared.sql"]
    sqlfluff = [sys.executable, "-m", "sqlfluff", "lint", "--dialect", "duckdb", "--format", "json"]
    done = subprocess.run(
        [*sqlfluff, ".", "../shared_models"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    by_sqlfluff = sorted(
        os.path.relpath(project / entry["filepath"], tmp_path) for entry in json.loads(done.stdout)
    )
    assert by_sqlfluff == linted
    # Changed there, they are still not linted.
    report = lint_report(project, tmp_path / "lint.json", "--base-ref", "main")
    assert report["sections"]["lint"]["files"] == []


def test_the_dialect_of_the_projects_sqlfluff_config_lints_the_files_outside_too(tmp_path):
    """The project's `.sqlfluff` naming the dialect (no `lint.dialect`): sqlfluff's own walk for
    a file outside reads no config with a dialect, which failed the whole run; the shared
    folder's `.sqlfluff` still applies on top."""
    project = outside_pr(
        tmp_path,
        {"shared_models/shared.sql": EDITED},
        {
            "project/dbtgate.yml": "scope: changed\nlint: {enabled: true}\n",
            "project/.sqlfluff": "[sqlfluff]\ndialect = duckdb\n",
            "shared_models/legacy/.sqlfluff": "[sqlfluff]\nexclude_rules = LT01\n",
        },
    )
    report = lint_report(project, tmp_path / "lint.json", "--all")
    assert sorted({(path, code) for path, _, code, _ in found(report) if "LT09" not in code}) == [
        ("shared_models/shared.sql", "lint.LT01"),
    ]
    report = lint_report(project, tmp_path / "lint.json", "--base-ref", "main")
    assert found(report) == [
        ("shared_models/shared.sql", 2, "lint.LT01", "blocking"),
        ("shared_models/shared.sql", 3, "lint.LT01", "out_of_scope"),
    ]


@pytest.mark.parametrize("folder", ["shared_models", "project/models/legacy"])
@pytest.mark.parametrize(
    ("setting", "error"),
    [
        ("dialect = duckbd", "dialect: unknown sqlfluff dialect 'duckbd' (known: ansi, "),
        (
            "exclude_rules = LT01, XX99",
            "exclude_rules: 'XX99' names no sqlfluff rule (a code like LT01, a name like "
            "layout.spacing, or a group like layout)\n",
        ),
        (
            "rules = capitalisation.keyword",
            "rules: 'capitalisation.keyword' names no sqlfluff rule (did you mean "
            "capitalisation.keywords?)\n",
        ),
    ],
)
@pytest.mark.parametrize("scope", ["--all", "--base-ref=main"])
def test_a_folders_own_sqlfluff_config_is_checked_as_the_projects_is(
    tmp_path, folder, setting, error, scope
):
    """A `.sqlfluff` of a shared folder outside the project, or of a folder inside it, naming an
    unknown dialect or no rule: one error naming its file and line, exit 2, as the project's own
    config gets (sqlfluff failed each file below it, or only logged a warning and linted on)."""
    project = outside_pr(
        tmp_path,
        {"shared_models/shared.sql": EDITED, "project/models/legacy/new.sql": "select 1 as id\n"},
        {
            "project/dbtgate.yml": "scope: changed\nlint: {enabled: true}\n",
            "project/.sqlfluff": "[sqlfluff]\ndialect = duckdb\n",
            f"{folder}/.sqlfluff": f"[sqlfluff]\n# ours\n{setting}\n",
        },
    )
    done = dbtgate("lint", scope, cwd=project)
    shown = "../shared_models" if folder == "shared_models" else "models/legacy"
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"dbtgate: error: {shown}/.sqlfluff:3: {error}"), done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout == ""
