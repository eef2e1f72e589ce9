"""A GitHub Actions run whose event payload (GITHUB_EVENT_PATH) is missing, unset or broken.

The payload tells about the pull request (its number, head commit and labels), not the build:
the gate runs without it and warns, and only a command that needs it (a PR comment with no
`--pr N` and no other source of the number) stops, with one line naming what is missing and
the flag that gives it. Each case runs the CLI as a subprocess, as the workflow step does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from diff_support import model, write_build
from fake_github import FakeGitHub
from policy_support import dbtgate

ORDERS = [("order_id", "integer"), ("amount", "decimal(18,2)"), ("status", "varchar")]
ACK = "breaking-change-ok"


@pytest.fixture
def builds(tmp_path: Path) -> Path:
    """A base and a PR build (under `tmp_path/pr`) where a public, contracted model lost a
    column: a breaking change that blocks unless a reviewer's label acknowledges it."""
    base = model("orders", ORDERS, contract=True, access="public")
    pr = model("orders", ORDERS[:2], contract=True, access="public")
    write_build(tmp_path / "base", [base])
    write_build(tmp_path / "pr", [pr])
    (tmp_path / "pr" / "dbtgate.yml").write_text("version: 1\n")
    return tmp_path / "pr"


def actions(tmp_path: Path, event: str | None, **more: str) -> dict[str, str]:
    """A pull_request run's environment; `event` is what GITHUB_EVENT_PATH holds: `missing`
    (a path to no file), `unset`, `broken` (not JSON), else a label the payload carries."""
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", **more}
    path = tmp_path / "event.json"
    if event == "broken":
        path.write_text("{not json", encoding="utf-8")
    elif event not in ("missing", "unset"):
        payload = {"number": 7, "pull_request": {"number": 7, "labels": [{"name": event}]}}
        path.write_text(json.dumps(payload), encoding="utf-8")
    if event != "unset":
        env["GITHUB_EVENT_PATH"] = str(path)
    return env


def gate(project: Path, env: dict[str, str], *flags: str):
    return dbtgate("check", "--base", "../base/target", "-q", *flags, cwd=project, env=env)


WARNINGS = {
    "missing": "GITHUB_EVENT_PATH={path}: no such file",
    "unset": "GITHUB_EVENT_PATH is not set",
    "broken": "GITHUB_EVENT_PATH={path}: not a JSON event payload (Expecting property name "
    "enclosed in double quotes: line 1 column 2 (char 1))",
}


@pytest.mark.parametrize("event", list(WARNINGS))
def test_without_the_event_the_gate_runs_and_warns_once(builds, tmp_path, event) -> None:
    """No labels can be read: the breaking change blocks (the safe side), the warning says why
    and how to give the labels, and --ack-label acknowledges it as on any CI."""
    env = actions(tmp_path, event)
    missing = WARNINGS[event].format(path=tmp_path / "event.json")
    warning = (
        f"warning: {missing}, so the pull request's labels are not read: a breaking change a "
        "label acknowledges blocks (--ack-label or DBTGATE_ACK_LABELS name the labels)"
    )
    blocked = gate(builds, env, "--json", "gate.json")
    assert blocked.returncode == 1, blocked.stderr
    assert "error" not in blocked.stderr.lower()
    assert blocked.stdout.count("GITHUB_EVENT_PATH") == 1
    assert warning in blocked.stdout.splitlines()
    report = json.loads((builds / "gate.json").read_text())
    assert report["warnings"] == [warning.removeprefix("warning: ")]
    assert "breaking.column_removed" in {f["code"] for f in report["findings"]}
    acknowledged = gate(builds, env, "--ack-label", ACK)
    assert acknowledged.returncode == 0, acknowledged.stdout + acknowledged.stderr
    assert warning in acknowledged.stdout.splitlines()
    diffed = dbtgate("diff", "--base", "../base/target", cwd=builds, env=env)
    assert diffed.returncode == 1, diffed.stderr
    assert warning in diffed.stdout.splitlines()


