"""The pull-request labels that can acknowledge breaking changes, gathered where CI has them.

A reviewer acknowledges a breaking change by labelling the pull request. In GitHub Actions the
labels are in the event payload (GITHUB_EVENT_PATH) of a `pull_request` event; elsewhere a CI
script passes them with `--ack-label` or DBTGATE_ACK_LABELS (comma-separated). The CLI gathers
them here once and hands them to the check through `CheckContext.options["ack_labels"]`, so the
check itself reads no environment.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from dbtgate.errors import DbtgateError

ENV_LABELS = "DBTGATE_ACK_LABELS"


def gather_ack_labels(given: Iterable[str], environ: Mapping[str, str]) -> list[str]:
    """Labels from the command line, the environment and the GitHub event, sorted and unique."""
    labels = {label.strip() for label in given if label.strip()}
    labels.update(part.strip() for part in environ.get(ENV_LABELS, "").split(",") if part.strip())
    event_path = environ.get("GITHUB_EVENT_PATH", "")
    if event_path:
        labels.update(_event_labels(Path(event_path)))
    return sorted(labels)


def _event_labels(path: Path) -> list[str]:
    try:
        event: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DbtgateError(
            f"{path}: GITHUB_EVENT_PATH points to a file that does not exist"
        ) from None
    except (OSError, ValueError) as exc:
        raise DbtgateError(f"{path}: cannot read the GitHub event payload: {exc}") from None
    pull_request = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull_request, dict):
        return []  # a push or schedule event: no labels to read
    found = []
    for label in pull_request.get("labels") or ():
        name = label.get("name") if isinstance(label, dict) else label
        if isinstance(name, str) and name.strip():
            found.append(name.strip())
    return found
