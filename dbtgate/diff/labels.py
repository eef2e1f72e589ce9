"""The pull-request labels that can acknowledge breaking changes, gathered where CI has them.

A reviewer acknowledges a breaking change by labelling the pull request. In GitHub Actions the
labels are in the event payload (GITHUB_EVENT_PATH) of a `pull_request` event; a merge queue's
`merge_group` event carries none, so the labels of the pull request its group was made for are
read through the API (else an acknowledged change that passed on the pull request would block
in the queue); elsewhere a CI script passes them with `--ack-label` or DBTGATE_ACK_LABELS
(comma-separated). The CLI gathers them here once and hands them to the check through
`CheckContext.options["ack_labels"]`, so the check itself reads no environment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dbtgate.errors import DbtgateError
from dbtgate.github_event import merge_group_ref, queued_pull_request, read_event

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
    head_ref = merge_group_ref(event.payload)
    if head_ref is not None:
        labels.update(_merge_group_labels(head_ref, event.payload, environ, warnings))
    return sorted(labels)


def _merge_group_labels(
    head_ref: str, event: dict[str, Any], environ: Mapping[str, str], warnings: list[str]
) -> list[str]:
    """The labels of the pull request a merge group was made for (the last one queued into it;
    see `queued_pull_request`), read through the API. Whatever stops that is a warning and no
    labels: the breaking changes they acknowledge block, never the other way round."""
    unread = (
        f"a breaking change a label acknowledges blocks (--ack-label or {ENV_LABELS} name the "
        "labels)"
    )
    number = queued_pull_request(head_ref)
    if number is None:
        warnings.append(
            f"this merge group's head_ref {head_ref!r} names no pull request (GitHub's merge "
            "queue names refs/heads/gh-readonly-queue/<branch>/pr-<number>-<sha>), so no pull "
            f"request's labels are read: {unread}"
        )
        return []
    repository = environ.get("GITHUB_REPOSITORY", "").strip() or _repository(event)
    if not repository:
        warnings.append(
            f"GITHUB_REPOSITORY is not set, so the labels of PR #{number}, which this merge "
            f"group was made for, are not read: {unread}"
        )
        return []
    # Only here: the gate's path imports no HTTP client.
    from dbtgate.report.github import pull_request_labels
    from dbtgate.secrets import scrub_tokens

    try:
        return pull_request_labels(repository, number, environ)
    except DbtgateError as exc:
        # The reports publish warnings: no token of the step, whatever GitHub's text quoted.
        warnings.append(
            f"the labels of PR #{number}, which this merge group was made for, could not be "
            f"read: {scrub_tokens(str(exc), environ)}; {unread}"
        )
        return []


def _repository(event: dict[str, Any]) -> str:
    repository = event.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    return name.strip() if isinstance(name, str) else ""


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
