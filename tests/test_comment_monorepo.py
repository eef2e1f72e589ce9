"""Two dbt projects of one name in two folders of one repository (a monorepo) on one pull
request: each keeps a sticky comment of its own, its folder in the marker, and takes over the
comment an earlier dbtgate posted under the name alone (no second comment after an upgrade).
Real git repositories, the CLI as a subprocess, GitHub's API served on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import PACKAGE, model, write_build
from fake_github import FakeGitHub
from lint_repos import commit_all, init_repo

from dbtgate.locate import repository_folder
from dbtgate.report.github import comment_marker

REPO = "acme/shop"
PR = 7
ORDERS = [("order_id", "integer"), ("amount", "decimal(18,2)"), ("status", "varchar")]
FOLDERS = ("analytics", "marketing")
EARLIER = comment_marker(PACKAGE)  # what dbtgate before the folder was in it named both


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    """A repository holding the project `proj` in analytics/ and in marketing/, each with a
    base build (beside the repository) and a pull request's build that removed a column."""
    root = init_repo(tmp_path / "repo")
    for folder in FOLDERS:
        project = root / folder
        base = model("orders", ORDERS, contract=True, access="public")
        pr = model("orders", ORDERS[:2], contract=True, access="public")
        write_build(tmp_path / "base" / folder, [base])
        write_build(project, [pr])
        (project / "dbt_project.yml").write_text(f"name: {PACKAGE}\n")
        (project / "dbtgate.yml").write_text("version: 1\n")
    commit_all(root, "two projects")
    return root


def gate(monorepo: Path, folder: str, github: FakeGitHub, *flags: str, run: str = ""):
    env = {
        "GITHUB_TOKEN": github.token,
        "GITHUB_API_URL": github.api_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SHA": "5" * 40,
        **({"GITHUB_RUN_ID": run} if run else {}),
    }
    base = monorepo.parent / "base" / folder / "target"
    return dbtgate(
        "check", "--base", str(base), "-q", "--comment", "--pr", str(PR), *flags,
        cwd=monorepo / folder, env=env,
    )  # fmt: skip


def bodies(github: FakeGitHub) -> list[str]:
    return [comment["body"] for comment in github.comments(REPO, PR)]


def test_each_folder_keeps_its_comment_and_the_earlier_one_is_taken_over(monorepo) -> None:
    """The comment posted by an earlier dbtgate (the name alone in its marker, written last by
    either project) becomes the first folder's; the second folder gets its own; the next round
    updates each in place."""
    with FakeGitHub() as github:
        github.add_pull_request(REPO, PR)
        earlier = github.add_comment(
            REPO, PR, f"{EARLIER}\n### dbtgate: PASS", user="github-actions[bot]"
        )
        for _ in range(2):
            for folder in FOLDERS:
                gated = gate(monorepo, folder, github)
                assert gated.returncode == 1, gated.stdout + gated.stderr
        comments = github.comments(REPO, PR)
        assert comments[0]["id"] == earlier["id"]
        assert [c["body"].splitlines()[0] for c in comments] == [
            f"<!-- dbtgate:{PACKAGE} path={folder} -->" for folder in FOLDERS
        ]
        assert all("breaking.column_removed" in body for body in bodies(github))
        # No comment was deleted: each folder wrote its own.
        assert "DELETE" not in {r.method for r in github.requests}


def test_an_earlier_comment_of_someone_else_is_not_taken_over(monorepo) -> None:
    with FakeGitHub() as github:
        github.add_pull_request(REPO, PR)
        github.add_comment(REPO, PR, f"{EARLIER}\nquoted by a person", user="octocat")
        gated = gate(monorepo, "analytics", github)
        assert gated.returncode == 1, gated.stderr
        assert bodies(github)[0] == f"{EARLIER}\nquoted by a person"
        assert bodies(github)[1].startswith(f"<!-- dbtgate:{PACKAGE} path=analytics -->\n")


def test_an_error_goes_to_its_folders_comment(monorepo) -> None:
    """A gate that stops (its manifest is gone) puts the error on its own folder's comment,
    found by the folder: the other folder's verdict stands."""
    with FakeGitHub() as github:
        github.add_pull_request(REPO, PR)
        for folder in FOLDERS:
            assert gate(monorepo, folder, github).returncode == 1
        (monorepo / "marketing" / "target" / "manifest.json").unlink()
        stopped = gate(monorepo, "marketing", github)
        assert stopped.returncode == 2, stopped.stderr
        analytics, marketing = bodies(github)
    assert "dbtgate: PR comment updated with the error" in stopped.stderr
    assert analytics.startswith(f"<!-- dbtgate:{PACKAGE} path=analytics -->\n### dbtgate: FAIL")
    assert marketing.startswith(f"<!-- dbtgate:{PACKAGE} path=marketing -->\n")
    assert "ERROR, no verdict" in marketing


def test_an_earlier_run_finishing_last_leaves_its_folder_s_comment_to_the_later_run(
    monorepo,
) -> None:
    """Two pushes in quick succession: the later push's run (GITHUB_RUN_ID 101) wrote the
    analytics comment first; the earlier push's run (100), finishing last, leaves it as it is
    and says so. The marketing folder's comment is its own, which that run writes."""
    with FakeGitHub() as github:
        github.add_pull_request(REPO, PR)
        assert gate(monorepo, "analytics", github, run="101").returncode == 1
        earlier = gate(monorepo, "analytics", github, run="100")
        earlier_marketing = gate(monorepo, "marketing", github, run="100")
        analytics, marketing = bodies(github)
    assert earlier.returncode == earlier_marketing.returncode == 1, earlier.stderr
    stamp = "<!-- dbtgate-run: {} attempt 1 -->"
    assert analytics.startswith(
        f"<!-- dbtgate:{PACKAGE} path=analytics -->\n{stamp.format(101)}\n### dbtgate: FAIL"
    )
    assert "/actions/runs/101" in analytics and "/actions/runs/100" not in analytics
    assert marketing.startswith(f"<!-- dbtgate:{PACKAGE} path=marketing -->\n{stamp.format(100)}")
    assert (
        "dbtgate: PR comment left with the verdict of a later run of the workflow (run 101, "
        "attempt 1), which wrote it while this one ran: https://github.com/"
    ) in earlier.stderr
    assert "dbtgate: PR comment created: https://github.com/" in earlier_marketing.stderr


def test_a_project_at_the_root_keeps_the_marker_it_always_had(tmp_path) -> None:
    root = init_repo(tmp_path / "repo")
    (root / "nested" / "deeper").mkdir(parents=True)
    assert repository_folder(root) == ""
    assert repository_folder(root / "nested" / "deeper") == "nested/deeper"
    # Outside a git repository no folder is the same from wherever dbtgate runs.
    (tmp_path / "loose").mkdir()
    assert repository_folder(tmp_path / "loose") == ""
    assert comment_marker("shop", "key=eu", "a b/c") == "<!-- dbtgate:shop path=a%20b/c key=eu -->"
