"""The KPI scorecard: how well tested, documented, owned and fresh the project is, and its last run.

Release managers follow a handful of numbers per release (tier-1 test coverage, documentation,
test pass rate, source freshness). The scorecard measures them for the whole project, per tier and
per owner, compares the headline KPIs with their targets, and stores it all in the report's
`kpis` section, which `dbtgate trend` reads back across builds. A KPI named in `kpi.gate` that is
below its target is a finding (`kpi.<name>`); the others only inform. With a base build each KPI
also carries its value there (`base`, from `dbtgate.status.kpi_base`), so the reports say how the
change moved it.

Definitions (root-package models unless said otherwise):
- test_coverage: models with at least one test.
- pk_tested: models whose key is tested: unique + not_null on one column, a
  unique_combination_of_columns / primary_key test, or a primary key (or unique + not_null)
  constraint under an enforced contract. A composite-key test of one column is only its
  `unique` (`dbtgate.keys`).
- docs_models: models with a description that is not a placeholder ("TODO", "TBD", the model's
  name: `docs.placeholder`'s default definition, `dbtgate.placeholders`). docs_columns:
  described columns among the model's columns, which are the warehouse's (catalog.json) plus
  the declared ones; a placeholder describes a column no more than a model.
- owner_coverage: models with an owner. contracts: tier-1 or public models with an enforced
  contract, among those dbt can contract (not ephemeral, not Python).
- test_pass_rate: tests (and unit tests) that passed among those the last run executed; a warn
  is not a pass; skipped tests are not counted. Not measured when the run only compiled.
- freshness: source tables that passed `dbt source freshness` among those it checked.
Per tier and per owner, a test counts for the resource it tests (a unit test for its model)
and a source for itself; a singular test that refs no resource counts for the whole project only
(a note says how many: the tiers' and owners' pass rates add up to the project's with them).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Iterator
from typing import Any

from msgspec import Struct

from dbtgate.artifacts.manifest import Node, can_have_contract, is_contracted
from dbtgate.checks import CheckContext, check
from dbtgate.config import Config, KpiName
from dbtgate.findings import Finding
from dbtgate.keys import resource_key
from dbtgate.placeholders import is_described
from dbtgate.project import Project
from dbtgate.status.freshness import has_freshness
from dbtgate.status.results import (
    TEST_PASSED,
    TEST_PREFIXES,
    dbt_command_line,
)
from dbtgate.wording import (
    BASE_NOTE,
    NO_OWNER,
    against_base_build,
    code_span,
    counted,
    name_order,
    number,
    owner_order,
    tier_label,
)

KPI_NAMES: tuple[str, ...] = typing.get_args(KpiName)
# The measures behind the KPIs: each KPI is one of them, project-wide or on tier-1 models.
METRICS: tuple[str, ...] = tuple(name for name in KPI_NAMES if not name.startswith("tier1_"))
LABELS: dict[str, str] = {
    "test_coverage": "test coverage",
    "pk_tested": "primary key tested",
    "docs_models": "models documented",
    "docs_columns": "columns documented",
    "owner_coverage": "owner coverage",
    "contracts": "contracts (tier-1/public)",
    "test_pass_rate": "test pass rate",
    "freshness": "source freshness",
}
# dbt's artifacts are a build's record: what it compiled, ran and tested, not which deploys
# failed afterwards. "The gate reports hold no deployment data" left a release manager asking
# where else dbtgate would look.
CHANGE_FAILURE_NOTE = (
    "change failure rate: not measured: dbt's artifacts hold what each build did, not which "
    "deploys failed (take it from your deploy and incident records)"
)
# The notes' names of the measures the last run's results and sources.json give.
_MEASURE_NOTED = {"test_pass_rate": "test pass rate", "freshness": "freshness"}


def label(name: str) -> str:
    """`tier1_test_coverage` -> `tier-1 test coverage`."""
    if name == "tier1_contracts":
        return "tier-1 contracts"
    if name.startswith("tier1_"):
        return f"tier-1 {LABELS[name[6:]]}"
    return LABELS.get(name, name)


class Tally(Struct):
    """The counts behind every metric, for one group of resources."""

    models: int = 0
    tested: int = 0
    pk_tested: int = 0
    described: int = 0
    columns: int = 0
    columns_described: int = 0
    owned: int = 0
    contract_scope: int = 0
    contracted: int = 0
    tests_run: int = 0
    tests_passed: int = 0
    # Tests the run skipped (after an upstream failure): not in the pass rate, said in a note.
    tests_skipped: int = 0
    sources_checked: int = 0
    sources_fresh: int = 0

    def measures(self) -> dict[str, dict[str, Any]]:
        pairs = {
            "test_coverage": (self.tested, self.models),
            "pk_tested": (self.pk_tested, self.models),
            "docs_models": (self.described, self.models),
            "docs_columns": (self.columns_described, self.columns),
            "owner_coverage": (self.owned, self.models),
            "contracts": (self.contracted, self.contract_scope),
            "test_pass_rate": (self.tests_passed, self.tests_run),
            "freshness": (self.sources_fresh, self.sources_checked),
        }
        return {metric: measure(*pairs[metric]) for metric in METRICS}

    def add(self, other: Tally) -> None:
        for name in self.__struct_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def measure(numerator: int, denominator: int) -> dict[str, Any]:
    value = numerator / denominator if denominator else None
    return {"value": value, "numerator": numerator, "denominator": denominator}


@check("kpi")
def kpi_scorecard(ctx: CheckContext) -> Iterator[Finding]:
    rows = model_rows(ctx.project)
    scorecard = compute_scorecard(ctx.project, ctx.config, rows)
    if ctx.base is not None:
        from dbtgate.status.kpi_base import base_measures

        measures = base_measures(ctx.project, ctx.base, rows)
        parsed_from = (ctx.options.get("inputs") or {}).get("base_ref", {}).get("ref")
        add_base(scorecard, measures, ctx.project, ctx.base, parsed_from)
    ctx.sections["kpis"] = scorecard
    tier1_owners = functools.cache(lambda: tier1_by_owner(ctx.project, rows))
    yield from gate_findings(scorecard, ctx.config, ctx.note_partly_checked, tier1_owners)


# unique_id -> (tier, owner, the model's counts in Tally's field order): see `model_counts`.
ModelRows = dict[str, tuple[int | None, str | None, tuple[int, ...]]]


def model_rows(project: Project) -> ModelRows:
    """Each root-package model's tier, owner and counts: the scorecard sums them by group, and
    the base build's KPIs take those of the models the change did not touch from here."""
    rows: ModelRows = {}
    for model in project.models():
        uid = model.unique_id
        tier, owner = project.tier(uid), project.owner(uid)
        rows[uid] = (tier, owner, model_counts(project, model, tier, owner))
    return rows


