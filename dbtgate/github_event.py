"""The GitHub Actions event payload (GITHUB_EVENT_PATH), read for whoever needs it.

What the payload gives is about the pull request, not the build: its number (the sticky
comment), its head commit (file links; GITHUB_SHA is a temporary merge commit) and its labels
(acknowledged breaking changes). A merge queue's `merge_group` payload names no pull request
and carries no labels: its head ref names the pull request the group was made for
(`queued_pull_request`), whose labels are read through the API. So a payload that cannot be
read does not stop the gate: the reader gets an empty one with the reason (`Event.missing`),
and each consumer decides. The labels' consumer warns (without them an acknowledged breaking
change blocks, never the other way round); the comment's stops with the flag that names the
pull request (`--pr N`) when no other source has its number; the links fall back to GITHUB_SHA.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from dbtgate.pipes import read_bytes

# The ref GitHub's merge queue gives a group: `refs/heads/gh-readonly-queue/<base branch>/pr-<N>-
# <sha>`, N the pull request queued last into the group. The base branch may hold slashes
# (`release/2.x`); the last `/pr-N-sha` is the group's own.
_QUEUE_REF = re.compile(r"^refs/heads/gh-readonly-queue/.+/pr-([1-9][0-9]*)-[0-9a-f]{7,64}$")


class Event(Struct, frozen=True):
    """The payload (empty when there is none), and why none could be read where GitHub
    Actions writes one (`missing`, for a message: `GITHUB_EVENT_PATH=/x: no such file`);
    None outside Actions with no path set, where no payload is expected."""

    payload: dict[str, Any] = field(default_factory=dict)
    missing: str | None = None


def read_event(environ: Mapping[str, str]) -> Event:
    """The event of this run: GITHUB_EVENT_PATH's JSON object, or why there is none."""
    path = environ.get("GITHUB_EVENT_PATH", "").strip()
    if not path:
        in_actions = environ.get("GITHUB_ACTIONS", "").lower() == "true"
        return Event(missing="GITHUB_EVENT_PATH is not set" if in_actions else None)
    where = f"GITHUB_EVENT_PATH={path}"
    try:
        # (a pipe, `GITHUB_EVENT_PATH=<(gh api ...)`, is read once: the labels, the pull
        # request and the links each ask)
        payload = json.loads(read_bytes(Path(path)).decode("utf-8"))
    except FileNotFoundError:
        return Event(missing=f"{where}: no such file")
    except OSError as exc:
        return Event(missing=f"{where}: cannot be read ({exc.strerror or type(exc).__name__})")
    except ValueError as exc:
        return Event(missing=f"{where}: not a JSON event payload ({exc})")
    except RecursionError:  # arrays in arrays past Python's limit: json gives up on it
        return Event(missing=f"{where}: not a JSON event payload (nested too deeply)")
    if not isinstance(payload, dict):
        return Event(missing=f"{where}: not a JSON event payload (not an object)")
    return Event(payload)


def merge_group_ref(payload: Mapping[str, Any]) -> str | None:
    """The head ref of a merge queue's group, when the payload is a `merge_group` event's (its
    `merge_group` object): "" when that object names none. None for any other event."""
    group = payload.get("merge_group")
    if not isinstance(group, dict):
        return None
    ref = group.get("head_ref")
    return ref.strip() if isinstance(ref, str) else ""


def queued_pull_request(head_ref: str) -> int | None:
    """The number of the pull request a merge group was made for, from its head ref
    (`refs/heads/gh-readonly-queue/main/pr-123-<sha>`: 123), or None for another ref. The group
    holds the pull requests queued before it too; the ref names the last one."""
    match = _QUEUE_REF.match(head_ref)
    return int(match.group(1)) if match else None
