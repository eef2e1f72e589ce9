"""dbtgate's command line run in tests as CI runs it: `python -m dbtgate.cli` in a child process.

A test of what a user sees (the exit code, what is printed where, how the environment changes
it) runs the real command, not `main()` inside pytest's process; these helpers say how once, so
a test says only its arguments, its folder and the environment it means.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

COMMAND = (sys.executable, "-m", "dbtgate.cli")


def plain_env(**settings: str) -> dict[str, str]:
    """An environment with nothing of the machine running the tests: no colour, the system's
    PATH (no dbt on it), no GITHUB_* variables; plus `settings` (COLUMNS pins the width)."""
    return {"NO_COLOR": "1", "PATH": "/usr/bin:/bin", **settings}


def run_dbtgate(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, **options: Any
) -> subprocess.CompletedProcess[str]:
    """`dbtgate ARGS` in `cwd` with exactly `env` (None: the test run's own), its output
    captured as text and its exit code left to the test; `options` go to subprocess.run."""
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        **options,
    )


def dbtgate(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`dbtgate ARGS` in a plain environment 200 columns wide, plus `env` (DBTGATE_TODAY to
    pin the day)."""
    return run_dbtgate(*args, cwd=cwd, env=plain_env(COLUMNS="200") | dict(env or {}))


def dbtgate_in_bash(
    line: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    before: str = "",
    wrapper: Sequence[str] = (),
    **options: Any,
) -> subprocess.CompletedProcess[str]:
    """`BEFORE dbtgate LINE` as bash runs it, shell syntax and all: `--config <(cat x.yml)`
    gives dbtgate the path of a pipe (`/dev/fd/63`), as a user's shell does, and so does an
    assignment `before` it (`GITHUB_EVENT_PATH=<(cat event.json)`); `before` may also be
    commands run first (`mount --bind a b &&`). `wrapper`: the command bash runs under
    (`unshare -m`). In the plain environment of `dbtgate`, plus `env`; `options` go to
    subprocess.run (a `timeout`)."""
    command = " ".join(shlex.quote(part) for part in COMMAND)
    return subprocess.run(
        [*wrapper, "bash", "--noprofile", "--norc", "-c", f"{before} {command} {line}"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=plain_env(COLUMNS="200") | dict(env or {}),
        check=False,
        **options,
    )


def first_line_then_gone(
    args: list[str], cwd: Path, env: Mapping[str, str]
) -> tuple[str, int, str]:
    """`dbtgate ARGS | head -1`: the reader takes the first line and closes the pipe, whose
    buffer is one page (Linux's least), so that a run printing more than that meets the closed
    pipe whatever the timing. Returns the line, the exit code and what went to stderr."""
    import fcntl

    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 4096)
    run = subprocess.Popen(
        [*COMMAND, *args], stdout=write, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env
    )
    os.close(write)
    with os.fdopen(read, "rb", buffering=0) as reader:
        line = reader.readline().decode()
    stderr = run.stderr.read() if run.stderr else ""
    if run.stderr:
        run.stderr.close()
    return line, run.wait(timeout=600), stderr


def gone_before_the_first_line(
    args: list[str], cwd: Path, env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    """`dbtgate ARGS` into a pipe whose reader closed it before the first line was written
    (`dbtgate ARGS | true`): the exit code and stderr to the test."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [*COMMAND, *args],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=env,
            check=False,
        )
    finally:
        os.close(write)


def installed(distribution: str) -> bool:
    """Whether `distribution` is installed, looked up by its metadata, not imported: importing
    dbt-core or its plugins would load dbt into pytest's process, which the tests keep out."""
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True