def compute_scorecard(
    project: Project, config: Config, rows: ModelRows | None = None
) -> dict[str, Any]:
    """The `kpis` report section: overall, by tier, by owner, and the targeted headline KPIs
    (`rows`: `model_rows(project)`, when the caller has them already)."""
    targets = targets_of(config)
    overall = Tally()
    by_tier: dict[str, Tally] = {}
    by_owner: dict[str, Tally] = {}

    def groups(uid: str | None) -> list[Tally]:
        if uid is None:
            return [overall]
        tier = project.tier(uid)
        tier_key = "unset" if tier is None else str(tier)
        owner = project.owner(uid) or NO_OWNER
        # `get` first: `setdefault` alone built two Tallies (14 fields each) per call, for each
        # tested resource and source, to drop them.
        return [
            overall,
            by_tier.get(tier_key) or by_tier.setdefault(tier_key, Tally()),
            by_owner.get(owner) or by_owner.setdefault(owner, Tally()),
        ]

    # One tuple of counts per model, summed per group column by column at the end: adding a
    # Tally to three groups field by field was a third of the scorecard at 10,000 models.
    every_row: list[tuple[int, ...]] = []
    tier_rows: dict[str, list[tuple[int, ...]]] = {}
    owner_rows: dict[str, list[tuple[int, ...]]] = {}
    for tier, owner, row in (model_rows(project) if rows is None else rows).values():
        every_row.append(row)
        tier_rows.setdefault("unset" if tier is None else str(tier), []).append(row)
        owner_rows.setdefault(owner or NO_OWNER, []).append(row)
    overall.add(summed(every_row))
    for key, group_rows in tier_rows.items():
        by_tier[key] = summed(group_rows)
    for key, group_rows in owner_rows.items():
        by_owner[key] = summed(group_rows)
    unmeasured = add_results(project, groups, turned_off=_turned_off(config))
    notes = [f"{_MEASURE_NOTED[measure]}: {why}" for measure, why in unmeasured.items()]
    skipped = overall.tests_skipped
    if skipped:
        notes.append(
            f"test pass rate: {counted(skipped, 'test')} skipped after an upstream failure "
            f"{'is' if skipped == 1 else 'are'} not counted, neither passed nor failed "
            "(`run.skipped` lists them)"
        )
    loose = overall.tests_run - sum(tally.tests_run for tally in by_tier.values())
    if loose:
        notes.append(
            f"test pass rate: {counted(loose, 'test')} on no resource (a singular test that "
            f"refs none) {'is' if loose == 1 else 'are'} counted for the whole project only, "
            "under no tier or owner"
        )
    not_run = _tests_not_run(project) if "test_pass_rate" not in unmeasured else 0
    if not_run:
        notes.append(
            f"test pass rate: of the tests this build's run ran; {counted(not_run, 'test')} of "
            f"the build's had no result in it (a run of part of the project, as `dbt build "
            f"--select ...`) and {'is' if not_run == 1 else 'are'} not counted"
        )
    notes.append(CHANGE_FAILURE_NOTE)

    overall_measures = overall.measures()
    tier1 = by_tier.get("1", Tally()).measures()
    scorecard: dict[str, Any] = {}
    for name in KPI_NAMES:
        found = tier1[name[6:]] if name.startswith("tier1_") else overall_measures[name]
        target = targets.get(name)
        scorecard[name] = {
            **found,
            "label": label(name),
            "target": target,
            "status": _status(found["value"], target),
            "gated": name in config.kpi.gate,
        }
        if found["value"] is None:
            scorecard[name]["no_data"] = nothing_measured(name, project, unmeasured)
    metadata = project.manifest.metadata
    return {
        "project": project.name,
        "generated_at": metadata.generated_at if metadata else None,
        "invocation_id": metadata.invocation_id if metadata else None,
        "scorecard": scorecard,
        "overall": overall_measures,
        "by_tier": {key: by_tier[key].measures() for key in sorted(by_tier, key=name_order)},
        "by_owner": {key: by_owner[key].measures() for key in sorted(by_owner, key=owner_order)},
        "notes": notes,
    }


