"""A failing `check` with many blocking findings of legacy debt and no baseline points once, in
one line of the console, to `dbtgate baseline` (a waiver each is for a few findings that must
ship); not with a baseline in use, not with a few findings (the waiver to paste is the way out
then), not where the blocking findings are the change's own (`scope: changed` with a base), and
never in the PR comment. The corpus project's real build, the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import write_config

from dbtgate.report.console import BASELINE_HINT_AT

BOUNCER = CORPUS / "bouncer-dbt112"
MANY = """\
version: 1
scope: {scope}
policies:
  - select: "resource_type:model"
    rules:
      owner.present: error
      docs.column_coverage: {{severity: error, min: 1.0, use_catalog: false}}
"""
# The corpus build's one model without a description: one blocking finding.
FEW = """\
version: 1
policies:
  - select: "resource_type:model"
    rules:
      docs.model_description: error
"""
HINT = "`dbtgate baseline` records today's so that only new ones block"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "manifest.json").write_text((BOUNCER / "manifest.json").read_text())
    return tmp_path


def check(workdir: Path, *args: str) -> tuple[int, str]:
    result = dbtgate("check", "--artifacts", "target", *args, cwd=workdir)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, result.stdout


def blocking(workdir: Path, *args: str) -> int:
    check(workdir, "--json", "gate.json", *args)
    report = json.loads((workdir / "gate.json").read_text())
    return report["counts"]["by_disposition"]["blocking"]


def test_many_blocking_findings_of_debt_point_once_to_the_baseline(workdir):
    write_config(workdir, MANY.format(scope="all"))
    count = blocking(workdir)
    assert count >= BASELINE_HINT_AT
    returncode, stdout = check(workdir, "--out", "reports", "--format", "md")
    assert returncode == 1
    lines = [line for line in stdout.splitlines() if HINT in line]
    assert lines == [
        f"{count} blocking findings are policy or lint debt a baseline can hold: {HINT} (commit "
        "the file it writes and set `baseline:` in the config)"
    ]
    # In its place: a waiver entry for one of hundreds is not the way out.
    assert "waive it under `waivers:`" not in stdout
    # Not in the PR comment, which reviewers read on every pull request.
    assert "dbtgate baseline" not in (workdir / "reports" / "gate.md").read_text()

    # Once the baseline is recorded and read, nothing of it.
    recorded = dbtgate("baseline", "--artifacts", "target", cwd=workdir)
    assert recorded.returncode == 0, recorded.stderr
    returncode, stdout = check(workdir, "--baseline", "dbtgate-baseline.json")
    assert returncode == 0 and HINT not in stdout


def test_a_few_blocking_findings_get_the_waiver_to_paste_not_the_baseline(workdir):
    write_config(workdir, FEW)
    assert 0 < blocking(workdir) < BASELINE_HINT_AT
    returncode, stdout = check(workdir)
    assert returncode == 1
    assert HINT not in stdout
    assert "waive it under `waivers:` in dbtgate.yml" in " ".join(stdout.split())


def test_the_changes_own_findings_under_scope_changed_are_no_debt_to_record(workdir):
    """Every model edited against the base: what blocks is the pull request's, which a
    baseline would take in as debt."""
    write_config(workdir, MANY.format(scope="changed"))
    data = json.loads((BOUNCER / "manifest.json").read_text())
    for node in data["nodes"].values():
        if node["resource_type"] == "model":
            node["checksum"] = {"name": "sha256", "checksum": "0" * 64}
    data["metadata"]["invocation_id"] = "an earlier build"
    (workdir / "base").mkdir()
    (workdir / "base" / "manifest.json").write_text(json.dumps(data))
    assert blocking(workdir, "--base", "base") >= BASELINE_HINT_AT
    returncode, stdout = check(workdir, "--base", "base")
    assert returncode == 1
    assert HINT not in stdout
