"""Forked children in tests: the pids forked, and whether each has been waited for."""

from __future__ import annotations

import os

import pytest

from dbtgate import forked

needs_fork = pytest.mark.skipif(not forked.can_fork(), reason="needs os.fork and two cores")


def reaped(pids: list[int]) -> bool:
    """Every forked child has exited and been waited for (no zombie, no orphan)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True
