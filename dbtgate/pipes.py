"""Inputs that are pipes: `--config <(...)` gives `/dev/fd/63`, a pipe the shell has its
writer for, and `mkfifo` one anybody can write.

A pipe is read once, front to back: what names a file (the config, a baseline, an artifact)
reads it whole into memory and never opens it again. What names a folder (`--artifacts`,
`--base`, `--project-dir`) cannot be one: dbtgate reads a build's files from it by dbt's names.
A pipe given there was refused with a message about folders and files that did not say what it
was ("not a directory, and ... has no dbt_project.yml"); these say it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# What was read from each pipe, by its path as given. A pipe gives its bytes once; a reader that
# comes back to the same input (a second, selective decode of the manifest; the GitHub event,
# read for the labels, the pull request and the links) is given them again from here.
_READ: dict[str, bytes] = {}


def kept(path: Path) -> bytes | None:
    """The bytes read from the pipe at `path` before, if it was read (`keep`)."""
    return _READ.get(str(path))


def keep(path: Path, data: bytes) -> bytes:
    """Keep `data`, read from the pipe at `path`, for the readers that come back to it."""
    _READ[str(path)] = data
    return data


def read_bytes(path: Path) -> bytes:
    """`path.read_bytes()`, but a pipe's bytes are read once: kept for the next reader."""
    data = kept(path)
    if data is None:
        data = path.read_bytes()
        if is_pipe(path):
            keep(path, data)
    return data


def is_pipe(path: Path) -> bool:
    """Whether `path` is a pipe (through the link `/dev/fd/N` is); False when nothing is there
    or it cannot be looked up (the reader then says what is wrong)."""
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def pipe_for_a_folder(path: Path | str, option: str, takes: str) -> str:
    """The error for a pipe where `option` takes a folder (`takes` says which), naming it."""
    return (
        f"{path}: {option} takes {takes}, and this is a pipe (as `<(...)` gives): a folder "
        "cannot be piped, dbtgate reads the files in it by dbt's names; pass the folder they "
        "are in"
    )
