"""Reports of a large gate are rendered by two processes: the files are the same as one process
writes, and an error on either side stops the run with the path and leaves no process behind."""

from __future__ import annotations

import os

import pytest
from fork_support import needs_fork, reaped
from report_samples import many_findings, sample_report

from dbtgate import forked
from dbtgate.errors import DbtgateError
from dbtgate.report import render
from dbtgate.report.publish import ALL_FORMATS

FORMATS = render.parse_formats(ALL_FORMATS)


def test_the_halves_split_the_formats_by_cost():
    here, there = render._halves(FORMATS)
    assert sorted(here + there) == sorted(FORMATS)
    assert here[0] == "html"  # the costliest alone on one side, the next ones on the other
    assert there[0] == "junit"
    cost = [sum(render._COST[name] for name in half) for half in (here, there)]
    assert abs(cost[0] - cost[1]) <= min(render._COST.values())


@needs_fork
def test_two_processes_write_what_one_writes(tmp_path, monkeypatch, forks):
    report = sample_report(many_findings(600))
    monkeypatch.setattr(render, "PARALLEL_MIN_FINDINGS", 10**9)
    alone = render.write_reports(report, FORMATS, tmp_path / "alone")
    assert forks == []
    monkeypatch.setattr(render, "PARALLEL_MIN_FINDINGS", 1)
    together = render.write_reports(report, FORMATS, tmp_path / "together")
    assert len(forks) == 1
    assert {name: path.name for name, path in alone.items()} == {
        name: path.name for name, path in together.items()
    }
    for name, path in alone.items():
        assert together[name].read_bytes() == path.read_bytes(), name
    assert reaped(forks)


@needs_fork
def test_a_small_report_is_not_worth_a_fork(tmp_path, forks):
    render.write_reports(sample_report(), FORMATS, tmp_path)
    assert forks == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        render.FORMATS[name].filename for name in FORMATS
    )


@needs_fork
@pytest.mark.parametrize("blocked", ["gate.html", "gate-junit.xml"])  # one on either side
def test_a_file_that_cannot_be_written_stops_the_run_on_either_side(
    tmp_path, monkeypatch, forks, blocked
):
    monkeypatch.setattr(render, "PARALLEL_MIN_FINDINGS", 1)
    (tmp_path / blocked).mkdir()  # a directory where the report file goes
    with pytest.raises(DbtgateError) as raised:
        render.write_reports(sample_report(), FORMATS, tmp_path)
    assert str(raised.value) == f"{tmp_path / blocked}: cannot write the report: Is a directory"
    assert len(forks) == 1
    assert reaped(forks)


@needs_fork
def test_the_childs_error_is_raised_as_the_cli_prints_it(forks):
    def fails() -> None:
        raise ValueError("bad value")

    with (
        pytest.raises(DbtgateError, match=r"^internal error: ValueError: bad value$"),
        forked.alongside(fails),
    ):
        pass
    assert reaped(forks)


@needs_fork
def test_a_failure_here_stops_the_child(forks):
    marker = []

    def slow() -> None:
        import time

        time.sleep(30)

    with pytest.raises(RuntimeError, match="here"), forked.alongside(slow):
        marker.append(1)
        raise RuntimeError("here")
    assert marker == [1]
    assert len(forks) == 1
    assert reaped(forks)


def test_without_fork_the_work_runs_after_the_block(monkeypatch):
    monkeypatch.setattr(forked, "can_fork", lambda: False)
    order = []
    with forked.alongside(lambda: order.append("work")):
        order.append("block")
    assert order == ["block", "work"]


def test_when_the_system_refuses_a_child_the_work_runs_here(monkeypatch, tmp_path):
    def refuse() -> int:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(forked, "can_fork", lambda: True)
    monkeypatch.setattr(os, "fork", refuse)
    monkeypatch.setattr(render, "PARALLEL_MIN_FINDINGS", 1)
    written = render.write_reports(sample_report(), FORMATS, tmp_path)
    assert all(path.is_file() for path in written.values())
    order = []
    with forked.alongside(lambda: order.append("work")):
        order.append("block")
    assert order == ["block", "work"]
