"""The pull-request labels that can acknowledge breaking changes, gathered where CI has them.

A reviewer acknowledges a breaking change by labelling the pull request. In GitHub Actions the
labels are in the event payload (GITHUB_EVENT_PATH) of a `pull_request` event; elsewhere a CI
script passes them with `--ack-label` or DBTGATE_ACK_LABELS (comma-separated). The CLI gathers
them here once and hands them to the check through `CheckContext.options["ack_labels"]`, so the
check itself reads no environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dbtgate.github_event import read_event

ENV_LABELS = "DBTGATE_ACK_LABELS"


def gather_ack_labels(
    given: Iterable[str], environ: Mapping[str, str], warnings: list[str]
) -> list[str]:
    """Labels from the command line, the environment and the GitHub event, sorted and unique.
    An event that cannot be read is a warning appended to `warnings`, not an error: without
    its labels a breaking change they acknowledge blocks, so the gate errs on the safe side."""
    labels = {label.strip() for label in given if label.strip()}
    labels.update(part.strip() for part in environ.get(ENV_LABELS, "").split(",") if part.strip())
    event = read_event(environ)
    if event.missing:
        warnings.append(
            f"{event.missing}, so the pull request's labels are not read: a breaking change "
            f"a label acknowledges blocks (--ack-label or {ENV_LABELS} name the labels)"
        )
    labels.update(_event_labels(event.payload))
    return sorted(labels)


def _event_labels(event: dict[str, Any]) -> list[str]:
    pull_request = event.get("pull_request")
    if not isinstance(pull_request, dict):
        return []  # a push or schedule event: no labels to read
    found = []
    for label in pull_request.get("labels") or ():
        name = label.get("name") if isinstance(label, dict) else label
        if isinstance(name, str) and name.strip():
            found.append(name.strip())
    return found
