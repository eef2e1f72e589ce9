"""Which files git reads as renamed since the base branch: what lets a baseline's debt follow a
model renamed and edited in one pull request, whose new checksum dbt's cannot match.

Asked only when a baseline holds entries on resources the build no longer has and that no
unchanged file carried (`gate.carried_entries`): a few git commands (`merge-base`, one
`diff -M --name-status`), without gitpython and without patches. Outside a repository, without
git, or without a base git knows, nothing is read as renamed, and the findings are new, as
before: a rename git does not vouch for is not guessed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from dbtgate.lint.changes import DEFAULT_BASE_REFS

_TIMEOUT = 20  # seconds per git command: a gate does not hang on a huge repository's diff


def base_refs(given: str | None, environ: Mapping[str, str]) -> list[str]:
    """The refs to measure the change from, first that git knows wins: `given` (`--base REF`,
    or the commit it was compared at), else the pull request's base branch in GitHub Actions,
    else lint's default list."""
    if given:
        return [given]
    github_base = environ.get("GITHUB_BASE_REF")
    return [f"origin/{github_base}"] if github_base else list(DEFAULT_BASE_REFS)


def renamed_files(project_dir: Path, refs: Iterable[str]) -> dict[str, str]:
    """New path -> old path, both relative to `project_dir` (as a manifest's
    `original_file_path`), of the files under it that git's rename detection (`diff -M`, at its
    default similarity of half) pairs between the merge base of the first of `refs` git knows
    and the working tree; empty when git cannot tell."""
    top = _git(project_dir, "rev-parse", "--show-toplevel")
    if top is None:
        return {}
    root = Path(top.strip()).resolve()
    merge_base = next(
        (found.strip() for ref in refs if (found := _git(project_dir, "merge-base", ref, "HEAD"))),
        None,
    )
    if not merge_base:
        return {}
    listed = _git(
        project_dir, "diff", "-M", "--name-status", "-z", "--no-color", merge_base, "--", "."
    )
    if listed is None:
        return {}
    project = project_dir.resolve()
    fields = listed.split("\0")
    renamed: dict[str, str] = {}
    at = 0
    while at < len(fields) and fields[at]:
        status = fields[at]
        paths = 2 if status[:1] in ("R", "C") else 1  # a rename or copy names both files
        if status.startswith("R"):
            old, new = root / fields[at + 1], root / fields[at + 2]
            if old.is_relative_to(project) and new.is_relative_to(project):
                renamed[new.relative_to(project).as_posix()] = old.relative_to(project).as_posix()
        at += 1 + paths
    return renamed


def _git(directory: Path, *args: str) -> str | None:
    """`git -C directory args...`'s output, or None when it failed, timed out or git is
    missing."""
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