def tier1_by_owner(project: Project, rows: ModelRows) -> dict[str, dict[str, dict[str, Any]]]:
    """Each owner's measures on tier-1 resources alone: where a tier-1 KPI falls short, which
    the scorecard's per-owner figures (of every tier) cannot say. Counted only for a gated
    tier-1 KPI below its target: the run's tests are walked a second time."""
    owner_rows: dict[str, list[tuple[int, ...]]] = {}
    for tier, owner, row in rows.values():
        if tier == 1:
            owner_rows.setdefault(owner or NO_OWNER, []).append(row)
    tallies = {owner: summed(group_rows) for owner, group_rows in owner_rows.items()}

    def groups(uid: str | None) -> list[Tally]:
        if uid is None or project.tier(uid) != 1:
            return []
        return [tallies.setdefault(project.owner(uid) or NO_OWNER, Tally())]

    add_results(project, groups)
    return {owner: tally.measures() for owner, tally in tallies.items()}


def _turned_off(config: Config) -> dict[str, str]:
    """The measures whose check the config turns off, with the setting that does: the KPI
    is then not measured either (a scorecard saying "source freshness 50% below" under
    "Not checked: source freshness" read as a check that ran)."""
    off = {}
    if not config.run.enabled:
        off["test_pass_rate"] = "not measured (run.enabled: false)"
    if not config.freshness.enabled:
        off["freshness"] = "not measured (freshness.enabled: false)"
    return off


