"""benchmarks/instructions.py counts what wall time cannot measure on a shared machine: a count
that does not move between runs, a failed command that is an error rather than a number, and
each ratio taken against what its target names."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from instructions import CountError, count_instructions, ratios

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind not installed (.ci/run installs it)"
)
OK = frozenset({0})


@needs_valgrind
def test_the_same_work_counts_the_same_and_more_work_counts_more(tmp_path: Path) -> None:
    work = [sys.executable, "-c", "print(sum(sorted({str(n): n for n in range(20000)}.values())))"]
    first, second = (count_instructions(work, tmp_path, OK) for _ in range(2))
    idle = count_instructions([sys.executable, "-c", "pass"], tmp_path, OK)
    assert abs(first - second) <= first * 0.001
    assert first > idle * 1.2


@needs_valgrind
def test_a_command_that_fails_is_an_error_not_a_count(tmp_path: Path) -> None:
    with pytest.raises(CountError, match="exit 3"):
        count_instructions([sys.executable, "-c", "raise SystemExit(3)"], tmp_path, OK)
    assert count_instructions([sys.executable, "-c", "raise SystemExit(1)"], tmp_path, OK | {1})


@needs_valgrind
def test_a_command_that_forks_is_counted_by_its_own_process(tmp_path: Path) -> None:
    """`check` forks a second process of checks: valgrind prints a count for each, and the
    first printed was whichever ended first, the child's as often as not."""
    child_works = (
        "import os, sys\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    sum(range(2_000_000)); os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    parent = count_instructions([sys.executable, "-c", child_works], tmp_path, OK)
    child_alone = count_instructions([sys.executable, "-c", "sum(range(2_000_000))"], tmp_path, OK)
    # The parent did not sum: it counts far less than the child's work.
    assert parent < child_alone


def test_each_count_is_compared_with_what_its_target_names() -> None:
    counts = {
        "python -c pass": 40,
        "dbtgate --version": 90,
        "dbtgate check": 600,
        "dbtgate check --base": 1000,
        "floor: msgspec 1 manifest": 200,
        "floor: msgspec 2 manifests": 400,
        "dbt-bouncer": 1500,
    }
    assert ratios(counts) == {
        "dbtgate --version": "+0.000 G over python -c pass",
        "dbtgate check": "3.00x its floor",
        "dbtgate check --base": "2.50x its floor",
        "dbt-bouncer": "2.50x dbtgate check",
    }
