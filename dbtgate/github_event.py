"""The GitHub Actions event payload (GITHUB_EVENT_PATH), read once for whoever needs it.

The acknowledgement labels and the pull-request number of the sticky comment both come from it;
a path that is set but unreadable is a one-line error, since a silently empty event would gate
without the labels a reviewer set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dbtgate.errors import DbtgateError


def read_event(path: str) -> dict[str, Any]:
    """The event as a mapping; empty when `path` is empty or the payload is not an object."""
    if not path:
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DbtgateError(
            f"{path}: GITHUB_EVENT_PATH points to a file that does not exist"
        ) from None
    except (OSError, ValueError) as exc:
        raise DbtgateError(f"{path}: cannot read the GitHub event payload: {exc}") from None
    return event if isinstance(event, dict) else {}
