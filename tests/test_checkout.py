"""The commit a report is of (`inputs.git`), on real git repositories: a checkout with
uncommitted edits to the project's files is said to be one, in every place the commit is named."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from cli_support import dbtgate
from corpus import corpus_dir

from dbtgate.checkout import checked_out

REPO = Path(__file__).resolve().parents[1]


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def committed(repo: Path, files: dict[str, str]) -> str:
    """`files` written and committed in a new repository at `repo`, tagged v1.1; the commit."""
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=CI", "-c", "user.email=ci@example.com", "commit", "-qm", "v1.1")
    git(repo, "tag", "v1.1")
    return git(repo, "rev-parse", "HEAD")


def test_edits_to_the_projects_tracked_files_are_counted_and_nothing_else(tmp_path) -> None:
    """Edited and staged files under the project's folder count; a new file git does not track,
    and an edit elsewhere in the repository (another team's folder), do not."""
    files = {
        "analytics/dbt_project.yml": "name: shop\n",
        "analytics/models/orders.sql": "select 1 as id\n",
        "analytics/models/customers.sql": "select 1 as id\n",
        "analytics/models/payments.sql": "select 1 as id\n",
        "services/api.py": "print('hi')\n",
    }
    sha = committed(tmp_path, files)
    project = tmp_path / "analytics"
    assert checked_out(project) == {"commit": sha, "refs": ["main", "tag v1.1"], "edited": 0}
    (project / "models" / "orders.sql").write_text("select 2 as id\n")
    (project / "models" / "customers.sql").write_text("select 2 as id\n")
    git(tmp_path, "add", "analytics/models/customers.sql")  # staged, not committed
    (project / "models" / "payments.sql").unlink()
    (project / "models" / "new.sql").write_text("select 3 as id\n")  # untracked
    (tmp_path / "services" / "api.py").write_text("print('bye')\n")  # outside the project
    assert checked_out(project) == {"commit": sha, "refs": ["main", "tag v1.1"], "edited": 3}
    # Outside a repository: nothing recorded.
    outside = tmp_path.parent / f"{tmp_path.name}-plain"
    outside.mkdir()
    assert checked_out(outside) is None


def test_a_report_of_an_edited_checkout_says_so_wherever_it_names_the_commit(tmp_path) -> None:
    """A release manager built v1.1's report from a checkout with an edited model: the report
    claimed to be "of tag v1.1". The audit trail counts the files edited, and the line under the
    verdict (HTML and markdown), the page's title and `dbtgate trend` say it."""
    project = tmp_path / "project"
    shutil.copytree(corpus_dir("recce-pair/pr2"), project / "target")
    sha = committed(
        project,
        {"dbt_project.yml": "name: jaffle_shop\nprofile: x\n", "models/orders.sql": "select 1\n"},
    )
    (project / "models" / "orders.sql").write_text("select 2\n")
    out = tmp_path / "reports"
    config = str(REPO / "benchmarks" / "dbtgate.yml")
    args = ("--artifacts", str(project / "target"), "--config", config, "--out", str(out))
    done = dbtgate("check", "-q", *args, "--format", "json,md,html", cwd=project)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = json.loads((out / "gate.json").read_text())
    assert report["inputs"]["git"] == {"commit": sha, "refs": ["main", "tag v1.1"], "edited": 1}
    markdown, page = (out / "gate.md").read_text(), (out / "gate.html").read_text()
    said = f"commit {sha[:7]} (tag v1.1, main) with uncommitted edits to 1 file"
    assert f"**Of** {said} · **against** no base build" in markdown
    assert f"<b>of:</b> {said} · <b>against:</b> no base build" in page
    assert " — jaffle_shop v1.1 with edits</title>" in page
    # The audit trail keeps the count beside the commit.
    assert f"commit: {sha}; refs: main, tag v1.1; edited: 1" in markdown
    trend = dbtgate("trend", str(out / "gate.json"), cwd=tmp_path)
    assert trend.returncode == 0, trend.stderr
    assert f"v1.1 ({sha[:7]}) with edits to 1 file" in trend.stdout
