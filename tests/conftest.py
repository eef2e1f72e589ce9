"""Shared pytest fixtures.

Tests marked `slow` run dbt (the `slow` marker is registered in pyproject.toml); they are still run
in CI. Deselect them locally with `pytest -m "not slow"`.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests judge correctness, not speed (benchmarks/ measures speed): hypothesis' default
# deadline of 200 ms per example failed them at random on a loaded CI machine.
settings.register_profile("dbtgate", deadline=None)
settings.load_profile("dbtgate")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail the test that imports dbt-core into pytest's process. Tests run dbt in a child
    process (tests/dbt_read.py, tests/dbt_ls.py, the fixture build): dbt's ~250 modules, its
    logging setup and its global flags would otherwise stay for every test run after it, which
    would then pass or fail with dbt loaded (the gate itself never imports dbt-core)."""
    loaded_before = "dbt" in sys.modules
    outcome = yield
    if not loaded_before and "dbt" in sys.modules:
        raise AssertionError(
            f"{item.nodeid} imported dbt-core into pytest's process: run dbt in a child "
            "process instead (tests/dbt_read.py shows how)"
        )
    return outcome


@dataclass(frozen=True)
class ShopBuilds:
    """The two builds of the fixture project; artifacts are in `<project>/target`."""

    base: Path
    pr: Path


@pytest.fixture(scope="session")
def shop_builds(tmp_path_factory: pytest.TempPathFactory) -> ShopBuilds:
    """Build fixtures/shop (base) and fixtures/shop + shop_pr (pull request) once per session.

    Set DBTGATE_FIXTURE_CACHE to a directory to reuse the builds across sessions: a build is
    skipped while the fixture sources are unchanged.
    """
    from dbtgate.fixture_build import build_fixture

    cache = os.environ.get("DBTGATE_FIXTURE_CACHE")
    workdir = Path(cache) if cache else tmp_path_factory.mktemp("shop_fixture")
    return ShopBuilds(base=build_fixture("base", workdir), pr=build_fixture("pr", workdir))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound, never listening, and held so for the
    test. A port closed again before the request was free for any process on the machine to
    listen on in between (another test run's fake server), which would have answered; a fixed
    one (9, discard) is free for any process to listen on too."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def forks(monkeypatch):
    """The pids `os.fork` returned in the test (the parent's side: a child never returns)."""
    pids: list[int] = []
    fork = os.fork

    def recorded() -> int:
        pid = fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    return pids