def test_the_events_label_acknowledges_without_a_warning(builds, tmp_path) -> None:
    """The control: the same run with the payload GitHub writes passes on its label."""
    passed = gate(builds, actions(tmp_path, ACK))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "GITHUB_EVENT_PATH" not in passed.stdout + passed.stderr


def test_outside_actions_no_event_is_expected(builds, tmp_path) -> None:
    blocked = gate(builds, {})
    assert blocked.returncode == 1
    assert "GITHUB_EVENT_PATH" not in blocked.stdout + blocked.stderr


@pytest.mark.parametrize("event", ["missing", "unset"])
def test_a_comment_with_no_pull_request_to_name_stops_before_the_gate(
    builds, tmp_path, event
) -> None:
    """--comment with no --pr needs the payload's number: without it (and none in GITHUB_REF)
    the run stops at once, exit 2, one error line (and its annotation) saying what is missing
    and how to pass it; nothing is posted, and no gate runs to be thrown away."""
    with FakeGitHub() as github:
        env = actions(
            tmp_path,
            event,
            GITHUB_TOKEN=github.token,
            GITHUB_API_URL=github.api_url,
            GITHUB_REPOSITORY="acme/shop",
            GITHUB_REF="refs/heads/feature",
        )
        stopped = gate(builds, env, "--comment")
        assert github.requests == []
    missing = WARNINGS[event].format(path=tmp_path / "event.json")
    problem = (
        f"no pull request number for the PR comment: {missing}, and GITHUB_REF names no pull "
        "request: pass --pr N (in a workflow: `--pr ${{ github.event.pull_request.number }}`)"
    )
    assert (stopped.returncode, stopped.stdout) == (2, "")
    error, annotation = stopped.stderr.splitlines()
    assert error == f"dbtgate: error: {problem}"
    assert annotation.startswith("::error title=dbtgate stopped::no pull request number")


@pytest.mark.parametrize(
    ("flags", "ref"), [(("--pr", "7"), "refs/heads/feature"), ((), "refs/pull/7/merge")]
)
def test_a_comment_whose_pull_request_is_named_otherwise_is_posted(
    builds, tmp_path, flags, ref
) -> None:
    """--pr N or GITHUB_REF names the pull request: the comment is posted without the payload
    (its links fall back to GITHUB_SHA), and the verdict is the gate's."""
    with FakeGitHub() as github:
        github.add_pull_request("acme/shop", 7)
        env = actions(
            tmp_path,
            "missing",
            GITHUB_TOKEN=github.token,
            GITHUB_API_URL=github.api_url,
            GITHUB_REPOSITORY="acme/shop",
            GITHUB_REF=ref,
            GITHUB_SHA="5" * 40,
        )
        posted = gate(builds, env, "--comment", *flags)
        [comment] = github.comments("acme/shop", 7)
    assert posted.returncode == 1, posted.stderr
    assert "dbtgate: PR comment created" in posted.stderr
    assert "breaking.column_removed" in comment["body"]
    assert "GITHUB_EVENT_PATH=" in comment["body"]  # the warning, for the reviewer too
    assert "5555555" in comment["body"]  # the commit gated: GITHUB_SHA


def test_a_push_run_without_its_event_has_no_pull_request_and_fails_nothing(
    builds, tmp_path
) -> None:
    """A push's run has no pull request, whatever its payload: said after the gate, as ever."""
    env = actions(tmp_path, "missing", GITHUB_EVENT_NAME="push", GITHUB_TOKEN="t0ken")
    env["GITHUB_REPOSITORY"] = "acme/shop"
    gated = gate(builds, env, "--comment", "--ack-label", ACK)
    assert gated.returncode == 0, gated.stderr
    assert gated.stderr.splitlines()[-1] == (
        "dbtgate: no PR comment: this run's `push` event is of no pull request, so there is "
        "none to comment on (--pr N names one)"
    )
