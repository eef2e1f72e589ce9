"""Real temporary git repositories for the lint tests: the fixture project as a pull request.

The shop fixture is committed on `main`, then the `shop_pr` overlay (files replaced or added,
`DELETED` removed) is committed on a `pr` branch, exactly as a team's repository would look when
dbtgate runs on the pull request. The dbt project can sit in a subdirectory of the repository.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_support import dbtgate, installed

from dbtgate.checks import CheckContext
from dbtgate.config import Config, LintConfig
from dbtgate.gate import GateResult, run_gate
from dbtgate.lint.check import LINT_RUN_OPTION
from dbtgate.lint.run import LintRun, project_without_build, run_lint
from dbtgate.project import Project

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
        "PATH": "/usr/bin:/bin:/usr/local/bin",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "--quiet", "--initial-branch=main")
    return root


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", message)


def main_then_pr(root: Path, main: dict[str, str], pr: dict[str, str | None]) -> Path:
    """A repository at `root` with the files `main` (paths in the repository -> text) committed
    on `main`, then `pr` (None: deleted) committed on the checked-out branch `pr`."""
    init_repo(root)
    for step, files in (("base", main), ("pull request", pr)):
        if step == "pull request":
            git(root, "checkout", "--quiet", "-b", "pr")
        for relative, text in files.items():
            if text is None:
                (root / relative).unlink()
            else:
                (root / relative).parent.mkdir(parents=True, exist_ok=True)
                (root / relative).write_text(text)
        commit_all(root, step)
    return root


def apply_overlay(project: Path) -> None:
    """fixtures/shop_pr over a copy of fixtures/shop, as fixture_build does."""
    overlay = FIXTURES / "shop_pr"
    for source in overlay.rglob("*"):
        if source.is_file() and source.name != "DELETED":
            target = project / source.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for line in (overlay / "DELETED").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            (project / line).unlink()


def shop_pr_repo(root: Path, subdir: str = "") -> Path:
    """A repository whose `main` holds fixtures/shop and whose `pr` branch (checked out) holds
    the pull request. Returns the dbt project directory."""
    init_repo(root)
    project = root / subdir if subdir else root
    shutil.copytree(FIXTURES / "shop", project, dirs_exist_ok=True)
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    apply_overlay(project)
    commit_all(root, "pull request")
    return project


def lint_gate(
    project_dir: Path,
    *,
    lint_all: bool = False,
    base_ref: str | None = "main",
    project: Project | None = None,
    display_root: Path | None = None,
    **lint_settings,
) -> tuple[GateResult, LintRun]:
    """`dbtgate lint` in process: run sqlfluff, then the gate with the lint family only."""
    scope = lint_settings.pop("scope", "changed")
    lint_settings.setdefault("dialect", "duckdb")
    config = Config(scope=scope, lint=LintConfig(enabled=True, **lint_settings))
    context = CheckContext(project=project or project_without_build(project_dir), config=config)
    run = run_lint(
        context.project,
        config,
        lint_all=lint_all,
        base_ref=base_ref,
        display_root=display_root or project_dir,
    )
    context.options[LINT_RUN_OPTION] = run
    return run_gate(context, families={"lint"}), run


# The dbt templater's tests need the plugin and an adapter: looked up by their installed
# distributions, not imported (importing them imports dbt, which these tests keep out of pytest).
needs_dbt_templater = pytest.mark.skipif(
    not (installed("sqlfluff-templater-dbt") and installed("dbt-duckdb")),
    reason="sqlfluff-templater-dbt or dbt-duckdb is not installed (docs/lint.md)",
)


def duckdb_profiles(folder: Path, profile: str) -> Path:
    """A profiles folder beside the tests' project whose `profile` writes to a DuckDB file in
    `folder`, for the dbt templater (its .sqlfluff names the folder as profiles_dir)."""
    profiles = folder / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        f"{profile}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {folder / (profile + '.duckdb')}\n      threads: 1\n"
    )
    return profiles


def dbt_templater_sqlfluff(project_dir: Path, profiles: Path) -> str:
    """A .sqlfluff choosing nothing but where sqlfluff's dbt templater finds the project and the
    profiles (`duckdb_profiles`): the tests' dbt runs never look in ~/.dbt."""
    return f"[sqlfluff:templater:dbt]\nproject_dir = {project_dir}\nprofiles_dir = {profiles}\n"


def dbt_lint_report(project_dir: Path, report: Path) -> dict[str, Any]:
    """`dbtgate lint --base-ref main --json REPORT` under `lint.templater: dbt` (the project's
    dbtgate.yml sets it), in a child process as CI runs it: the dbt templater runs dbt in the
    process that lints, and dbt in pytest's process would leave its global state (flags, the
    adapters it registered, its logging) to the tests run after. The JSON report, once the
    run ended as a gate does (0 or 1, never an error)."""
    done = dbtgate(
        "lint",
        "--base-ref",
        "main",
        "--json",
        str(report),
        cwd=project_dir,
        env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(report.read_text())