def add_results(
    project: Project,
    groups: Callable[[str | None], list[Tally]],
    leave_out: frozenset[str] = frozenset(),
    turned_off: dict[str, str] | None = None,
) -> dict[str, str]:
    """Count the last run's tests (for the resource each tests; not those in `leave_out`) and
    the sources' freshness into `groups(unique_id)`'s tallies, but those the config turned off
    (`turned_off`: measure -> why). Returns why a measure could not be taken, by measure
    (`test_pass_rate`, `freshness`): "no run_results.json", "run_results.json is from ..."."""
    unmeasured: dict[str, str] = dict(turned_off or {})
    if "test_pass_rate" not in unmeasured:
        why = _add_tests(project, groups, leave_out)
        if why:
            unmeasured["test_pass_rate"] = why
    if "freshness" not in unmeasured:
        why = _add_freshness(project, groups)
        if why:
            unmeasured["freshness"] = why
    return unmeasured


def _add_tests(
    project: Project, groups: Callable[[str | None], list[Tally]], leave_out: frozenset[str]
) -> str | None:
    """The last run's tests into the tallies; why they could not be counted, if so."""
    index = project.run_index()
    if index is None:
        return "no run_results.json"
    if not index.executed:
        return (
            f"run_results.json is from {code_span(dbt_command_line(index.command))} (no tests run)"
        )
    tested = project.tested_resources()
    # (run, passed) per tested resource first, then per group: one group lookup per
    # resource rather than per test.
    counts: dict[str | None, list[int]] = {}
    for uid, result in index.results.items():
        if not uid.startswith(TEST_PREFIXES) or uid in leave_out:
            continue
        tally_of = counts.setdefault(tested.get(uid), [0, 0, 0])
        status = result.status
        if status == "skipped":
            tally_of[2] += 1
            continue
        tally_of[0] += 1
        tally_of[1] += status in TEST_PASSED
    for uid, (run, passed, skipped) in counts.items():
        for tally in groups(uid):
            tally.tests_run += run
            tally.tests_passed += passed
            tally.tests_skipped += skipped
    return None


def _tests_not_run(project: Project) -> int:
    """How many of the build's data tests and enabled unit tests have no result in its run: a
    run of part of the project (`dbt build --select my_model+`) gives a pass rate of the few it
    ran, `3/3`, which read as the project's."""
    index = project.run_index()
    if index is None:
        return 0
    results = index.results
    missing = 0
    for uid in project.tested_resources():
        if uid not in results:
            if uid.startswith("unit_test."):
                unit_test = project.unit_test(uid)
                if unit_test is None or not unit_test.enabled:
                    continue
            missing += 1
    return missing


def _add_freshness(project: Project, groups: Callable[[str | None], list[Tally]]) -> str | None:
    """The sources' freshness into the tallies; why it could not be counted, if so."""
    freshness = project.freshness
    if freshness is None:
        return "no sources.json"
    for result in freshness.results or ():
        uid = result.unique_id
        if uid not in project.sources:
            continue  # another build's source (the freshness check warns)
        for tally in groups(uid):
            tally.sources_checked += 1
            tally.sources_fresh += int(result.status == "pass")
    return None


# What each measure counts, in the words of "no ... to measure": a row "tier-1 source
# freshness – 0/0" with an empty change cell read as a KPI that broke, where there was nothing
# to count (`nothing_measured`).
_COUNTED = {
    "test_coverage": "no {}model",
    "pk_tested": "no {}model",
    "docs_models": "no {}model",
    "docs_columns": "no column of a {}model",
    "owner_coverage": "no {}model",
    "contracts": "no tier-1 or public model that dbt can contract",
}


def nothing_measured(name: str, project: Project, unmeasured: dict[str, str]) -> str:
    """Why KPI `name` has no value: the reason its measure was not taken (`unmeasured`: no
    sources.json, turned off), else what there was none of ("no tier-1 source has freshness
    configured"). Written into the report, so that every format says the same."""
    tier1 = name.startswith("tier1_")
    measure = name.removeprefix("tier1_")
    if measure in unmeasured:
        return unmeasured[measure]
    if measure == "freshness":
        if not tier1:
            return f"no source was checked by {code_span('dbt source freshness')}"
        sources = [s for uid, s in project.sources.items() if project.tier(uid) == 1]
        if not sources:
            return "no source is tier 1"
        if not any(has_freshness(source) for source in sources):
            return "no tier-1 source has freshness configured"
        return f"{code_span('dbt source freshness')} checked no tier-1 source"
    if measure == "test_pass_rate":
        return "the run ran no test" + (" of a tier-1 resource" if tier1 else "")
    if name == "tier1_contracts":
        return "no tier-1 model that dbt can contract"
    return _COUNTED[measure].format("tier-1 " if tier1 else "")


