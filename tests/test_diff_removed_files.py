"""Where a finding on a resource the pull request removed points, when the pull request deleted
its file too (a model's own YAML): that file is not on the PR head, so a link there is a 404 and
an annotation on it attaches nowhere. The reports link it at the base commit when `--base REF`
says which (the parsed base is read from dbtgate's cache here, as a second run reads it),
else not at all; the annotation, and the SARIF result, are the run's. A file the pull request
keeps (a schema.yml holding other models) keeps its link on the PR head."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from cli_support import dbtgate
from diff_support import PACKAGE, model, write_build
from policy_support import read_json

REPO = "acme/shop"
SERVER = f"https://github.com/{REPO}"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _pull_request(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository whose main declares `orders` (public) in its own models/orders.yml and the
    contracted `legacy` in models/schema.yml; the pull request removes both models, deleting
    orders.yml and keeping schema.yml (it declares `kept`). Returns the repository, main's sha
    and the pull request's head sha; the base build is in the cache under main's sha."""
    repo = tmp_path / "repo"
    models = repo / "models"
    models.mkdir(parents=True)
    _git(tmp_path, "init", "-q", "-b", "main", str(repo))
    (repo / "dbt_project.yml").write_text(f"name: {PACKAGE}\n", encoding="utf-8")
    (repo / ".gitignore").write_text("target/\ngate.json\nreports/\n", encoding="utf-8")
    (models / "orders.yml").write_text("models:\n  - name: orders\n", encoding="utf-8")
    (models / "schema.yml").write_text(
        "models:\n  - name: legacy\n  - name: kept\n", encoding="utf-8"
    )
    for name in ("orders", "legacy", "kept"):
        (models / f"{name}.sql").write_text("select 1 as id\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "main")
    base_sha = _git(repo, "rev-parse", "HEAD")
    _git(repo, "checkout", "-qb", "pr")
    for gone in ("orders.yml", "orders.sql", "legacy.sql"):
        (models / gone).unlink()
    (models / "schema.yml").write_text("models:\n  - name: kept\n", encoding="utf-8")
    _git(repo, "commit", "-qam", "remove orders and legacy")
    head_sha = _git(repo, "rev-parse", "HEAD")

    orders = model("orders", access="public")
    orders["patch_path"] = f"{PACKAGE}://models/orders.yml"
    base = [orders, model("legacy", contract=True), model("kept")]
    write_build(tmp_path / "build", base)
    cached = tmp_path / "cache" / "base" / base_sha
    cached.mkdir(parents=True)
    shutil.copy(tmp_path / "build" / "target" / "manifest.json", cached)
    write_build(repo, [model("kept")])
    return repo, base_sha, head_sha


def _check(
    repo: Path, tmp_path: Path, base: str, head_sha: str, **more_env: str
) -> tuple[dict, str]:
    env = {
        "HOME": str(tmp_path),
        "DBTGATE_CACHE_DIR": str(tmp_path / "cache"),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_SHA": head_sha,
        **more_env,
    }
    args = ("check", "--artifacts", "target", "--base", base, "--annotations")
    formats = ("--json", "gate.json", "--out", "reports", "--format", "md,html,sarif,gitlab")
    result = dbtgate(*args, *formats, cwd=repo, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    return read_json(repo / "gate.json"), result.stdout


def _removed(report: dict, name: str) -> dict:
    [finding] = [
        f
        for f in report["findings"]
        if f["code"] == "breaking.model_removed" and f["resource_name"] == name
    ]
    return finding


def test_a_deleted_file_is_linked_at_the_base_commit_and_annotated_on_the_run(tmp_path):
    repo, base_sha, head_sha = _pull_request(tmp_path)
    report, stdout = _check(repo, tmp_path, "main", head_sha)
    assert report["inputs"]["base_ref"]["sha"] == base_sha
    orders, legacy = _removed(report, "orders"), _removed(report, "legacy")
    assert (orders["path"], orders["line"]) == ("models/orders.yml", None)
    assert orders["details"]["path_deleted"] is True
    # schema.yml is still in the pull request (its entry for legacy is not): its file, on the head
    assert legacy["path"] == "models/schema.yml"
    assert "path_deleted" not in legacy["details"]

    at_base = f"{SERVER}/blob/{base_sha}/models/orders.yml"
    for name in ("gate.md", "gate.html"):
        text = (repo / "reports" / name).read_text(encoding="utf-8")
        assert at_base in text, name
        assert f"{SERVER}/blob/{head_sha}/models/orders.yml" not in text, name
        assert f"{SERVER}/blob/{head_sha}/models/schema.yml" in text, name

    # Said where the place is shown, since the path names nothing in the checkout.
    assert "models/orders.yml (file deleted by this change)" in stdout
    assert "`models/orders.yml`](" in (repo / "reports" / "gate.md").read_text(encoding="utf-8")
    assert "(file deleted by this change)" in (repo / "reports" / "gate.md").read_text(
        encoding="utf-8"
    )
    annotations = [line for line in stdout.splitlines() if line.startswith("::")]
    [on_orders] = [line for line in annotations if "::orders: public model" in line]
    assert on_orders.startswith("::error title=breaking.model_removed::"), on_orders
    [on_legacy] = [line for line in annotations if "::legacy: contracted model" in line]
    assert "file=models/schema.yml," in on_legacy, on_legacy

    sarif = json.loads((repo / "reports" / "gate.sarif").read_text(encoding="utf-8"))
    placed = {
        result["message"]["text"].split(":", 1)[0]: result["locations"][0]["physicalLocation"]
        for result in sarif["runs"][0]["results"]
    }
    assert placed["orders"]["artifactLocation"]["uri"] == "dbt_project.yml"
    assert placed["legacy"]["artifactLocation"]["uri"] == "models/schema.yml"
    gitlab = json.loads(
        (repo / "reports" / "gl-code-quality-report.json").read_text(encoding="utf-8")
    )
    paths = {issue["description"].split(":", 1)[0]: issue["location"]["path"] for issue in gitlab}
    assert paths == {"orders": "dbt_project.yml", "legacy": "models/schema.yml"}


def test_a_deleted_file_of_a_base_without_a_commit_has_no_link(tmp_path):
    """A base build given as a directory (main's downloaded build) names no commit: the file
    the pull request deleted is named, unlinked, rather than linked to a 404."""
    repo, base_sha, head_sha = _pull_request(tmp_path)
    base_dir = str(tmp_path / "cache" / "base" / base_sha)
    report, _ = _check(repo, tmp_path, base_dir, head_sha)
    assert "base_ref" not in report["inputs"]
    assert _removed(report, "orders")["details"]["path_deleted"] is True
    markdown = (repo / "reports" / "gate.md").read_text(encoding="utf-8")
    assert "`models/orders.yml`" in markdown
    assert "/models/orders.yml)" not in markdown
    assert f"{SERVER}/blob/{head_sha}/models/schema.yml" in markdown


def test_a_deleted_file_of_a_directory_base_is_linked_at_the_pull_requests_base_commit(tmp_path):
    """In a pull request's job the base build is often a downloaded directory: the event's
    `pull_request.base.sha` says where the deleted file still is."""
    repo, base_sha, head_sha = _pull_request(tmp_path)
    event = tmp_path / "event.json"
    pull_request = {"number": 7, "head": {"sha": head_sha}, "base": {"sha": base_sha}}
    event.write_text(json.dumps({"pull_request": pull_request}), encoding="utf-8")
    base_dir = str(tmp_path / "cache" / "base" / base_sha)
    _check(
        repo,
        tmp_path,
        base_dir,
        head_sha,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event),
    )
    for name in ("gate.md", "gate.html"):
        text = (repo / "reports" / name).read_text(encoding="utf-8")
        assert f"{SERVER}/blob/{base_sha}/models/orders.yml" in text, name
        assert f"{SERVER}/blob/{head_sha}/models/schema.yml" in text, name
