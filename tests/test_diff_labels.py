"""Where a reviewer's acknowledgement label comes from: --ack-label, $DBTGATE_ACK_LABELS, or the
labels of the pull request in GitHub's event payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbtgate.diff.labels import gather_ack_labels


def event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_labels_from_the_command_line_the_environment_and_the_event_are_merged(tmp_path):
    payload = {"pull_request": {"labels": [{"name": "breaking-change-ok"}, {"name": "docs"}]}}
    environ = {
        "DBTGATE_ACK_LABELS": " schema-approved , ,docs",
        "GITHUB_EVENT_PATH": event(tmp_path, payload),
    }
    assert gather_ack_labels([" cli-label "], environ, []) == [
        "breaking-change-ok",
        "cli-label",
        "docs",
        "schema-approved",
    ]


def test_a_push_event_has_no_labels(tmp_path):
    environ = {"GITHUB_EVENT_PATH": event(tmp_path, {"ref": "refs/heads/main"})}
    warnings: list[str] = []
    assert gather_ack_labels([], environ, warnings) == []
    assert warnings == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not a JSON event payload (Expecting property name"),
        ("[1, 2]", "not a JSON event payload (not an object)"),
    ],
)
def test_an_unreadable_event_is_a_warning_naming_the_file(tmp_path, content, message):
    """Without the payload no label acknowledges a breaking change: the gate is stricter, not
    wrong, so it goes on, and the warning says what is missing and how to give the labels."""
    path = tmp_path / "event.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    warnings: list[str] = []
    environ = {"GITHUB_EVENT_PATH": str(path), "DBTGATE_ACK_LABELS": "ok"}
    assert gather_ack_labels(["given"], environ, warnings) == ["given", "ok"]
    [warning] = warnings
    assert warning.startswith(f"GITHUB_EVENT_PATH={path}: {message}")
    assert warning.endswith(
        ", so the pull request's labels are not read: a breaking change a label acknowledges "
        "blocks (--ack-label or DBTGATE_ACK_LABELS name the labels)"
    )


def test_no_event_is_expected_outside_actions_and_is_in_actions():
    outside: list[str] = []
    assert gather_ack_labels([], {}, outside) == [] and outside == []
    inside: list[str] = []
    assert gather_ack_labels([], {"GITHUB_ACTIONS": "true"}, inside) == []
    assert inside[0].startswith("GITHUB_EVENT_PATH is not set, so")


def test_a_merge_group_without_a_head_ref_is_a_warning_and_no_request(tmp_path, closed_port):
    """A `merge_group` payload whose group names no head ref: no pull request to ask about, so
    nothing is sent (not even with a token) and the labels count as absent."""
    environ = {
        "GITHUB_EVENT_PATH": event(tmp_path, {"merge_group": {"head_sha": "8" * 40}}),
        "GITHUB_TOKEN": "ghs_neverSENTanywhere0123",
        # Refuses connections: a request would fail, with a warning of its own.
        "GITHUB_API_URL": f"http://127.0.0.1:{closed_port}",
        "GITHUB_REPOSITORY": "acme/shop",
    }
    warnings: list[str] = []
    assert gather_ack_labels(["given"], environ, warnings) == ["given"]
    assert warnings == [
        "this merge group's head_ref '' names no pull request (GitHub's merge queue names "
        "refs/heads/gh-readonly-queue/<branch>/pr-<number>-<sha>), so no pull request's labels "
        "are read: a breaking change a label acknowledges blocks (--ack-label or "
        "DBTGATE_ACK_LABELS name the labels)"
    ]
