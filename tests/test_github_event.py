"""A GitHub Actions run whose event payload (GITHUB_EVENT_PATH) is missing, unset or broken.

The payload tells about the pull request (its number, head commit and labels), not the build:
the gate runs without it and warns, and only a command that needs it (a PR comment with no
`--pr N` and no other source of the number) stops, with one line naming what is missing and
the flag that gives it. A merge queue's `merge_group` payload names no pull request: the labels
are those of the pull request its head ref names, read through the API (a fake GitHub on
loopback), and a failure to read them is a warning. Each case runs the CLI as a subprocess, as
the workflow step does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import model, write_build
from fake_github import FakeGitHub, merge_group_event

from dbtgate.errors import DbtgateError
from dbtgate.github_event import queued_pull_request
from dbtgate.report.github import pull_request_labels

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
    (a path to no file), `unset`, `broken` (not JSON), `deep` (JSON nested past Python's
    recursion limit), else a label the payload carries."""
    env = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", **more}
    path = tmp_path / "event.json"
    if event == "broken":
        path.write_text("{not json", encoding="utf-8")
    elif event == "deep":
        path.write_text('{"pull_request": ' + "[" * 100_000 + "]" * 100_000 + "}")
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
    "deep": "GITHUB_EVENT_PATH={path}: not a JSON event payload (nested too deeply)",
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


QUEUED = 123
UNREAD = (
    "a breaking change a label acknowledges blocks (--ack-label or DBTGATE_ACK_LABELS name the "
    "labels)"
)


def merge_queue(tmp_path: Path, github: FakeGitHub, **more: str) -> dict[str, str]:
    """A merge queue's run of a group made for PR #123: the environment GitHub gives a
    `merge_group` job, with the payload it writes (no pull request, no labels)."""
    payload = merge_group_event(QUEUED, repository="acme/shop")
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "merge_group",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REF": payload["merge_group"]["head_ref"],
        "GITHUB_SHA": payload["merge_group"]["head_sha"],
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_TOKEN": github.token,
        "GITHUB_API_URL": github.api_url,
        **more,
    }


def test_in_the_merge_queue_the_queued_pull_requests_label_acknowledges(builds, tmp_path) -> None:
    """The breaking change acknowledged on the pull request passes in the queue too: its labels
    are read through the API, and no comment is posted (the pull request's runs wrote it)."""
    with FakeGitHub() as github:
        github.add_pull_request("acme/shop", QUEUED)
        github.label("acme/shop", QUEUED, "documentation", ACK)
        passed = gate(builds, merge_queue(tmp_path, github), "--comment")
        assert [(r.method, r.path) for r in github.requests] == [
            ("GET", "/repos/acme/shop/issues/123/labels?per_page=100")
        ]
        assert github.requests[0].headers["authorization"] == f"Bearer {github.token}"
        assert github.comments("acme/shop", QUEUED) == []
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "warning" not in passed.stdout + passed.stderr
    assert passed.stderr.splitlines()[-1] == (
        "dbtgate: no PR comment: this run's `merge_group` event is a merge queue's group of pull "
        "requests, whose own runs wrote their comments"
    )


def test_in_the_merge_queue_a_pull_request_without_the_label_blocks(builds, tmp_path) -> None:
    """The control: the same group made for a pull request without the label."""
    with FakeGitHub() as github:
        github.add_pull_request("acme/shop", QUEUED)
        github.label("acme/shop", QUEUED, "documentation")
        blocked = gate(builds, merge_queue(tmp_path, github), "--json", "gate.json")
    assert blocked.returncode == 1, blocked.stderr
    report = json.loads((builds / "gate.json").read_text())
    assert report["warnings"] == []
    assert "breaking.column_removed" in {f["code"] for f in report["findings"]}


def test_in_the_merge_queue_every_page_of_labels_is_read(builds, tmp_path) -> None:
    with FakeGitHub() as github:
        github.add_pull_request("acme/shop", QUEUED)
        github.label("acme/shop", QUEUED, *(f"area-{i}" for i in range(105)), ACK)
        env = merge_queue(tmp_path, github)
        passed = gate(builds, env)
        diffed = dbtgate("diff", "--base", "../base/target", cwd=builds, env=env)
        paths = [r.path for r in github.requests]
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert diffed.returncode == 0, diffed.stdout + diffed.stderr
    labels = "/repos/acme/shop/issues/123/labels?per_page=100"
    assert paths == [labels, f"{labels}&page=2"] * 2


