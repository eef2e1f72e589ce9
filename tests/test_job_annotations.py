"""Several `dbtgate check` runs in one GitHub Actions job stay within GitHub's annotation limits:
10 of each level a step and 50 a job (the sum of its steps), beyond which GitHub drops them
without a word, the closing "N more findings not annotated" first. Each run counts what the
job's earlier runs wrote (a ledger in RUNNER_TEMP). The CLI runs as a subprocess, as a step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from diff_support import model, write_build

from dbtgate.report.job_annotations import LEDGER_NAME

ORDERS = [("order_id", "integer"), ("amount", "decimal(18,2)"), ("status", "varchar")]
LEVELS = ("::error ", "::warning ", "::notice ")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A pull request's build that removed a column from 25 public, contracted models: 25
    breaking changes, errors all, of which a step shows ten and a closing note."""
    base = [model(f"orders_{i}", ORDERS, contract=True, access="public") for i in range(25)]
    pr = [model(f"orders_{i}", ORDERS[:2], contract=True, access="public") for i in range(25)]
    write_build(tmp_path / "base", base)
    write_build(tmp_path / "pr", pr)
    (tmp_path / "pr" / "dbtgate.yml").write_text("version: 1\n")
    (tmp_path / "runner-temp").mkdir()
    return tmp_path / "pr"


def step(project: Path, name: str, *, job: str = "gate") -> list[str]:
    """One run of the gate as the step `name` of the job `job`; its annotation lines."""
    env = {
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(project.parent / "runner-temp"),
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_JOB": job,
        "GITHUB_ACTION": name,
    }
    gated = dbtgate("check", "--base", "../base/target", "-q", cwd=project, env=env)
    assert gated.returncode == 1, gated.stdout + gated.stderr
    assert "warning" not in gated.stderr
    return [line for line in gated.stdout.splitlines() if line.startswith(LEVELS)]


def test_the_steps_of_one_job_share_its_fifty(project) -> None:
    """Four steps write eleven each (ten errors and the note); the fifth has six left: five
    errors and its note, which GitHub then shows too."""
    runs = [step(project, name) for name in ("__run", "__run_2", "__run_3", "__run_4", "__run_5")]
    assert [len(lines) for lines in runs] == [11, 11, 11, 11, 6]
    last = runs[-1]
    assert [line[:8] for line in last] == ["::error "] * 5 + ["::notice"]
    assert (
        "::20 more findings not annotated (GitHub shows at most 10 annotations of each level "
        "per step and 50 per job)" in last[-1]
    )


def test_two_gates_in_one_step_share_its_ten_of_a_level(project) -> None:
    first, second = step(project, "__run"), step(project, "__run")
    assert len(first) == 11
    assert second == [line for line in second if line.startswith("::notice ")]
    assert "::25 more findings not annotated" in second[0]


def test_another_jobs_ledger_is_not_counted(project) -> None:
    """RUNNER_TEMP is emptied at each job's start; a self-hosted runner that could not empty
    it leaves another job's counts, which say nothing of this job."""
    for name in ("__run", "__run_2", "__run_3", "__run_4", "__run_5"):
        step(project, name, job="lint")
    assert len(step(project, "__run", job="gate")) == 11
    ledger = json.loads((project.parent / "runner-temp" / LEDGER_NAME).read_text())
    assert ledger == {"job": "4242/1/gate", "steps": {"__run": {"error": 10, "notice": 1}}}


@pytest.mark.parametrize("content", ["{not json", "[]", '{"job": "4242/1/gate", "steps": 3}'])
def test_a_ledger_that_is_not_one_counts_nothing(project, content) -> None:
    (project.parent / "runner-temp" / LEDGER_NAME).write_text(content)
    assert len(step(project, "__run")) == 11


def test_a_ledger_that_cannot_be_written_is_one_warning_line(project) -> None:
    (project.parent / "runner-temp").rmdir()
    env = {
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(project.parent / "runner-temp"),
        "GITHUB_ACTION": "__run",
    }
    gated = dbtgate("check", "--base", "../base/target", "-q", cwd=project, env=env)
    assert gated.returncode == 1, gated.stderr
    assert len([line for line in gated.stdout.splitlines() if line.startswith(LEVELS)]) == 11
    [warning] = gated.stderr.splitlines()
    assert warning.startswith(f"dbtgate: warning: {project.parent / 'runner-temp' / LEDGER_NAME}")
    assert warning.endswith(
        "cannot be written (No such file or directory), so a later dbtgate step of this job "
        "does not know the annotations this one wrote"
    )
