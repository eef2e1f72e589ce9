"""Which commit the gate ran on, for the report's audit trail: a release manager reading the
gate report of a release needs to know that it is the report of the tagged commit.

One `git log -1` (a few milliseconds, no gitpython import; run only when a report is built,
`GateResult.record_checkout`, so subprocess is imported only then): the commit and
the branch and tags that point at it, as git decorates it. Outside a repository, without git,
or when git fails, nothing is recorded: the report is no less the gate's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def checked_out(directory: Path) -> dict[str, Any] | None:
    """{"commit": sha, "refs": ["main", "tag v1.4.0"]} of HEAD in `directory`'s repository;
    None outside one."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "log", "-1", "--format=%H%n%D", "--decorate=short"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            stdin=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines or len(lines[0]) < 40:
        return None
    return {"commit": lines[0], "refs": _refs(lines[1] if len(lines) > 1 else "")}


def _refs(decoration: str) -> list[str]:
    """`HEAD -> main, tag: v1.4.0, origin/main` as ["main", "tag v1.4.0", "origin/main"]:
    HEAD itself is no name of the commit (a detached checkout has only `HEAD`)."""
    refs = []
    for part in decoration.split(", "):
        part = part.removeprefix("HEAD -> ").strip()
        if part and part != "HEAD":
            refs.append(part.replace("tag: ", "tag ", 1))
    return refs
