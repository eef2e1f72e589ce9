"""A base build newer than the gated one is said in a note, and blocks nothing.

What landed on the base after the gated build reads, in the diff, as the change undoing it. The
recce pair's base is 7 days newer than its pull request's build, legitimately: so a note with
both dates and what to do, not a finding or a warning; and, in short, where each report says
what the change was measured against (gate.md's and gate.html's against, the console's diff
line), as the notes are easy to miss.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import corpus_dir

from dbtgate.report import view
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


# gate.md's and gate.html's "against", after the base's date; the console's diff lines.
AGAINST_END = "after this build's: what landed on the base since reads as undone by this change)"
CHECK_LINE = "schema diff against the base (built {} after this build: see the note above):"
DIFF_LINE = " against a base built {} after this build (see the note above)"


def against_line(md: str) -> str:
    """gate.md's line saying what the change was measured against."""
    return next(line for line in md.splitlines() if "against** " in line.lower())


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


def test_each_report_says_it_where_it_says_what_the_change_is_against(tmp_path) -> None:
    """The recce pair's base, 7.1 days newer: beside "against" in gate.md and gate.html, and
    on the console's line of the diff, of check and of diff; from the dates gate.json records,
    so `dbtgate report` says it too. The other way round, nowhere."""
    pair = corpus_dir("recce-pair")
    out = tmp_path / "reports"
    result = dbtgate(
        "check", "--artifacts", "pr2", "--base", "base", "--out", str(out), "--format",
        "md,json,html", cwd=pair,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    base_at = format_timestamp(written(pair / "base"))
    against = (
        f"**Against** the base build base (dbt wrote its manifest {base_at}, 7.1 days {AGAINST_END}"
    )
    assert against_line((out / "gate.md").read_text()) == against
    html = (out / "gate.html").read_text()
    assert f"7.1 days {AGAINST_END}".replace("'", "&#x27;") in html
    assert CHECK_LINE.format("7.1 days") in " ".join(result.stdout.split())
    again = tmp_path / "again"
    report = dbtgate("report", str(out / "gate.json"), "--out", str(again), "--format", "md,html")
    assert report.returncode == 0, report.stdout + report.stderr
    assert against_line((again / "gate.md").read_text()) == against
    assert (again / "gate.html").read_text() == html
    diff = dbtgate("diff", "--artifacts", "pr2", "--base", "base", cwd=pair)
    assert diff.returncode == 0, diff.stdout + diff.stderr
    counts = next(line for line in diff.stdout.splitlines() if line.startswith("0 breaking"))
    assert counts.endswith(DIFF_LINE.format("7.1 days")), counts

    older = tmp_path / "older"
    result = dbtgate(
        "check", "--artifacts", "base", "--base", "pr2", "--out", str(older), "--format",
        "md,html", cwd=pair,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert against_line((older / "gate.md").read_text()).endswith(
        f"(dbt wrote its manifest {format_timestamp(written(pair / 'pr2'))})"
    )
    assert "after this build" not in (older / "gate.html").read_text()
    assert "schema diff against the base: " in " ".join(result.stdout.split())
    diff = dbtgate("diff", "--artifacts", "base", "--base", "pr2", cwd=pair)
    assert "after this build" not in diff.stdout


def test_a_base_minutes_newer_or_without_a_date_is_not_noted(tmp_path) -> None:
    """Two CI jobs, or two machines' clocks, minutes apart are one moment; a manifest that does
    not say when it was written says nothing of the order."""
    pair = corpus_dir("recce-pair")
    pr_at = parse_timestamp(written(pair / "pr2"))
    assert pr_at is not None
    minutes = rewritten(pair / "base", tmp_path / "minutes", pr_at + dt.timedelta(minutes=9))
    report = gate_json("diff", pair / "pr2", str(minutes), tmp_path, tmp_path / "a.json")
    assert not [n for n in report["notes"] if "after this build" in n]
    assert view.base_newer_words(report["inputs"]) == ""
    later = rewritten(pair / "base", tmp_path / "later", pr_at + dt.timedelta(minutes=11))
    report = gate_json("diff", pair / "pr2", str(later), tmp_path, tmp_path / "b.json")
    assert expected_note(str(later), later, pair / "pr2") in report["notes"]
    assert view.base_newer_words(report["inputs"]) == "11 min after this build"
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
        "md,json,html", cwd=shop_builds.pr,
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
    # Said in short where each report says what the change was measured against.
    assert against_line((out / "gate.md").read_text()).endswith(f"3.0 days {AGAINST_END}")
    html = (out / "gate.html").read_text()
    assert f"3.0 days {AGAINST_END}".replace("'", "&#x27;") in html
    assert CHECK_LINE.format("3.0 days") in " ".join(result.stdout.split())
