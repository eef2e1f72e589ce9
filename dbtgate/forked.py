"""Run some work in a forked child while this process does the rest: two cores, one result.

The gate's reports are rendered in pure Python from one report dict (at 48,000 findings the HTML
takes 1.2 s and the JUnit XML 0.8 s), and its check families run in pure Python on the decoded
manifest, so the GIL rules out threads; a forked child gets the dict and the manifest for free
(copy-on-write). Report writing needs nothing sent back, because the child writes its files
itself (`alongside`); check families send their results back, pickled, through a pipe
(`result_alongside`). An error travels back as one line and is raised here as the CLI would
have printed it in the child. Where `os.fork` is missing (Windows) or there is one core, the
work runs here.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

from dbtgate.errors import DbtgateError

T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on (a CI container's share, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def can_fork() -> bool:
    return hasattr(os, "fork") and cores() > 1


def core_to_spare() -> bool:
    """Whether another core is likely free: the last minute's load average is at most the cores
    less one half (1.5 on two cores: this process, or one other busy one, and no more). A child
    on a saturated machine only queues behind the other processes, and the pages both processes
    touch are copied for nothing (at 10,000 models the check families split in two are 16%
    faster on an idle 2-core machine, 20% slower on one already running two other processes)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average here (Windows): assume a quiet machine
        return True
    return load <= cores() - 0.5


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


@contextmanager
def result_alongside(work: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """Run `work` in a forked child while the with-block runs here; the block calls the function
    it is given for work's result, which the child sends back pickled (it must pickle).

    The child's error, if any, is raised by that call as a DbtgateError. When the block fails or
    ends without asking, the child is stopped and reaped. Without fork (or when the system
    refuses one), the call runs `work` here."""
    pid, read_fd, write_fd = _fork_with_pipe()
    if pid == -1:  # do it here when asked
        yield work
        return
    if pid == 0:  # the child: never returns into the caller
        os.close(read_fd)
        try:
            payload = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # everything, KeyboardInterrupt too, must reach the parent
            payload = pickle.dumps((False, _error_line(exc)))
        try:
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write_fd)
    collected = False

    def result() -> T:
        nonlocal collected
        with os.fdopen(read_fd, "rb") as pipe:
            payload = pipe.read()  # until the child exits
        _, status = os.waitpid(pid, 0)
        collected = True
        if not payload:  # killed before it could say anything (out of memory, a signal)
            raise DbtgateError(f"a forked worker ended with status {status}")
        done, value = pickle.loads(payload)
        if not done:
            raise DbtgateError(value)
        return value

    try:
        yield result
    finally:
        if not collected:
            os.kill(pid, signal.SIGTERM)
            with suppress(OSError):  # already closed if the block was stopped while reading
                os.close(read_fd)
            os.waitpid(pid, 0)


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
