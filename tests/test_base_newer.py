"""A base build newer than the gated one is said in a note, and blocks nothing.

What landed on the base after the gated build reads, in the diff, as the change undoing it. The
recce pair's base is 7 days newer than its pull request's build, legitimately: so a note with
both dates and what to do, not a finding or a warning.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import corpus_dir

from dbtgate.status.timestamps import format_age, format_timestamp, parse_timestamp

NOTE_END = (
    "what landed on the base after it reads as this change undoing it (a column added there "
    "reads as removed here); if the diff shows changes this build did not make, rebuild it on "
    "the base's latest (merge or rebase), or compare with the base build it started from"
)


def written(target: Path) -> str:
    return json.loads((target / "manifest.json").read_text())["metadata"]["generated_at"]


def expected_note(base_spec: str, base: Path, pr: Path) -> str:
    base_at, pr_at = written(base), written(pr)
    newer = (parse_timestamp(base_at) - parse_timestamp(pr_at)).total_seconds()
    return (
        f"--base {base_spec} was built {format_age(newer)} after this build (its manifest "
        f"{format_timestamp(base_at)}, this one's {format_timestamp(pr_at)}): {NOTE_END}"
    )


def gate_json(command: str, pr: Path, base: str, cwd: Path, out: Path) -> dict:
    result = dbtgate(
        command, "--artifacts", str(pr), "--base", base, "--json", str(out), cwd=cwd
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return json.loads(out.read_text())


def rewritten(source: Path, target: Path, moment: dt.datetime) -> Path:
    """A copy of the build `source` whose manifest says it was written at `moment`."""
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["metadata"]["generated_at"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.mark.parametrize("command", ["diff", "check"])
def test_the_recce_pairs_newer_base_is_a_note(command, tmp_path) -> None:
    pair = corpus_dir("recce-pair")
    report = gate_json(command, pair / "pr2", "base", pair, tmp_path / "gate.json")
    note = expected_note("base", pair / "base", pair / "pr2")
    assert note.startswith("--base base was built 7.1 days after this build (its manifest ")
    assert note in report["notes"]
    assert not [w for w in report["warnings"] if "after this build" in w]
    assert not [f for f in report["findings"] if "after this build" in f["message"]]
    # The other way round the base is the older build: nothing to say.
    report = gate_json(command, pair / "base", "pr2", pair, tmp_path / "gate.json")
    assert not [n for n in report["notes"] if "after this build" in n]


def test_a_base_minutes_newer_or_without_a_date_is_not_noted(tmp_path) -> None:
    """Two CI jobs, or two machines' clocks, minutes apart are one moment; a manifest that does
    not say when it was written says nothing of the order."""
    pair = corpus_dir("recce-pair")
    pr_at = parse_timestamp(written(pair / "pr2"))
    assert pr_at is not None
    minutes = rewritten(pair / "base", tmp_path / "minutes", pr_at + dt.timedelta(minutes=9))
    report = gate_json("diff", pair / "pr2", str(minutes), tmp_path, tmp_path / "a.json")
    assert not [n for n in report["notes"] if "after this build" in n]
    later = rewritten(pair / "base", tmp_path / "later", pr_at + dt.timedelta(minutes=11))
    report = gate_json("diff", pair / "pr2", str(later), tmp_path, tmp_path / "b.json")
    assert expected_note(str(later), later, pair / "pr2") in report["notes"]
    assert "was built 11 min after this build" in expected_note(str(later), later, pair / "pr2")
    undated = tmp_path / "undated"
    shutil.copytree(pair / "base", undated)
    manifest = json.loads((undated / "manifest.json").read_text())
    del manifest["metadata"]["generated_at"]
    (undated / "manifest.json").write_text(json.dumps(manifest))
    report = gate_json("diff", pair / "pr2", str(undated), tmp_path, tmp_path / "c.json")
    assert not [n for n in report["notes"] if "after this build" in n]


@pytest.mark.slow
def test_a_saved_base_target_rebuilt_after_the_fixtures_pull_request_is_noted(
    shop_builds, tmp_path
) -> None:
    """The fixture's base and pull request, built by dbt: as built (the base first), nothing;
    the base's target/ rewritten as built 3 days after the pull request's, the note, in the
    console's notes and the audit trail of gate.md, with the same verdict."""
    pr = shop_builds.pr / "target"
    base = shop_builds.base / "target"
    as_built = gate_json("check", pr, str(base), shop_builds.pr, tmp_path / "a.json")
    assert not [n for n in as_built["notes"] if "after this build" in n]
    pr_at = parse_timestamp(written(pr))
    assert pr_at is not None
    newer = rewritten(base, tmp_path / "base-target", pr_at + dt.timedelta(days=3))
    out = tmp_path / "reports"
    result = dbtgate(
        "check", "--artifacts", str(pr), "--base", str(newer), "--out", str(out), "--format",
        "md,json", cwd=shop_builds.pr,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((out / "gate.json").read_text())
    note = expected_note(str(newer), newer, pr)
    assert note.startswith(f"--base {newer} was built 3.0 days after this build")
    assert note in report["notes"]
    assert f"note: {note}" in " ".join(result.stdout.split())
    assert report["verdict"] == as_built["verdict"]
    assert report["counts"] == as_built["counts"]
    assert note.split(":", 1)[1][:60] in (out / "gate.md").read_text()
