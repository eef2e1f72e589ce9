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