def summed(rows: list[tuple[int, ...]]) -> Tally:
    """A Tally of model counts: the rows' columns summed (Tally's leading fields, in order)."""
    return Tally(*(sum(column) for column in zip(*rows, strict=True)))


def model_counts(
    project: Project, model: Node, tier: int | None, owner: str | None
) -> tuple[int, int, int, int, int, int, int, int, int]:
    """One model's counts, in Tally's field order: models, tested, pk_tested, described,
    columns, columns_described, owned, contract_scope, contracted."""
    tests = project.tests_on(model.unique_id)
    columns = project.column_docs(model)
    in_contract_scope = (tier == 1 or model.access == "public") and can_have_contract(model)
    return (
        1,
        1 if tests else 0,
        1 if resource_key(project, model)[0] else 0,
        1 if is_described(model.description, model.name.lower()) else 0,
        columns.total,
        columns.described,
        0 if owner is None else 1,
        1 if in_contract_scope else 0,
        1 if in_contract_scope and is_contracted(model) else 0,
    )


def _status(value: float | None, target: float | None) -> str:
    if value is None:
        return "no data"
    if target is None:
        return "no target"
    return "met" if value >= target else "below"


def targets_of(config: Config) -> dict[str, float]:
    """The KPIs with a target (the config loader checked each is a fraction, and that every
    gated KPI has one)."""
    targets = config.kpi.targets
    return {name: value for name in KPI_NAMES if (value := getattr(targets, name)) is not None}


def add_base(
    scorecard: dict[str, Any],
    base: dict[str, Any],
    project: Project,
    base_build: Project,
    parsed_from: str | None = None,
) -> None:
    """Give each scorecard KPI its value in the base build (`base`: `overall` and `tier1`
    measures, and why the base has no test pass rate or freshness, `unmeasured`), where the two
    builds measured the same thing: the base has data, and for column documentation both builds
    have a catalog.json or neither (with one, the warehouse's columns count too: a base parsed
    from a git ref, `parsed_from`, has none). When this build's run left out tests the base
    build's ran (`tests_left_out`: how many it did not select, as a slim CI run does, and how
    many it skipped), the base's pass rate is taken without them, which the notes say; when
    the base build's run left out tests this build's ran (`tests_not_run_there`), it is of
    fewer tests and not compared."""
    catalogs_differ = (base_build.catalog is None) != (project.catalog is None)
    not_selected, skipped = base.get("tests_left_out", (0, 0))
    tests_left_out = not_selected + skipped
    not_run_there = base.get("tests_not_run_there", 0)
    # Why a KPI with a value here has none to compare with: said once per reason, in the notes.
    left_out: dict[str, list[str]] = {}
    on_the_same_tests: list[str] = []
    for name, entry in scorecard["scorecard"].items():
        measured = name.removeprefix("tier1_")
        before = base["tier1" if name != measured else "overall"][measured]
        if measured == "docs_columns" and catalogs_differ:
            reason = _OTHER_CATALOG
        elif before["value"] is None and measured == "test_pass_rate" and tests_left_out:
            reason = _NONE_RUN_IN_BOTH
        elif before["value"] is None:
            reason = _no_base_figure(measured, base["unmeasured"].get(measured), parsed_from)
        elif measured == "test_pass_rate" and not_run_there:
            reason = _base_ran_part(not_run_there)
        else:
            entry["base"] = before
            if measured == "test_pass_rate" and tests_left_out:
                on_the_same_tests.append(entry["label"])
            continue
        if entry["value"] is not None:
            left_out.setdefault(reason, []).append(entry["label"])
    if on_the_same_tests:
        scorecard["notes"].append(
            f"{BASE_NOTE} {', '.join(on_the_same_tests)} compared without the tests this build's run left out: "
            + _tests_left_out(not_selected, skipped)
        )
    scorecard["notes"].extend(
        f"{BASE_NOTE} {', '.join(labels)} not compared: {reason}"
        for reason, labels in left_out.items()
    )


