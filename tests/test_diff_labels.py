"""Where a reviewer's acknowledgement label comes from: --ack-label, $DBTGATE_ACK_LABELS, or the
labels of the pull request in GitHub's event payload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbtgate.diff.labels import gather_ack_labels
from dbtgate.errors import DbtgateError


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
    assert gather_ack_labels([" cli-label "], environ) == [
        "breaking-change-ok",
        "cli-label",
        "docs",
        "schema-approved",
    ]


def test_a_push_event_has_no_labels(tmp_path):
    environ = {"GITHUB_EVENT_PATH": event(tmp_path, {"ref": "refs/heads/main"})}
    assert gather_ack_labels([], environ) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("{not json", "cannot read the GitHub event payload")],
)
def test_an_unreadable_event_is_a_clear_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "event.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DbtgateError) as raised:
        gather_ack_labels([], {"GITHUB_EVENT_PATH": str(path)})
    assert str(raised.value).startswith(f"{path}: ")
    assert message in str(raised.value)
