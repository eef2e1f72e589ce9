"""On a large project the check families run in two processes: the verdict and every report are
the ones a single process gives, to the byte, an error is the one the first failing family
raises, and no process is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from corpus import corpus_dir
from fork_support import needs_fork, reaped

from dbtgate import families, forked
from dbtgate.checks import Check, CheckContext
from dbtgate.config import Config
from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding

FORMATS = ("--format", "json,md,sarif,junit,html", "--out")
REPO = Path(__file__).resolve().parents[1]
# The real command line with the families' fork threshold set first (argv[1]): 0 always splits
# them, a billion never does (however busy the machine running the tests).
RUNNER = (
    "import sys; import dbtgate.families as f; f.PARALLEL_MIN_NODES = int(sys.argv.pop(1)); "
    "f.forked.core_to_spare = lambda: True; "
    "from dbtgate.cli import main; sys.argv[0] = 'dbtgate'; main()"
)


def _check(threshold: int, out: Path, *args: str) -> tuple[int, str]:
    """`dbtgate check ARGS` writing every machine format into `out`: exit code and console."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(threshold), "check", *args, *FORMATS, str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200", "DBTGATE_TODAY": "2026-06-01"},
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, done.stdout + done.stderr.replace(str(out), "OUT")


def _same_in_one_and_two_processes(tmp_path: Path, *args: str) -> None:
    one = _check(10**9, tmp_path / "one", *args)
    two = _check(0, tmp_path / "two", *args)
    assert two == one
    names = sorted(path.name for path in (tmp_path / "one").iterdir())
    assert names == sorted(path.name for path in (tmp_path / "two").iterdir())
    for name in names:
        assert (tmp_path / "two" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), (
            name
        )


@needs_fork
def test_a_corpus_build_gets_the_same_reports_from_two_processes(tmp_path):
    build = corpus_dir("bouncer-dbt112")
    _same_in_one_and_two_processes(
        tmp_path, "--artifacts", str(build), "--config", "benchmarks/dbtgate.yml"
    )


@needs_fork
def test_a_corpus_pair_gets_the_same_reports_from_two_processes(tmp_path):
    pair = corpus_dir("recce-pair")
    _same_in_one_and_two_processes(
        tmp_path,
        *("--artifacts", str(pair / "pr2"), "--base", str(pair / "base")),
        *("--config", "benchmarks/dbtgate.yml"),
    )


@needs_fork
@pytest.mark.slow
def test_the_fixture_gets_the_same_reports_from_two_processes(tmp_path, shop_builds):
    project = shop_builds.pr
    _same_in_one_and_two_processes(
        tmp_path,
        *("--project-dir", str(project), "--artifacts", str(project / "target")),
        *("--base", str(shop_builds.base / "target")),
    )


def _context(base: object = None) -> CheckContext:
    """A context whose project is large enough to split (the families below read nothing)."""
    project = SimpleNamespace(nodes=dict.fromkeys(map(str, range(families.PARALLEL_MIN_NODES))))
    return CheckContext(project=project, config=Config(), base=base)  # type: ignore[arg-type]


