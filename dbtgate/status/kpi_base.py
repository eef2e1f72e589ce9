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


def base_measures(project: Project, base: Project, rows: ModelRows) -> dict[str, Any]:
    """The base build's measures, overall and on tier-1 models (`rows`: the pull request's
    `model_rows`), and why its test pass rate or freshness could not be measured
    (`unmeasured`: its run_results.json or sources.json missing, or of no test run)."""
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

    unmeasured = add_results(base, groups)
    return {"overall": overall.measures(), "tier1": tier1.measures(), "unmeasured": unmeasured}


def _untouched(project: Project, base: Project, uid: str, groups_same: bool) -> bool:
    """Whether the model counts the same in both builds: everything a model's counts read is
    its record (description, columns, constraints, contract, meta, tags, group), its tests,
    its catalog table and, through its group, the groups' owners."""
    return project.same_built(base, uid) and (
        groups_same or not getattr(project.nodes[uid], "group", None)
    )
