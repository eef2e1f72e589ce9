"""The KPIs of the base build, for the reports to show beside the pull request's: whether this
change moved test coverage or documentation, and by how much (what `dbt-coverage compare`
answers from two saved runs).

Measured from the change rather than again from scratch: a model whose record, tests, warehouse
table and group owners are the same in both builds counts the same in both, so its counts are
taken from the pull request's scorecard, and only the models the change touched (added,
removed, edited, re-tested, rebuilt with other columns) are counted in the base. Scoring the
whole base build again took 0.9 s at 10,000 models (in process, on a busy host), on every
`check --base`; this reads the comparisons the schema diff makes anyway (`Project.same_built`,
cached) and counts the touched models: 0.07 s.
"""

from __future__ import annotations

from typing import Any

from dbtgate.project import Project
from dbtgate.status.kpi import ModelRows, Tally, add_results, model_counts, summed
from dbtgate.status.results import TEST_PREFIXES


def base_measures(project: Project, base: Project, rows: ModelRows) -> dict[str, Any]:
    """The base build's measures, overall and on tier-1 models (`rows`: the pull request's
    `model_rows`), why its test pass rate or freshness could not be measured (`unmeasured`: its
    run_results.json or sources.json missing, or of no test run), how many of its run's
    tests its pass rate leaves out (`tests_left_out`: `tests_not_run_here`) and how many tests
    of this build's run its run did not run (`tests_not_run_there`)."""
    groups_same = base.groups == project.groups
    every_row: list[tuple[int, ...]] = []
    tier1_rows: list[tuple[int, ...]] = []
    for model in base.models():
        uid = model.unique_id
        carried = rows.get(uid)
        if carried is not None and _untouched(project, base, uid, groups_same):
            tier, _, row = carried
        else:
            tier = base.tier(uid)
            row = model_counts(base, model, tier, base.owner(uid))
        every_row.append(row)
        if tier == 1:
            tier1_rows.append(row)
    overall, tier1 = summed(every_row), summed(tier1_rows)

    def groups(uid: str | None) -> list[Tally]:
        return [overall, tier1] if uid is not None and base.tier(uid) == 1 else [overall]

    left_out = tests_not_run_here(project, base)
    unmeasured = add_results(base, groups, left_out)
    ran = project.run_index()
    skipped = sum(1 for uid in left_out if ran is not None and uid in ran.results)
    return {
        "overall": overall.measures(),
        "tier1": tier1.measures(),
        "unmeasured": unmeasured,
        # The base run's tests this build's run did not select, and those it skipped.
        "tests_left_out": (len(left_out) - skipped, skipped),
        "tests_not_run_there": tests_not_run_there(project, base),
    }


def tests_not_run_here(project: Project, base: Project) -> frozenset[str]:
    """The base run's tests that the pull request's build still has but its run did not execute
    (not in its run_results.json, or skipped). A slim CI run (`dbt build --select
    state:modified+`) tests what the change touched, where main's build tested everything: the
    base's pass rate is then taken without the tests this run left out, so that a test failing in both
    does not read as the change lowering the rate. A test the change removed still counts in
    the base (removing a failing test raises the rate)."""
    return _left_out(ran=base, by=project, skipped_too=True)


def tests_not_run_there(project: Project, base: Project) -> int:
    """How many tests the pull request's run ran that the base build has but its run did not
    (not in its run_results.json): a base built by a run of part of the project (main deployed
    by a slim `dbt build --select state:modified+`). Its pass rate is then of other tests than
    this build's, which cover more, so the two are not compared. A test the base's run skipped
    is in its results: a full run skips after an upstream failure, and its figure leaves the
    test out as this build's does the ones it skipped."""
    return len(_left_out(ran=project, by=base, skipped_too=False))


def _left_out(ran: Project, by: Project, *, skipped_too: bool) -> frozenset[str]:
    """The tests `ran`'s run executed that build `by` has but whose run did not: not in its
    run_results.json or, with `skipped_too`, skipped there. None when either run executed
    nothing (no results, or `dbt docs generate`'s)."""
    executed, other = ran.executed_run(), by.executed_run()
    if executed is None or other is None:
        return frozenset()
    missed = other.results
    return frozenset(
        uid
        for uid, result in executed.results.items()
        if result.status != "skipped"
        and uid.startswith(TEST_PREFIXES)
        and by.has_node(uid)
        and (uid not in missed or (skipped_too and missed[uid].status == "skipped"))
    )


def _untouched(project: Project, base: Project, uid: str, groups_same: bool) -> bool:
    """Whether the model counts the same in both builds: everything a model's counts read is
    its record (description, columns, constraints, contract, meta, tags, group), its tests,
    its catalog table and, through its group, the groups' owners."""
    return project.same_built(base, uid) and (
        groups_same or not getattr(project.nodes[uid], "group", None)
    )
