"""The pre-commit hooks (.pre-commit-hooks.yaml), run by pre-commit itself in a real repository.

pre-commit installs this checkout into a hook environment of its own (pip, as for any hook
repository) and runs the hooks on a real git repository holding the fixture project: `main` has
the base, the `pr` branch the pull request, `target/` the pull request's build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lint_repos import git, shop_pr_repo

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def try_repo(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo` with this checkout as the hook repository (uncommitted edits
    included, as pre-commit does for a local path)."""
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("GIT_")},
        "PRE_COMMIT_HOME": str(home),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "NO_COLOR": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(ROOT), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def hook_line(output: str, name: str) -> str:
    """pre-commit's status line of one hook: `dbtgate lint....Passed`."""
    return next(line for line in output.splitlines() if line.startswith(name + "."))


@pytest.mark.slow
def test_hooks_gate_the_commit_as_ci_gates_the_pull_request(tmp_path, shop_builds) -> None:
    if not PRE_COMMIT.exists():
        pytest.skip(f"pre-commit is not installed beside {sys.executable} (pip install -e .[dev])")
    home = tmp_path / "pre-commit-home"
    repo = shop_pr_repo(tmp_path / "repo")
    shutil.copytree(
        shop_builds.pr / "target", repo / "target"
    )  # ignored by the fixture's .gitignore

    # The pull request's branch, every file: the gate and the lint fail as in CI.
    pr = try_repo(repo, home, "--all-files")
    assert pr.returncode == 1, pr.stdout + pr.stderr
    assert hook_line(pr.stdout, "dbtgate check").endswith("Failed")
    assert hook_line(pr.stdout, "dbtgate lint").endswith("Failed")
    assert "dbtgate: FAIL — " in pr.stdout
    assert "lint.LT01" in pr.stdout  # the PR's int_order_payments.sql

    # On main, a commit that edits a model: only its changed lines are linted.
    git(repo, "checkout", "--quiet", "main")
    model = repo / "models" / "staging" / "stg_orders.sql"
    model.write_text(model.read_text() + "-- orders as loaded\n")
    git(repo, "add", str(model))
    clean = try_repo(repo, home, "dbtgate-lint")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert hook_line(clean.stdout, "dbtgate lint").endswith("Passed")

    model.write_text(model.read_text().replace("    status\n", "    STATUS\n"))
    git(repo, "add", str(model))
    bad = try_repo(repo, home, "dbtgate-lint")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert hook_line(bad.stdout, "dbtgate lint").endswith("Failed")
    assert "lint.CP02" in bad.stdout and "models/staging/stg_orders.sql:" in bad.stdout

    # A commit that breaks the dbtgate config is stopped at the config's line.
    git(repo, "reset", "--quiet", "--hard")
    config = repo / "dbtgate.yml"
    config.write_text(config.read_text().replace("owner.present: error", "owner.presnt: error", 1))
    git(repo, "add", "dbtgate.yml")
    broken = try_repo(repo, home, "dbtgate-validate")
    assert broken.returncode == 1, broken.stdout + broken.stderr  # pre-commit's "a hook failed"
    assert hook_line(broken.stdout, "dbtgate validate").endswith("Failed")
    assert "- exit code: 2" in broken.stdout
    assert "unknown rule 'owner.presnt' (did you mean owner.present?)" in broken.stdout

    # A commit without SQL does not run the lint hook.
    git(repo, "checkout", "--quiet", "--", ".")
    git(repo, "reset", "--quiet", "--hard")
    (repo / "NOTES.txt").write_text("release notes\n")
    git(repo, "add", "NOTES.txt")
    skipped = try_repo(repo, home, "dbtgate-lint")
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert hook_line(skipped.stdout, "dbtgate lint").endswith("Skipped")


def test_the_check_hook_runs_for_dbt_files_not_for_any_yaml_or_python():
    """A commit of a workflow, a README or a script has nothing for the gate to say."""
    import re

    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    [check] = [hook for hook in hooks if hook["id"] == "dbtgate-check"]
    files = re.compile(check["files"])
    for path in (
        "models/marts/orders.sql",
        "analytics/models/staging/_staging.yml",
        "seeds/raw_orders.csv",
        "macros/cents.sql",
        "snapshots/orders.sql",
        "tests/assert_paid.sql",
        "models/docs.md",
        "dbt_project.yml",
        "analytics/dbtgate.yml",
        "packages.yml",
    ):
        assert files.search(path), path
    for path in (
        ".github/workflows/ci.yml",
        ".pre-commit-config.yaml",
        "scripts/load.py",
        "README.md",
        "docker-compose.yml",
    ):
        assert not files.search(path), path
