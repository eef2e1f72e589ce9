"""`dbtgate baseline --prune` after a run that looked for less than the baseline was written
with: a policy narrowed, an artifact a rule reads missing, a source no gated model reads, lint
left out of a file or unable to parse it. The entries it did not look for must stay (an entry
dropped is debt that blocks as new once the check is back); only what it looked for and did not
find is fixed. Real builds of the corpus project, the real command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import read_json, write_config

BOUNCER = CORPUS / "bouncer-dbt112"
PKG = "dbt_bouncer_test_project"
POLICY = """\
version: 1
scope: {scope}
policies:
  - select: "{select}"
    rules:
      owner.present: error
      docs.column_coverage: {{severity: error, min: 1.0}}
      performance.execution_time: {{severity: error, max_seconds: 0.001}}
freshness: {{enabled: {freshness}, missing_tiers: [{tiers}], severity: {{missing: error}}}}
"""
FULL = {"scope": "all", "select": "resource_type:model", "freshness": "true", "tiers": "3"}


def write_build(directory: Path, *, catalog: bool = True, run_results: bool = True) -> None:
    """The corpus build, its sources without freshness; the catalog and run results if asked."""
    directory.mkdir(parents=True, exist_ok=True)
    data = json.loads((BOUNCER / "manifest.json").read_text())
    for source in data["sources"].values():
        source["freshness"] = source["config"]["freshness"] = None
    (directory / "manifest.json").write_text(json.dumps(data))
    if catalog:
        shutil.copy(BOUNCER / "catalog.json", directory / "catalog.json")
    if run_results:
        # The corpus's results are of `dbt docs generate`, which runs nothing: as `dbt build`'s,
        # their durations are what performance.execution_time reads.
        results = json.loads((BOUNCER / "run_results.json").read_text())
        results["args"]["which"] = "build"
        (directory / "run_results.json").write_text(json.dumps(results))


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """A project folder with a baseline of every rule above, written on the whole build."""
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    write_config(tmp_path, POLICY.format(**FULL))
    write_build(tmp_path / "target")
    result = dbtgate("baseline", "--artifacts", "target", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    entries = read_json(tmp_path / "dbtgate-baseline.json")["findings"]
    codes = {entry["code"] for entry in entries}
    assert codes == {
        "owner.present",
        "docs.column_coverage",
        "performance.execution_time",
        "freshness.missing",
    }, codes
    return tmp_path


def entries(directory: Path) -> list[dict]:
    return read_json(directory / "dbtgate-baseline.json")["findings"]


@pytest.mark.parametrize(
    ("narrowing", "config", "build", "kept"),
    [
        # The policy now selects the staging models only: the marts' entries were not looked for.
        (
            "select narrowed",
            {"select": "path:models/staging"},
            {},
            {"owner.present", "docs.column_coverage", "performance.execution_time"},
        ),
        # No run_results.json: performance.execution_time checked nothing.
        ("no run results", {}, {"run_results": False}, {"performance.execution_time"}),
        # No catalog.json: columns no YAML declares are not seen, nor are they gone.
        ("no catalog", {}, {"catalog": False}, {"docs.column_coverage"}),
        # No model is tier 1: no source feeds a gated model, so none was looked at.
        ("no gated tier", {"tiers": "1"}, {}, {"freshness.missing"}),
        ("freshness off", {"freshness": "false"}, {}, {"freshness.missing"}),
    ],
)
def test_prune_after_a_narrowed_run_keeps_what_it_did_not_check(
    recorded, narrowing, config, build, kept
):
    before = entries(recorded)
    write_config(recorded, POLICY.format(**{**FULL, **config}))
    write_build(recorded / "pr", **build)
    result = dbtgate("baseline", "--artifacts", "pr", "--prune", cwd=recorded)
    assert result.returncode == 0, result.stdout + result.stderr
    said = " ".join(result.stdout.split())
    assert said.startswith("pruned dbtgate-baseline.json: nothing to drop; kept "), said
    assert [e["fingerprint"] for e in entries(recorded)] == [e["fingerprint"] for e in before]
    # And `check` names them as not checked, not as fixed.
    args = ("--artifacts", "pr", "--json", "gate.json", "--baseline", "dbtgate-baseline.json")
    dbtgate("check", *args, cwd=recorded)
    section = read_json(recorded / "gate.json")["sections"]["baseline"]
    assert section["fixed"] == [] and section["gone"] == []
    unchecked = {entry["code"] for entry in section["unchecked"]}
    assert unchecked == kept, narrowing


def test_prune_after_a_narrowed_run_still_drops_what_it_checked_and_found_fixed(recorded):
    """The narrowed run is not blind: an entry it looked for and did not find is dropped."""
    write_config(recorded, POLICY.format(**{**FULL, "select": "path:models/staging"}))
    data = json.loads((BOUNCER / "manifest.json").read_text())
    staging = sorted(
        uid
        for uid in data["nodes"]
        if uid.startswith(f"model.{PKG}.stg_")
        and any(e["unique_id"] == uid and e["code"] == "owner.present" for e in entries(recorded))
    )
    assert staging, "the corpus project has a staging model without an owner"
    write_build(recorded / "pr")
    fixed = json.loads((recorded / "pr" / "manifest.json").read_text())
    fixed["nodes"][staging[0]]["config"]["meta"]["owner"] = "@crm"
    fixed["nodes"][staging[0]]["meta"]["owner"] = "@crm"
    (recorded / "pr" / "manifest.json").write_text(json.dumps(fixed))
    result = dbtgate("baseline", "--artifacts", "pr", "--prune", cwd=recorded)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dropped 1 entry (1 fixed)" in " ".join(result.stdout.split())
    left = {(e["code"], e.get("unique_id")) for e in entries(recorded)}
    assert ("owner.present", staging[0]) not in left
    # The marts' entries, which this run did not look at, stay.
    assert any(
        code == "owner.present" and not (uid or "").startswith(f"model.{PKG}.stg_")
        for code, uid in left
    )