def test_policies_stay_here_and_the_rest_is_shared_by_cost(monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(forked, "core_to_spare", lambda: True)
    names = ["breaking", "freshness", "kpi", "lint", "policies", "run"]
    here, there = families.split(_context(), names)
    assert "policies" in here
    assert "kpi" in there  # the next costliest, beside policies
    assert sorted(here + there) == names
    assert here == sorted(here) and there == sorted(there)
    # With a base the schema diff has work to do: it goes beside policies, the KPIs come here.
    here, there = families.split(_context(base=object()), names)
    assert "breaking" in there and "kpi" in here


def test_a_small_project_one_core_or_a_busy_machine_runs_the_families_here(monkeypatch):
    names = ["kpi", "policies", "run"]
    small = _context()
    small.project.nodes = {}
    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(forked, "core_to_spare", lambda: True)
    assert families.split(small, names) == (names, [])
    monkeypatch.setattr(forked, "core_to_spare", lambda: False)
    assert families.split(_context(), names) == (names, [])
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    monkeypatch.setattr(forked, "core_to_spare", lambda: True)
    assert families.split(_context(), names) == (names, [])


@pytest.mark.parametrize(
    ("load", "cores", "spare"),
    [(0.2, 2, True), (1.4, 2, True), (1.6, 2, False), (7.5, 8, True), (7.6, 8, False)],
)
def test_a_core_is_spare_up_to_half_a_core_from_a_full_load(monkeypatch, load, cores, spare):
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    monkeypatch.setattr(forked, "cores", lambda: cores)
    assert forked.core_to_spare() is spare


def _family(name: str, fails: bool = False):
    """A family that adds a note, a section and a finding named after it (or fails)."""

    def run(context: CheckContext) -> list[Finding]:
        context.notes.append(f"note of {name} in {os.getpid()}")
        context.sections[name] = {"pid": os.getpid()}
        if fails:
            raise DbtgateError(f"{name} failed")
        return [Finding(code=f"{name}.rule", severity="warn", message=f"by {os.getpid()}")]

    return Check(name, run)


@pytest.fixture
def spare(monkeypatch):
    """A core to spare, however busy the machine running the tests."""
    monkeypatch.setattr(forked, "core_to_spare", lambda: True)


@pytest.fixture
def three_families(monkeypatch):
    """kpi, policies and run as `_family` makes them, in place of the real ones."""
    fake = {name: _family(name) for name in ("kpi", "policies", "run")}
    monkeypatch.setattr(families, "CHECKS", fake)


@needs_fork
@pytest.mark.usefixtures("spare", "three_families")
def test_a_small_project_forks_nothing(forks):
    small = _context()
    small.project.nodes = {}
    produced = families.run_families(small, ["kpi", "policies", "run"])
    assert [name for name, _ in produced] == ["kpi", "policies", "run"]
    assert forks == []


@needs_fork
@pytest.mark.usefixtures("spare", "three_families")
def test_each_familys_part_comes_back_in_the_familys_order(forks):
    context = _context()
    context.notes.append("before")
    produced = families.run_families(context, ["kpi", "policies", "run"])
    assert [name for name, _ in produced] == ["kpi", "policies", "run"]
    here = str(os.getpid())
    pids = {name: findings[0].message.split()[-1] for name, findings in produced}
    assert pids["policies"] == here and pids["kpi"] != here  # two processes did the work
    assert context.notes == ["before"] + [f"note of {n} in {pids[n]}" for n in pids]
    assert list(context.sections) == ["kpi", "policies", "run"]
    assert reaped(forks)


@pytest.mark.parametrize(
    ("failing", "raised"),
    [(("kpi", "policies"), "kpi failed"), (("policies", "run"), "policies failed")],
    ids=["the-childs-first", "this-processs-first"],
)
@needs_fork
@pytest.mark.usefixtures("spare")
def test_the_first_failing_family_in_order_is_the_error(monkeypatch, forks, failing, raised):
    fake = {name: _family(name, fails=name in failing) for name in ("kpi", "policies", "run")}
    monkeypatch.setattr(families, "CHECKS", fake)
    with pytest.raises(DbtgateError, match=f"^{raised}$"):
        families.run_families(_context(), ["kpi", "policies", "run"])
    assert reaped(forks)


@needs_fork
def test_the_childs_result_comes_back_pickled(forks):
    with forked.result_alongside(lambda: {"pid": os.getpid(), "rows": [(1, "a")]}) as result:
        mine = os.getpid()
        got = result()
    assert got["rows"] == [(1, "a")] and got["pid"] != mine
    assert reaped(forks)


@needs_fork
def test_the_childs_failure_is_one_line(forks):
    def fails() -> None:
        raise ValueError("bad value")

    with (
        forked.result_alongside(fails) as result,
        pytest.raises(DbtgateError, match=r"^internal error: ValueError: bad value$"),
    ):
        result()
    assert reaped(forks)


@needs_fork
def test_a_block_that_fails_or_never_asks_stops_the_child(forks):
    def slow() -> None:
        import time

        time.sleep(30)

    with pytest.raises(RuntimeError, match="here"), forked.result_alongside(slow):
        raise RuntimeError("here")
    with forked.result_alongside(slow):
        pass
    assert len(forks) == 2
    assert reaped(forks)


def test_without_fork_the_work_runs_here_when_asked(monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    order = []
    with forked.result_alongside(lambda: order.append("work") or os.getpid()) as result:
        order.append("block")
        assert result() == os.getpid()
    assert order == ["block", "work"]


def test_when_the_system_refuses_a_child_the_work_runs_here_when_asked(monkeypatch):
    def refuse() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(os, "fork", refuse)
    with forked.result_alongside(os.getpid) as result:
        assert result() == os.getpid()
