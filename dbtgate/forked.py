"""Run some work in a forked child while this process does the rest: two cores, one result.

The gate's reports are rendered in pure Python from one report dict (at 48,000 findings the HTML
takes 1.2 s and the JUnit XML 0.8 s), so the GIL rules out threads; a forked child gets the dict
for free (copy-on-write) and writes its files itself, so nothing but an error comes back: one
line, raised here as the CLI would have printed it in the child. Where `os.fork` is missing
(Windows) or there is one core, the work runs here.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dbtgate.errors import DbtgateError


def cores() -> int:
    """The cores this process may run on (a CI container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork") and cores() > 1


@contextmanager
def alongside(work: Callable[[], None] | None) -> Iterator[None]:
    """Run `work` in a forked child while the with-block runs here.

    When the block ends, the child is waited for and its error, if any, raised as a
    DbtgateError. When the block fails, the child is stopped and reaped first (no orphan goes on
    writing files after dbtgate has exited). Without fork (or when the system refuses one: no
    memory for a child, a process limit), `work` runs here after the block."""
    if work is None:
        yield
        return
    pid, read_fd, write_fd = _fork_with_pipe()
    if pid == -1:  # do it all here instead
        yield
        work()
        return
    if pid == 0:  # the child: do the work, say what went wrong, never return into the caller
        os.close(read_fd)
        code = 0
        try:
            work()
        except BaseException as exc:  # everything, KeyboardInterrupt too, must reach the parent
            os.write(write_fd, _error_line(exc).encode("utf-8", "replace"))
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        yield
    except BaseException:
        os.kill(pid, signal.SIGTERM)
        os.close(read_fd)
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_fd, "rb") as pipe:
        message = pipe.read().decode("utf-8", "replace")  # until the child exits
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise DbtgateError(message or f"a forked worker ended with status {status}")


def _fork_with_pipe() -> tuple[int, int, int]:
    """A child and a pipe from it: (pid, read end, write end), pid 0 in the child; (-1, -1, -1)
    where there is no fork, or when the system refuses a child (no memory or process slot)."""
    if not can_fork():
        return -1, -1, -1
    read_fd, write_fd = os.pipe()
    try:
        return os.fork(), read_fd, write_fd
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return -1, -1, -1


def _error_line(exc: BaseException) -> str:
    """The child's failure as the CLI prints it (without the `dbtgate: error: ` prefix)."""
    if isinstance(exc, DbtgateError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror}"
    return f"internal error: {type(exc).__name__}: {exc}"
