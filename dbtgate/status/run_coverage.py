"""What part of the build the last run's results cover, said beside the verdict.

A run of part of the project (`dbt build --select ...`) has results for some models and tests
only: run.not_run blocks on a changed one it left out, and the test pass rate's note says how
many tests it did not count, but a release manager reads the verdict first, and a PASS of a run
that built 812 of 1,000 models read as a pass of all 1,000. Results older than the manifest
are run.stale_results, a warning among the findings, below the verdict. So the run check says
each beside the verdict (`CheckContext.note_partly_checked`), in one line that says what it
means for the verdict.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from msgspec import Struct

from dbtgate.artifacts.manifest import materialized_as
from dbtgate.project import Project
from dbtgate.status.results import RunIndex, dbt_command_line
from dbtgate.wording import code_span, number


class RunCoverage(Struct, frozen=True):
    """How many of the build's models and data tests have a result in the run, how many changed
    ones do, and whether a changed one is among those without (None: nothing says what
    changed)."""

    models: int
    models_run: int
    tests: int
    tests_run: int
    changed_run: int
    changed_left_out: bool | None

    @property
    def partial(self) -> bool:
        return self.models_run < self.models or self.tests_run < self.tests


def run_coverage(
    project: Project,
    index: RunIndex,
    changed: Collection[str] | None,
    within: Collection[str] | None = None,
) -> RunCoverage:
    """The models dbt builds (enabled, not ephemeral: an ephemeral model has no result of its
    own) and the enabled data tests of the build, or those of `within` and the tests on them
    (`check --select`: the verdict is of the selection, and a run of it alone covers all it
    judges), counted with and without a result in `index`. One pass over the nodes, with a
    dict lookup each."""
    results = index.results
    tested = project.tested_resources() if within is not None else {}
    models = models_run = tests = tests_run = changed_run = 0
    changed_left_out = False
    for uid, node in project.nodes.items():
        kind = node.resource_type
        if kind not in ("model", "test"):
            continue
        if within is not None and uid not in within and tested.get(uid) not in within:
            continue
        if node.config is not None and node.config.enabled is False:
            continue
        if kind == "model" and materialized_as(node) == "ephemeral":
            continue
        ran = uid in results
        if kind == "model":
            models, models_run = models + 1, models_run + ran
        else:
            tests, tests_run = tests + 1, tests_run + ran
        if changed is not None and uid in changed:
            changed_run += ran
            changed_left_out = changed_left_out or not ran
    return RunCoverage(
        models,
        models_run,
        tests,
        tests_run,
        changed_run,
        None if changed is None else changed_left_out,
    )


def partial_run_note(coverage: RunCoverage, index: RunIndex, path: Path) -> str:
    """`run status covers 812 of 1,000 models and 2,400 of 3,000 tests: run_results.json (of
    `dbt build`) has no result for the others, so the verdict does not say whether they build
    and pass`. Each changed one among those covered is said (the usual `state:modified+` run of
    a pull request), as what a reviewer needs to know the left-out ones are not the change's."""
    parts = [
        f"{number(run)} of {number(every)} {noun}"
        for run, every, noun in (
            (coverage.models_run, coverage.models, "models"),
            (coverage.tests_run, coverage.tests, "tests"),
        )
        if run < every
    ]
    covered = coverage.changed_left_out is False and coverage.changed_run > 0
    among = ", each changed one among them" if covered else ""
    command = code_span(dbt_command_line(index.command))
    return (
        f"run status covers {' and '.join(parts)}{among}: {path.name} (of {command}) has no "
        "result for the others, so the verdict does not say whether they build and pass"
    )


def stale_run_note(path: Path, reasons: list[str]) -> str:
    """`run status may be out of date: run_results.json was written 34.0 days before the
    manifest (run.stale_results), so ...`: the finding's evidence in short, beside the
    verdict."""
    return (
        f"run status may be out of date: {path.name} {' and '.join(reasons)} "
        "(run.stale_results), so the passes and failures it records may be of code changed since"
    )
