"""Run the check families: one after the other, or, on a large project, in two processes.

At 10,000 models the families are most of `check` after the decode (policies 0.35 s, the KPI
scorecard 0.3 s, the schema diff 0.4 s with a base, run status and freshness 0.04 s each). They
are independent: none reads what another adds to the context. So on two cores a forked child
runs some of them while this process runs the others (`forked.result_alongside`), and sends back
what each produced: its findings and what it added to the context (notes, not_checked,
warnings, report sections). The parts are put together in the families' order, so the gate's
result is the one a single process gives, to the byte, error included (the first family's in
that order).

`policies` always runs here: its code rules record the files edited since the manifest was
written (`Project.stale_code`), which the gate reads afterwards, and a plugin's rules run in the
process that loaded the plugin.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dbtgate import forked
from dbtgate.checks import CHECKS, CheckContext
from dbtgate.errors import DbtgateError
from dbtgate.findings import Finding

# Below this many nodes (models, tests, seeds, ...) the families take well under 0.1 s: a fork
# would cost more than it saves. About 1,000 models' worth (benchmarks/README.md).
PARALLEL_MIN_NODES = 2500
# What each family costs, relative to the others (measured at 10,000 models); "breaking" only
# works with a base build.
_COST = {"policies": 4, "kpi": 3, "breaking": 4, "run": 1, "freshness": 1, "lint": 1}
_HERE = "policies"


@dataclass
class Outcome:
    """What one family produced: its findings and what it added to the context, or its error."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_checked: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sections: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def run_families(context: CheckContext, names: list[str]) -> list[tuple[str, list[Finding]]]:
    """Each family of `names` (in that order) with its findings; what the families add to the
    context is in it afterwards, in the same order, whichever process ran them."""
    here, there = split(context, names)
    start = len(context.notes), len(context.not_checked), len(context.warnings)
    sections = dict(context.sections)
    if there:
        with forked.result_alongside(lambda: _run(context, there)) as result_there:
            outcomes = _run(context, here)
            outcomes.update(result_there())
    else:
        outcomes = _run(context, here)
    # What this process's families added directly goes; each family's part comes back in order.
    del context.notes[start[0] :], context.not_checked[start[1] :], context.warnings[start[2] :]
    context.sections.clear()
    context.sections.update(sections)
    produced = []
    for name in names:
        outcome = outcomes.get(name)
        if outcome is None:  # after an error in its process: it would not have run
            continue
        if outcome.error is not None:
            raise DbtgateError(outcome.error)
        context.notes.extend(outcome.notes)
        context.not_checked.extend(outcome.not_checked)
        context.warnings.extend(outcome.warnings)
        context.sections.update(outcome.sections)
        produced.append((name, outcome.findings))
    return produced


def split(context: CheckContext, names: list[str]) -> tuple[list[str], list[str]]:
    """The families to run here and those for a forked child (none on a small project, without
    two cores or with no core to spare), each list in `names` order: about the same cost each,
    `policies` here."""
    if len(context.project.nodes) < PARALLEL_MIN_NODES or not forked.can_fork():
        return names, []
    if not forked.core_to_spare():
        return names, []
    costs = {name: _cost(context, name) for name in names}
    totals = {True: costs.get(_HERE, 0), False: 0}
    goes_here = {_HERE: True}
    for name in sorted(names, key=lambda n: -costs[n]):
        if name != _HERE:
            goes_here[name] = totals[True] <= totals[False]
            totals[goes_here[name]] += costs[name]
    there = [name for name in names if not goes_here[name]]
    if not any(costs[name] for name in there):
        return names, []
    return [name for name in names if goes_here[name]], there


def _cost(context: CheckContext, name: str) -> int:
    if name == "breaking" and context.base is None:
        return 0
    return _COST.get(name, 1)


def _run(context: CheckContext, names: list[str]) -> dict[str, Outcome]:
    """Run `names` in order on `context`, each family's additions recorded apart; stops at the
    first error (a one-line DbtgateError), which is recorded as that family's outcome."""
    outcomes: dict[str, Outcome] = {}
    for name in names:
        notes, not_checked, warnings = (
            len(context.notes),
            len(context.not_checked),
            len(context.warnings),
        )
        before = dict(context.sections)
        try:
            findings = list(CHECKS[name].function(context))
        except DbtgateError as exc:
            outcomes[name] = Outcome(error=str(exc))
            break
        outcomes[name] = Outcome(
            findings,
            context.notes[notes:],
            context.not_checked[not_checked:],
            context.warnings[warnings:],
            {key: value for key, value in context.sections.items() if before.get(key) is not value},
        )
    return outcomes
