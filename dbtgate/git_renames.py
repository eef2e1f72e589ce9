"""Which files git reads as renamed since the base branch: what lets a baseline's debt follow a
model renamed and edited in one pull request, whose new checksum dbt's cannot match.

Asked only when git's answer could change the report (`baseline_renames.git_could_pair`), and
then in one git command (`diff --merge-base REF -M`, git 2.30 or later), without gitpython and
without patches: a check whose baseline holds entries on models deleted long ago runs no git at
all. Outside a repository, without git, or without a base git knows, nothing is read as renamed,
and the findings are new, as before: a rename git does not vouch for is not guessed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from dbtgate.lint.changes import DEFAULT_BASE_REFS

_TIMEOUT = 20  # seconds per git command: a gate does not hang on a huge repository's diff
_UNKNOWN_REF = 128  # git's exit code for a revision it does not know (try the next ref)


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
    and the working tree; empty when git cannot tell. One git command per ref tried (`--relative`
    keeps the paths under the project, as the manifest names them), none outside a repository."""
    if not _in_repository(project_dir):
        return {}
    for ref in refs:
        code, listed = _git(
            project_dir, "diff", "--merge-base", ref, "-M", "--name-status", "-z", "--relative",
            "--no-color", "--", ".",
        )  # fmt: skip
        if code == 0:
            return _renames(listed)
        if code != _UNKNOWN_REF:
            return {}  # not a ref git lacks: git itself cannot answer (too old, a broken repo)
    return {}


def _renames(listed: str) -> dict[str, str]:
    """The renames of a `diff --name-status -z` listing: new path -> old path."""
    fields = listed.split("\0")
    renamed: dict[str, str] = {}
    at = 0
    while at < len(fields) and fields[at]:
        status = fields[at]
        paths = 2 if status[:1] in ("R", "C") else 1  # a rename or copy names both files
        if status.startswith("R"):
            renamed[fields[at + 2]] = fields[at + 1]
        at += 1 + paths
    return renamed


def _in_repository(directory: Path) -> bool:
    """Whether git could find a repository holding `directory` (a `.git` in it or above it, or
    one the environment names), read from the file system rather than by running git."""
    if os.environ.get("GIT_DIR"):
        return True
    start = directory.resolve()
    return any((folder / ".git").exists() for folder in (start, *start.parents))


def _git(directory: Path, *args: str) -> tuple[int | None, str]:
    """`git -C directory args...`'s exit code and output; None for the code when git is missing
    or timed out."""
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
        return None, ""
    return done.returncode, done.stdout
