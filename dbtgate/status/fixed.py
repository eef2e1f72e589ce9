"""What the change fixed: the tests that failed or errored in the base build's run and pass in
this build's, and the models, seeds and snapshots that errored there and succeed here.

A release manager reads a release's report for what it fixed as well as what it broke. The test
pass rate moving a point said that something was fixed, never what. One pass over the base
run's results with a dict lookup each in this run's (`RunIndex.results`), only with `--base`
and only when both runs executed something: names are looked up for the few fixed.

Results are matched by unique_id, as dbt identifies a node across builds. A generic test whose
arguments changed has another generated name and asserts something else: its passing says
nothing of the old one. A test only renamed (`name:`) is, to dbt's `state:modified` and to the
change set, one test deleted and another added; it is not listed either (README.md says so).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from dbtgate.project import Project
from dbtgate.status.results import NODE_ERRORED, TEST_FAILED, TEST_PASSED, is_test
from dbtgate.wording import name_order

# The section's lists of resources that errored in the base run and succeed now, by the
# unique_id's prefix: what `dbt build` runs besides tests.
NODE_KINDS = {"model.": "models", "seed.": "seeds", "snapshot.": "snapshots"}


def fixed_since_base(
    project: Project, base: Project, edited: Collection[str] = ()
) -> dict[str, Any] | None:
    """{"tests": [...], "models": [...], "seeds": [...], "snapshots": [...]}, each entry
    {"unique_id", "name", "was"} (`was`: the base run's status, `fail` or `error`), by name; a
    test among the `edited` (the change set's modified: its `where`, thresholds, arguments or
    SQL changed) is marked `"changed": true`, as it may pass because it was loosened, not
    because the data was fixed. None when either build's run_results.json is absent or of a command that runs
    nothing (`dbt compile`, `dbt docs generate`), where nothing can be said to have passed or
    failed."""
    here, there = project.executed_run(), base.executed_run()
    if here is None or there is None:
        return None
    now = here.results
    fixed: dict[str, list[dict[str, Any]]] = {"tests": [], **{k: [] for k in NODE_KINDS.values()}}
    for uid, before in there.results.items():
        result = now.get(uid)
        if result is None:
            continue
        if is_test(uid):
            if before.status in TEST_FAILED and result.status in TEST_PASSED:
                entry = _entry(project, uid, before.status)
                if uid in edited:
                    entry["changed"] = True
                fixed["tests"].append(entry)
        elif before.status in NODE_ERRORED and result.status == "success":
            kind = NODE_KINDS.get(uid[: uid.find(".") + 1])
            if kind is not None:
                fixed[kind].append(_entry(project, uid, before.status))
    return {kind: _by_name(entries) for kind, entries in fixed.items()}


def fixed_of_selection(
    fixed: Mapping[str, Any], selected: Collection[str], tested: Mapping[str, str]
) -> dict[str, Any]:
    """`fixed` narrowed to `check --select`'s resources and their tests (`tested`: test ->
    the resource it tests), as the gate keeps only their findings: a report of
    `--select orders+` listed the fixes of models it did not gate."""
    return {
        kind: [
            entry
            for entry in entries
            if entry["unique_id"] in selected or tested.get(entry["unique_id"]) in selected
        ]
        for kind, entries in fixed.items()
    }


def _entry(project: Project, uid: str, was: str) -> dict[str, Any]:
    return {"unique_id": uid, "name": _name(project, uid), "was": was}


def _name(project: Project, uid: str) -> str:
    """The name the reports give it: a test's (`not_null_orders_id`), a unit test's with its
    model (`test_dollars on fct_orders`: its name is unique only among its model's), a
    model's with its version (`orders v2`); the unique_id when the manifest lacks it."""
    if uid.startswith("unit_test."):
        unit_test = project.unit_test(uid)
        if unit_test is None or not unit_test.name:
            return uid
        model = project.tested_resources().get(uid)
        resource = project.resource(model) if model is not None else None
        return f"{unit_test.name} on {resource.name}" if resource is not None else unit_test.name
    node = project.nodes.get(uid)
    if node is None:
        return uid
    version = getattr(node, "version", None)
    return f"{node.name} v{version}" if version is not None and not is_test(uid) else node.name


def _by_name(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda entry: (name_order(entry["name"]), entry["unique_id"]))