def _tests_left_out(not_selected: int, skipped: int) -> str:
    """What this build's run left out of the tests the base build's ran, which the base's pass
    rate leaves out too: tests it did not select (slim CI) and tests it skipped (after an
    upstream failure)."""
    parts = []
    if not_selected:
        parts.append(
            f"did not run {counted(not_selected, 'test')} that the base build's ran (a run of "
            "part of the project, as slim CI's `dbt build --select state:modified+`)"
        )
    if skipped:
        parts.append(f"skipped {counted(skipped, 'test')} that the base build's ran")
    return f"this build's run {' and '.join(parts)}, which its base figure leaves out"


def _base_ran_part(not_run_there: int) -> str:
    """Why the base's pass rate is not compared when its run tested part of the project: a
    failing test this build's run ran and the base's did not would read as the change's."""
    return (
        f"the base build's run did not run {counted(not_run_there, 'test')} that this build's "
        "ran (a run of part of the project, as a slim `dbt build --select state:modified+`), "
        "so its pass rate is not of the same tests"
    )


def _no_base_figure(measured: str, unmeasured: str | None, parsed_from: str | None) -> str:
    """Why the base build has no figure for a measure: its results file missing or of a run
    that tested nothing ("the base build has no sources.json", "the base build's
    run_results.json is from `dbt compile` ..."), or nothing of its counted there. A base
    parsed from a git ref never has results: `dbt parse` runs nothing, which the note says
    (and that a build's directory would have them)."""
    if unmeasured is not None:
        if unmeasured.startswith("no ") and parsed_from:
            return (
                f"--base {parsed_from} is parsed by `dbt parse`, which writes no "
                f"{unmeasured[3:]} (a build's target directory as --base DIR has it)"
            )
        if unmeasured.startswith("no "):
            return f"the base build has {unmeasured}"
        return f"the base build's {unmeasured}"
    return _NOTHING_COUNTED.get(measured, _NO_MODELS)


_OTHER_CATALOG = (
    "one build has a catalog.json and the other not, so their columns are not counted alike"
)
_NONE_RUN_IN_BOTH = "the base build's run ran none of the tests this build's run ran"
_NO_MODELS = "no data in the base build (none of its models is counted there)"
_NOTHING_COUNTED = {
    "test_pass_rate": "no data in the base build (its last run ran none of its tests)",
    "freshness": "no data in the base build (its sources.json checked none of its sources)",
}


def gate_findings(
    scorecard: dict[str, Any],
    config: Config,
    note_partly_checked: Callable[[str], None],
    tier1_owners: Callable[[], dict[str, dict[str, dict[str, Any]]]],
) -> Iterator[Finding]:
    """`kpi.<name>` for each gated KPI below its target. A KPI is about the whole project, and
    without a base build it is in scope under `scope: changed` too. With one, the finding gives
    the KPI there, and is the change's (`changed`) unless the base build was already below the
    target and the change did not lower it: as for a rule on a whole selection
    (`rules.selection_base`), legacy debt does not block a pull request that did not add to it.
    Its fix names where the KPI falls short (`tier1_owners`: `tier1_by_owner`'s figures).
    A gated KPI without data is judged against nothing: said beside the verdict
    (`note_partly_checked`), where a team that set the target reads it."""
    for name in sorted(config.kpi.gate):
        entry = scorecard["scorecard"][name]
        if entry["status"] == "no data":
            note_partly_checked(
                f"kpi.{name} is gated but has no data in this build, so its target "
                f"({percent(entry['target'])}) was not judged"
            )
            continue
        if entry["status"] != "below":
            continue
        before = entry.get("base")
        details = {
            "value": entry["value"],
            "target": entry["target"],
            "numerator": entry["numerator"],
            "denominator": entry["denominator"],
        }
        if before is not None:
            details["base"] = dict(before)
        if config.path is not None and config.kpi.line:
            # Where the target is set: the place SARIF and GitLab put a KPI's finding at.
            details["config_line"] = config.kpi.line
        yield Finding(
            code=f"kpi.{name}",
            severity=config.kpi.severity,
            message=f"{entry['label']} is {_figure(entry)}, below the target "
            f"{percent(entry['target'])}" + _against_base(entry, before),
            fix=_fix(name, entry["target"], scorecard, tier1_owners),
            changed=_the_changes(entry, before),
            details=details,
            # A tier-1 KPI is about the tier-1 resources: the reports' tier filter finds it.
            tier=1 if name.startswith("tier1_") else None,
        )


