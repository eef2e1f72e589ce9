"""Run from a folder below the repository's root, the console names the files of its notes as
it names the findings' files: from the working directory (`locate.console_paths`,
`named_files`); the reports keep naming them from the root, byte for byte as a run from the
root writes them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import model, write_build
from lint_repos import init_repo

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


# The fixture's policies without lint (whose fix commands name files from the working
# directory: not a note) and with a finding for the baseline to record.
WARNED = """\
version: 1
artifacts: target
freshness: {enabled: false}
lint: {enabled: false}
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


@pytest.mark.slow
def test_artifact_and_unread_baseline_warnings_name_their_files_from_the_root(
    shop_builds, tmp_path: Path
) -> None:
    """A catalog older than the build and a baseline nothing names: the console names each
    file from the working directory, as it was given there; the reports from the repository's
    root, every one of them byte for byte as a run from the root writes it."""
    repo = init_repo(tmp_path / "repo")
    project = repo / "analytics"
    shutil.copytree(shop_builds.base, project, ignore=shutil.ignore_patterns("logs"))
    (project / "dbtgate.yml").write_text(WARNED, encoding="utf-8")
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
    assert below.returncode == at_root.returncode == 0, below.stdout + below.stderr
    catalog = ": written 3.0 days before the manifest (by an earlier `dbt docs generate`?)"
    unread = " is not read (neither the config nor --baseline names it)"
    for run, folder in ((below, "../../"), (at_root, "analytics/")):
        said = " ".join(run.stdout.split())
        assert f"warning: {folder}target/catalog.json{catalog}" in said, run.stdout
        assert f"warning: {folder}dbtgate-baseline.json{unread}" in said, run.stdout
        assert f"or pass --baseline {folder}dbtgate-baseline.json" in said, run.stdout
    # The reports: the root's paths, byte for byte as from the root.
    assert (tmp_path / "below.json").read_bytes() == (tmp_path / "root.json").read_bytes()
    written = sorted(path.name for path in (tmp_path / "root").iterdir())
    assert "gate.md" in written and "gate.html" in written
    for name in written:
        assert (tmp_path / "below" / name).read_bytes() == (tmp_path / "root" / name).read_bytes()
    warnings = json.loads((tmp_path / "root.json").read_text())["warnings"]
    assert any(w.startswith(f"analytics/target/catalog.json{catalog}") for w in warnings)
    assert any(w.startswith(f"analytics/dbtgate-baseline.json{unread}") for w in warnings)