TOKEN_ECHOED = "Resource not accessible by integration: {token}"
FAILURES = {
    "forbidden": (
        lambda gh, env: gh.fail_next(403, TOKEN_ECHOED.format(token=gh.token)),
        "could not be read: GitHub refused access (HTTP 403) while reading the labels of PR #123"
        " of acme/shop (GitHub says: Resource not accessible by integration: ***): the "
        "workflow's `permissions:` need `pull-requests: read` (or `issues: read`; what a "
        "`permissions:` key does not name, the token may not do);",
    ),
    "unknown-pull-request": (
        lambda gh, env: None,  # the fake knows no PR #123
        "could not be read: GitHub found nothing (HTTP 404) while reading the labels of PR #123",
    ),
    "rate-limited": (
        lambda gh, env: gh.rate_limit_next(),
        "could not be read: GitHub API rate limit exceeded while reading the labels of PR #123",
    ),
    "broken-off-twice": (
        lambda gh, env: [gh.cut_next(), gh.cut_next()],
        "could not be read: cannot reach the GitHub API at 127.0.0.1 while reading the labels "
        "of PR #123 of acme/shop: the answer broke off before its end",
    ),
    "no-token": (
        lambda gh, env: env.update(GITHUB_TOKEN=""),
        "could not be read: no GitHub token to read the pull request's labels: set GITHUB_TOKEN"
        " (in a workflow: `env: GITHUB_TOKEN: ${{ github.token }}`; the dbtgate action's `token`"
        " input sets it, the job's own token unless the input names a secret that is empty)",
    ),
    "api-url": (
        lambda gh, env: env.update(GITHUB_API_URL="api.github.com"),
        "could not be read: GITHUB_API_URL='api.github.com' is not the http(s) URL of a GitHub API",
    ),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_in_the_merge_queue_labels_that_cannot_be_read_are_a_warning(
    builds, tmp_path, failure
) -> None:
    """Whatever stops the read, the gate runs: its labels count as absent, so the breaking
    change blocks (exit 1, never 2), and one warning says why, without the token."""
    arrange, reason = FAILURES[failure]
    with FakeGitHub() as github:
        env = merge_queue(tmp_path, github)
        if failure != "unknown-pull-request":
            github.add_pull_request("acme/shop", QUEUED)
            github.label("acme/shop", QUEUED, ACK)
        arrange(github, env)
        blocked = gate(builds, env, "--json", "gate.json")
        token = github.token
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "Traceback" not in blocked.stderr and "error" not in blocked.stderr.lower()
    report = json.loads((builds / "gate.json").read_text())
    [warning] = report["warnings"]
    assert warning.startswith(
        f"the labels of PR #123, which this merge group was made for, {reason}"
    )
    assert warning.endswith(f"; {UNREAD}")
    assert f"warning: {warning}" in blocked.stdout.splitlines()
    assert token not in blocked.stdout + blocked.stderr + (builds / "gate.json").read_text()


def test_a_merge_group_whose_ref_names_no_pull_request_is_a_warning(builds, tmp_path) -> None:
    with FakeGitHub() as github:
        env = merge_queue(tmp_path, github)
        payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
        payload["merge_group"]["head_ref"] = "refs/heads/main"
        Path(env["GITHUB_EVENT_PATH"]).write_text(json.dumps(payload))
        blocked = gate(builds, env, "--json", "gate.json")
        assert github.requests == []
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert json.loads((builds / "gate.json").read_text())["warnings"] == [
        "this merge group's head_ref 'refs/heads/main' names no pull request (GitHub's merge "
        "queue names refs/heads/gh-readonly-queue/<branch>/pr-<number>-<sha>), so no pull "
        f"request's labels are read: {UNREAD}"
    ]


@pytest.mark.parametrize(
    ("ref", "number"),
    [
        ("refs/heads/gh-readonly-queue/main/pr-123-929f8209d40f77f4abc622a499c93a83babdbe64", 123),
        ("refs/heads/gh-readonly-queue/release/2.x/pr-7-" + "a" * 40, 7),
        # A base branch whose own name looks like a queue's: the last part is the group's.
        ("refs/heads/gh-readonly-queue/hotfix/pr-9-" + "b" * 40 + "/pr-12-" + "c" * 40, 12),
        ("refs/heads/gh-readonly-queue/main/pr-0-" + "a" * 40, None),
        ("refs/heads/gh-readonly-queue/main/pr-12", None),
        ("refs/heads/gh-readonly-queue/pr-12-" + "a" * 40, None),
        ("refs/heads/main", None),
        ("refs/pull/12/merge", None),
        ("", None),
    ],
)
def test_the_pull_request_a_merge_group_was_made_for(ref: str, number: int | None) -> None:
    assert queued_pull_request(ref) == number


def test_labels_read_through_the_api_retry_a_gateway_error_once() -> None:
    with FakeGitHub() as github:
        github.add_pull_request("acme/shop", QUEUED)
        github.label("acme/shop", QUEUED, ACK)
        github.fail_next(502, "Bad Gateway")
        env = {"GITHUB_TOKEN": github.token, "GITHUB_API_URL": github.api_url}
        assert pull_request_labels("acme/shop", QUEUED, env, max_retry_wait=0.05) == [ACK]
        assert [r.method for r in github.requests] == ["GET", "GET"]


def test_a_personal_token_refused_the_labels_is_told_the_read_access_it_needs() -> None:
    with FakeGitHub("ghp_personalTOKEN0123456789") as github:
        github.add_pull_request("acme/shop", QUEUED)
        github.forbid_next()
        env = {"GITHUB_TOKEN": github.token, "GITHUB_API_URL": github.api_url}
        with pytest.raises(DbtgateError) as caught:
            pull_request_labels("acme/shop", QUEUED, env)
    assert str(caught.value).endswith(
        "the personal access token in GITHUB_TOKEN needs the `repo` scope (classic) or `Pull "
        "requests: read` on acme/shop (fine-grained)"
    )