# How many owners (and tiers) a KPI's fix names: where to start, not the scorecard again.
_SHORT_GROUPS = 3


def _fix(
    name: str,
    target: float,
    scorecard: dict[str, Any],
    tier1_owners: Callable[[], dict[str, dict[str, dict[str, Any]]]],
) -> str:
    """Raise the KPI where it falls short by most, or lower its target: `... Marketing Analytics
    90.0% (9/10) among owners; tier 2 93.3% (14/15) among tiers. Or ...`. A tier-1 KPI names the
    owners by their tier-1 resources' figures (its tiers would be tier 1 alone)."""
    metric = name.removeprefix("tier1_")
    if metric != name:
        places = [(_short_of(tier1_owners(), metric, target, str), "owners, on tier 1")]
    else:
        places = [
            (_short_of(scorecard["by_owner"], metric, target, str), "owners"),
            (_short_of(scorecard["by_tier"], metric, target, tier_label), "tiers"),
        ]
    said = "; ".join(f"{groups} among {what}" for groups, what in places if groups)
    if not said:  # what falls short is counted in no owner's or tier's figure
        return (
            "Raise the KPI (the per-owner and per-tier figures show where), or lower its "
            "target in kpi.targets."
        )
    return f"Raise it where it falls short by most: {said}. Or lower its target in kpi.targets."


def _short_of(
    groups: dict[str, dict[str, dict[str, Any]]],
    metric: str,
    target: float,
    name_of: Callable[[str], str],
) -> str:
    """The groups whose `metric` is below `target`, the most missing first (8/10 before 0/1: two
    failed tests or undocumented columns to fix, not one, move the KPI more), then the lowest,
    then by name: `Marketing Analytics 80.0% (8/10), (no owner) 0.0% (0/1) and 2 more`."""
    short = [
        (key, found)
        for key, measures in groups.items()
        if (found := measures.get(metric))
        and found["value"] is not None
        and found["value"] < target
    ]
    short.sort(
        key=lambda item: (
            item[1]["numerator"] - item[1]["denominator"],
            item[1]["value"],
            name_order(item[0]),
        )
    )
    named = ", ".join(f"{name_of(key)} {_figure(found)}" for key, found in short[:_SHORT_GROUPS])
    more = len(short) - _SHORT_GROUPS
    return f"{named} and {number(more)} more" if more > 0 else named


def _the_changes(entry: dict[str, Any], before: dict[str, Any] | None) -> bool:
    """Whether a KPI below its target is the change's: without a base figure it cannot be said
    otherwise; with one, unless the base build fell short already and the change kept the KPI
    where it was or raised it."""
    if before is None:
        return True
    return before["value"] >= entry["target"] or entry["value"] < before["value"]


def _against_base(entry: dict[str, Any], before: dict[str, Any] | None) -> str:
    """`; 18.9% (14/74) in the base build: this change lowers it`, or nothing without a base."""
    if before is None:
        return ""
    counts = (before["numerator"], before["denominator"])
    return against_base_build(entry["value"], before["value"], counts)


def _figure(measure: dict[str, Any]) -> str:
    """A measure as a finding writes it, the KPI's and each group's alike: `90.0% (9/10)`."""
    counts = f"{number(measure['numerator'])}/{number(measure['denominator'])}"
    return f"{percent(measure['value'])} ({counts})"


def percent(value: float | None) -> str:
    """A KPI's fraction as the scorecards write it (`report.view.percent`): "90.0%", not "90%",
    so a kpi finding's value and target read as the table beside it."""
    if value is None:
        return "n/a"
    return f"{100 * value:.1f}%"
