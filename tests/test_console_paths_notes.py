"""Run from a folder below the repository's root, the console names the files of its notes as
it names the findings' files: from the working directory (`locate.console_paths`,
`named_files`); the reports keep naming them from the root, byte for byte as a run from the
root writes them."""

from __future__ import annotations

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
