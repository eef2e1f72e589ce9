"""Which commit the gate ran on, for the report's audit trail: a release manager reading the
gate report of a release needs to know that it is the report of the tagged commit.

One `git log -1` (a few milliseconds, no gitpython import; run only when a report is built,
`GateResult.record_checkout`, so subprocess is imported only then): the commit and
the branch and tags that point at it, as git decorates it. Outside a repository, without git,
or when git fails, nothing is recorded: the report is no less the gate's.

A checkout with uncommitted edits to the project's files is not the commit it names: a report
built there claimed to be "of tag v1.1". One `git status` beside the `git log`, limited to
the project's folder and to tracked files, counts the files that differ from the commit (staged
or not). Both run at once: the status is the slower (it stats every tracked file under the
folder), and the log costs nothing beside it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any


def checked_out(directory: Path) -> dict[str, Any] | None:
    """{"commit": sha, "refs": ["main", "tag v1.4.0"], "edited": 3} of HEAD in `directory`'s
    repository, `edited` counting the tracked files under `directory` that differ from it (left
    out when git could not tell); None outside a repository."""
    log = _git(directory, "log", "-1", "--format=%H%n%D", "--decorate=short")
    # `--no-renames`: a renamed file counts as the two paths it touched, without the rename
    # detection a count does not need; `--ignore-submodules`: a submodule's own checkout is
    # not this project's edit; `--no-optional-locks`: no index.lock taken to save the refreshed
    # index, which would fail a git command CI runs beside the report.
    status = _git(
        directory,
        *("--no-optional-locks", "status", "--porcelain", "--untracked-files=no", "--no-renames"),
        *("--ignore-submodules", "--", "."),
    )
    lines, edited = _output(log), _output(status)
    if not lines or len(lines[0]) < 40:
        return None
    git: dict[str, Any] = {"commit": lines[0], "refs": _refs(lines[1] if len(lines) > 1 else "")}
    if edited is not None:
        git["edited"] = len(edited)
    return git


def _git(directory: Path, *args: str) -> subprocess.Popen[str] | None:
    """`git -C directory args...` started, not waited for; None without git."""
    try:
        return subprocess.Popen(
            ["git", "-C", str(directory), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError:
        return None


def _output(process: subprocess.Popen[str] | None) -> list[str] | None:
    """The lines `process` wrote, or None when it failed or took over 10 s (then killed)."""
    if process is None:
        return None
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return out.splitlines() if process.returncode == 0 else None


def _refs(decoration: str) -> list[str]:
    """`HEAD -> main, tag: v1.4.0, origin/main` as ["main", "tag v1.4.0", "origin/main"]:
    HEAD itself is no name of the commit (a detached checkout has only `HEAD`)."""
    refs = []
    for part in decoration.split(", "):
        part = part.removeprefix("HEAD -> ").strip()
        if part and part != "HEAD":
            refs.append(part.replace("tag: ", "tag ", 1))
    return refs
