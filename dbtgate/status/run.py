"""The `run` check family: gate on what the last `dbt build` actually did.

A project can declare every test and still ship a broken change: the test failed, the model
errored, or the changed model was never built at all. These rules read run_results.json:

- `run.errors`          a model, seed, snapshot or hook errored.
- `run.test_failures`   a test failed or errored (warn-status tests at the `test_warnings` severity),
                        with the failing-row count and the compiled query to reproduce it.
- `run.skipped`         a node was skipped because something upstream failed.
- `run.not_run`         a node changed in the pull request has no result: it was not built/tested.
- `run.stale_results`   the results describe another state of the project than the manifest.
- `run.slower`          execution time regressed against the base build (off by default).

With a base build it also says what the change fixed (`dbtgate.status.fixed`, the `fixed`
section): tests failing there and passing here, models, seeds and snapshots erroring there and
succeeding here.

A failure on a node downstream of a changed node is the change's failure too, so such findings
count as changed for `scope: changed`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dbtgate.artifacts.load import WRITTEN_BY
from dbtgate.artifacts.manifest import Node, materialized_as
from dbtgate.artifacts.run_results import DBT_STATUSES, NodeResult, status_text
from dbtgate.checks import CheckContext, check
from dbtgate.config import RunConfig
from dbtgate.findings import Finding
from dbtgate.locate import display_path, display_root
from dbtgate.named_files import File, Span, kept, naming
from dbtgate.project import RELATION_TYPES, Project
from dbtgate.state_modified import dbt_builds
from dbtgate.status.error_lines import code_error_line, seed_error_line
from dbtgate.status.results import (
    NODE_ERRORED,
    SKIPPED,
    TEST_FAILED,
    RunIndex,
    dbt_command_line,
    downstream_of,
    index_run_results,
    is_test,
)
from dbtgate.status.run_coverage import partial_run_note, run_coverage, stale_run_note
from dbtgate.status.timestamps import format_age, parse_timestamp
from dbtgate.wording import code_span, counted

if TYPE_CHECKING:
    from dbtgate.state import Changes

# Results naming these kinds of node must find them in the manifest's `nodes` (hooks and unit
# tests live elsewhere in some schema versions, so they are not used as staleness evidence).
_MANIFEST_NODE_PREFIXES = ("model.", "seed.", "snapshot.", "test.")
# A finding's message quotes dbt's reason in one line; its details keep dbt's message (its call
# stack left out) as evidence, up to a contract's table of the columns that differ.
_MESSAGE_LIMIT = 300
_EVIDENCE_LIMIT = 1000
# A terminal's colour codes (SGR: `ESC[32m`, `ESC[0;1m`), which dbt writes into some messages.
_COLOURS = re.compile(r"\x1b\[[0-9;]*m")
# `Runtime Error`, `Database Error in model x (models/x.sql)`, `Compilation Error in test t (...)`.
# DuckDB's error on a CSV value that does not convert (`CSV Error on Line: 2`) and its detail.
_CSV_ERROR = re.compile(r"CSV Error on Line: \d+")
_CSV_DETAIL = "Error when converting column"
_ERROR_HEADER = re.compile(r"([A-Z]\w*(?: \w+)* Error)(?: in \w+ \S+(?: \(.*\))?)?:?")


@check("run")
def run_status(ctx: CheckContext) -> Iterator[Finding]:
    settings = ctx.config.run
    if not settings.enabled:
        ctx.not_checked.append(f"the last run's results (run.enabled: false in {ctx.config_name})")
        if settings.slower.enabled:
            ctx.notes.append("run.slower is enabled but run.enabled is false: nothing was compared")
        return
    project = ctx.project
    loaded = project.artifacts.run_results if project.artifacts else None
    index = project.run_index()
    if loaded is None or index is None:
        if settings.required:
            yield Finding(
                code="run.not_run",
                severity=settings.severity.not_run,
                message="run_results.json is absent, and the config requires it (run.required)",
                fix=f"Gate the target directory of {WRITTEN_BY['run_results']}: it holds "
                "run_results.json.",
                changed=True,
            )
        else:
            ctx.notes.append(
                "run_results.json absent: the last run's results are not gated (run "
                f"{WRITTEN_BY['run_results']} first, which writes it)"
            )
            ctx.not_checked.append("the last run's results (no run_results.json)")
        return
    if not index.executed and settings.required:
        yield Finding(
            code="run.not_run",
            severity=settings.severity.not_run,
            message=f"{loaded.path.name} was written by {code_span(dbt_command_line(index.command))}, "
            "which runs nothing, and the config requires the results of a run (run.required)",
            fix="Gate the target directory of a `dbt build` (keep its run_results.json when "
            "`dbt docs generate` runs after it).",
            changed=True,
        )
    elif not index.executed:
        ctx.notes.append(
            f"{loaded.path.name} was written by {code_span(dbt_command_line(index.command))}, which "
            "compiles without running: test results are not gated (run `dbt build` again, and give "
            "`dbt docs generate` or `dbt compile` a `--target-path` of its own)"
        )
        ctx.not_checked.append(
            f"the last run's results ({loaded.path.name} is of "
            f"{code_span(dbt_command_line(index.command))}, which runs nothing)"
        )
    affected = downstream_of(project, ctx.changed) if ctx.changed else set()
    tested = project.tested_resources()
    yield from status_findings(
        project, index, settings, tested, affected, ctx.base, ctx.named_files
    )
    from dbtgate.status.built_code import built_from_other_code

    # The models the run built from other code than the manifest's (edited, then `dbt parse`).
    rewritten = set(
        built_from_other_code(project, index, index.results if ctx.changed is None else ctx.changed)
    )
    gap = results_gap(project, settings)
    # The models a run.not_run finding names as built from other code: the edit says why the
    # results do not describe the manifest, so run.stale_results does not say it again.
    not_built_now: set[str] = set()
    if ctx.changed is not None:
        changes = ctx.sections.get("changes")
        for finding in not_run_findings(
            project,
            index,
            settings,
            tested,
            ctx.changed,
            loaded.path,
            rewritten,
            changes,
            gap,
        ):
            if finding.details.get("built_from_other_code"):
                not_built_now.add(finding.unique_id)
            yield finding
    yield from stale_findings(
        ctx, index, settings, loaded.path, rewritten - not_built_now, None if not_built_now else gap
    )
    if index.executed:
        focus = ctx.options.get("focus")
        coverage = run_coverage(project, index, ctx.changed, focus.selected if focus else None)
        if coverage.partial:
            ctx.note_partly_checked(partial_run_note(coverage, index, loaded.path))
    yield from slower_findings(ctx, index, settings)
    if ctx.base is not None:
        from dbtgate.status.fixed import fixed_since_base

        changes = ctx.sections.get("changes")  # the tests edited themselves, not their models'
        edited = changes.modified if changes is not None else ()
        fixed = fixed_since_base(project, ctx.base, edited)
        if fixed is not None:
            ctx.sections["fixed"] = fixed


def status_findings(
    project: Project,
    index: RunIndex,
    settings: RunConfig,
    tested: dict[str, str],
    affected: set[str],
    base: Project | None,
    named: dict[str, tuple[Span, ...]],
) -> Iterator[Finding]:
    """One finding per result that errored, failed, warned or was skipped; a failure or error
    says how the `base` build's run left the same test or node, or that the test is new. The
    files a fix names are kept in `named` (`named_files.kept`)."""
    severities = settings.severity
    before = _BaseRun(base)
    upstream = _UpstreamFailures(project, index, tested)
    for uid in sorted(index.results):
        result = index.results[uid]
        status = result.status
        if is_test(uid):
            if status in TEST_FAILED:
                yield _test_finding(
                    project,
                    result,
                    tested.get(uid),
                    severities.test_failures,
                    affected,
                    before,
                    named,
                )
            elif status == "warn":
                yield _test_finding(
                    project,
                    result,
                    tested.get(uid),
                    severities.test_warnings,
                    affected,
                    before,
                    named,
                )
            elif status == SKIPPED:
                yield _skipped(
                    project, result, severities.skipped, tested.get(uid), affected, upstream
                )
            elif status not in DBT_STATUSES:
                yield _unknown_status(
                    project, result, severities.test_failures, tested.get(uid), affected
                )
        elif status in NODE_ERRORED:
            yield _error_finding(project, result, severities.errors, affected, before)
        elif status == SKIPPED:
            node = project.nodes.get(uid)
            if node is not None and materialized_as(node) == "ephemeral":
                # Fusion writes `skipped` for every ephemeral model: it is compiled into its
                # readers, never built (dbt-core writes no result for it); nothing failed.
                continue
            yield _skipped(project, result, severities.skipped, None, affected, upstream)
        elif status not in DBT_STATUSES:
            yield _unknown_status(project, result, severities.errors, None, affected)


def _unknown_status(
    project: Project, result: NodeResult, severity: str, target: str | None, affected: set[str]
) -> Finding:
    """A status dbt never writes (a hand-edited or another tool's file): the outcome is unknown,
    and a gate must not pass what it cannot read as a success, so it counts as a failed test
    or an errored node (loading the file warned of it too)."""
    uid = result.unique_id
    test = is_test(uid)
    return Finding(
        code="run.test_failures" if test else "run.errors",
        severity=severity,
        message=f"{_named(project, uid, _display(project, target) if target else None)} has "
        f"{_unknown_words(result.status)}: its "
        f"outcome is unknown, so it counts as {'failed' if test else 'errored'}",
        unique_id=uid,
        fix="Gate the run_results.json that dbt wrote for this build (rebuild with `dbt build` "
        "if it is lost); a file edited by hand or written by another tool cannot be trusted.",
        owner=project.owner(target) if target else None,
        tier=project.tier(target) if target else None,
        changed=uid in affected or (target is not None and target in affected),
        details={**_result_details(result), **({"tested_resource": target} if target else {})},
    )


def _test_finding(
    project: Project,
    result: NodeResult,
    target: str | None,
    severity: str,
    affected: set[str],
    before: _BaseRun,
    named: dict[str, tuple[Span, ...]],
) -> Finding:
    uid = result.unique_id
    node = project.nodes.get(uid)
    unit_test = uid.startswith("unit_test.")
    column = node.column_name if node else None
    on = _display(project, target) if target else None
    if column and on:
        on = f"{on}.{column}"
    failures = result.failures
    verb = "warned" if result.status == "warn" else "failed"
    if result.status in ("error", "runtime error"):
        what = f"errored: {reason_of(result.message)}"
    elif unit_test and result.status in TEST_FAILED:
        # dbt's message is the table of the rows that differ (`actual differs from
        # expected`), kept in the details; its count is of that table's rows, not of bad data.
        what = f"{verb}: the model's output differs from the expected rows"
    elif failures is not None:
        what = f"{verb}: {counted(failures, 'failing row')}"
    else:
        what = f"{verb}: {reason_of(result.message)}"
    compiled = _compiled_path(node) if node else None
    shown = _compiled_from_root(project, node, compiled) if node and compiled else None
    was = before.result(uid)
    details = {
        "status": result.status,
        "failures": failures,
        "message": _clip(_without_trace(result.message), _EVIDENCE_LIMIT),
        "compiled_path": compiled,
        "tested_resource": target,
        "base_status": was.status if was else None,
    }
    if result.status in ("error", "runtime error"):
        # The test's query did not run to the end: there are no failing rows to look at, and a
        # warn severity does not stop an error.
        fix = (
            kept(
                naming(
                    "The test's query failed in the warehouse: run it (",
                    File(shown or compiled),
                    ") to see the error, then fix the test or the model it reads, and rebuild.",
                ),
                named,
            )
            if compiled
            else "The test's query failed in the warehouse: fix the test or the model it reads "
            "(dbt's log shows the error), and rebuild."
        )
    elif unit_test:
        fix = (
            f"{code_span(f'dbt test --select unit_test:{_unit_test_name(project, uid)}')} shows "
            "the rows that differ: fix the model's logic, or the unit test's `given` or "
            "`expect` rows if they are what is wrong, and rebuild."
        )
    elif compiled:
        fix = kept(_compiled_query_fix(shown or compiled), named)
    else:
        fix = "Fix the model or the data, or set the test's severity to warn if it must not block."
    return Finding(
        code="run.test_failures",
        severity=severity,
        message=f"{_named(project, uid, on)} {what}{before.said(result, was)}",
        unique_id=uid,
        column_name=column,
        fix=fix,
        owner=project.owner(target) if target else None,
        tier=project.tier(target) if target else None,
        changed=uid in affected or (target is not None and target in affected),
        details={k: v for k, v in details.items() if v is not None},
    )


def _unknown_words(status: str) -> str:
    text = status_text(status)
    return f"the {text}, which dbt does not write" if status else text


def _error_finding(
    project: Project,
    result: NodeResult,
    severity: str,
    affected: set[str],
    before: _BaseRun,
) -> Finding:
    uid = result.unique_id
    was = before.result(uid)
    verb = (
        "partially succeeded (some batches failed)"
        if result.status == "partial success"
        else "errored"
    )
    message = _COLOURS.sub("", result.message or "")
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    contract = bool(contract_mismatches(lines))
    return Finding(
        code="run.errors",
        severity=severity,
        message=f"{_named(project, uid)} {verb}: {reason_of(result.message)}"
        + before.said(result, was),
        unique_id=uid,
        # On the line of its own file to fix (the SQL, the seed's CSV; a finding with a line
        # and no path is placed in the resource's file): a contract that failed stays on the
        # model's YAML entry, which declares the columns the SQL does not match.
        line=None if contract else _error_line(project, uid, message),
        fix=_error_fix(contract, uid.startswith("seed.")),
        changed=uid in affected,
        details={**_result_details(result), **({"base_status": was.status} if was else {})},
    )


def _error_line(project: Project, uid: str, message: str) -> int | None:
    """The line of the node's own file where its error is fixed (`error_lines`); None: its
    declaration is the place (a hook, a YAML-declared snapshot, a seed error that names no
    line of its CSV)."""
    node = project.nodes.get(uid)
    if node is None:
        return None
    if node.resource_type == "seed":
        return seed_error_line(project, node, message)
    return code_error_line(project, node, message)


def _error_fix(contract: bool, seed: bool) -> str:
    """What to do about a node that errored; for an enforced contract that failed, which of
    the two to change: dbt's log says nothing else. A seed has no SQL to fix: its data or the
    types it is loaded as."""
    if seed:
        return (
            "Fix the seed's CSV, or its `column_types` if a column's type is what is wrong "
            "(dbt's log shows the error), then rebuild."
        )
    if contract:
        return (
            "Make the model's SQL return the columns and data types its contract declares (cast "
            "or rename them), or change the contract in its YAML if the new shape is meant (a "
            "change its readers see), then rebuild."
        )
    return "Fix the error shown in dbt's log (the failing SQL is under target/run/), then rebuild."


# How a result's status reads in "in the base build it ...": the dbt statuses of a run that
# executed (skipped says nothing of the node, an unknown status nothing at all).
_OUTCOMES = {
    "pass": "passed",
    "success": "succeeded",
    "fail": "failed",
    "warn": "warned",
    "error": "errored",
    "runtime error": "errored",
    "partial success": "partially succeeded",
    "no-op": "did nothing",
}


class _BaseRun:
    """The base build's run, for what a failure says of it: a failure this change brought
    reads differently from one the base build had already, or one a new test found."""

    def __init__(self, base: Project | None) -> None:
        self.base = base
        self.index = base.executed_run() if base is not None else None

    def result(self, uid: str) -> NodeResult | None:
        """The same test's or node's result there, when it has one that says how it went."""
        was = self.index.results.get(uid) if self.index is not None else None
        return was if was is not None and was.status in _OUTCOMES else None

    def said(self, result: NodeResult, was: NodeResult | None) -> str:
        """`; in the base build it passed`, `...it failed too (3 failing rows)`, `; the test
        is new in this change` (a data test the base build's manifest does not have), or what
        the base build's run did of a node it has without an outcome: `; the base build's run
        did not run it` (main built by a run of part of the project) or `...skipped it`.
        Nothing then says whether the failure is the change's."""
        if was is None:
            return self._no_outcome(result.unique_id)
        verb = _OUTCOMES[was.status]
        if verb == "succeeded" and is_test(was.unique_id):
            verb = "passed"  # tests of older dbt versions write success for a pass
        too = " too" if _OUTCOMES.get(result.status) == _OUTCOMES[was.status] else ""
        rows = ""
        if was.status in ("fail", "warn") and was.failures:
            rows = f" ({counted(was.failures, 'failing row')})"
        return f"; in the base build it {verb}{too}{rows}"

    def _no_outcome(self, uid: str) -> str:
        base = self.base
        if base is None:
            return ""
        if uid.startswith("test.") and uid not in base.nodes:
            return "; the test is new in this change"
        if uid.startswith("unit_test.") and not base.has_node(uid):
            # A base build of dbt before 1.8 has no unit tests: this one is new too.
            return "; the unit test is new in this change"
        if self.index is None or not base.has_node(uid):
            return ""
        there = self.index.results.get(uid)
        if there is None:
            return "; the base build's run did not run it"
        return "; the base build's run skipped it" if there.status == "skipped" else ""


class _UpstreamFailures:
    """What made dbt skip a node: the nearest failure upstream, a node that errored or a test
    that failed on one (`dbt build` skips what reads a model whose data test failed, and a model
    whose own unit test failed). A cascade of skips names its cause once per skipped node, not
    "something upstream failed" on each.

    Worked out once for the whole DAG above the skipped nodes (`_nearest`, memoised, each node
    and edge visited once), the first time a skip asks: a run without one pays nothing."""

    def __init__(self, project: Project, index: RunIndex, tested: dict[str, str]) -> None:
        self.project = project
        self.index = index
        self.tested = tested
        # Node -> (steps, the failure) nearest to what reads it: itself, a test of it, or the
        # nearest of its parents' one step further; None when nothing upstream failed.
        self._up: dict[str, tuple[int, str] | None] = {}

    @functools.cached_property
    def failed_on(self) -> dict[str, str]:
        """Failed test or unit test -> the resource it tests (`tested`: both kinds)."""
        failed: dict[str, str] = {}
        results = self.index.results
        for uid, target in self.tested.items():
            result = results.get(uid)
            if result is not None and result.status in TEST_FAILED:
                failed[uid] = target
        return failed

    @functools.cached_property
    def failed_tests(self) -> dict[str, str]:
        """Resource -> the first (by name) of its tests that failed or errored."""
        first: dict[str, str] = {}
        for uid in sorted(self.failed_on):
            first.setdefault(self.failed_on[uid], uid)
        return first

    @functools.cached_property
    def failed_unit_tests(self) -> dict[str, str]:
        """Model -> the first (by name) of its unit tests that failed or errored."""
        first: dict[str, str] = {}
        for uid in sorted(self.failed_on):
            if uid.startswith("unit_test."):
                first.setdefault(self.failed_on[uid], uid)
        return first

    def cause(self, uid: str) -> tuple[int, str] | None:
        """(steps, unique_id) of the failure that made dbt skip `uid`: the nearest, by name
        among equals; None when none is found upstream. A data test is skipped by its model's
        outcome (an error, or a failed unit test of the model: dbt runs those first), not by
        a sibling data test's failure; a unit test, which runs before its model, only by what
        its model reads."""
        if not is_test(uid):
            return self._nearest(uid)
        unit_test = uid.startswith("unit_test.")
        return _further(
            (None if unit_test else self._own(parent, tests=self.failed_unit_tests))
            or _further(self._nearest(grandparent) for grandparent in self._parents(parent))
            for parent in self._parents(uid)
        )

    def _parents(self, uid: str) -> list[str]:
        if uid.startswith("unit_test."):
            # A unit test is in no graph: it reads what its model reads, through the model.
            tested = self.tested.get(uid)
            return [tested] if tested is not None else []
        return sorted(set(self.project.parents.get(uid, ())))

    def _own(self, uid: str, tests: dict[str, str] | None = None) -> tuple[int, str] | None:
        """`uid` itself when it errored, else its first failed test of `tests` (default: any
        data or unit test of it)."""
        result = self.index.results.get(uid)
        if result is not None and not is_test(uid) and result.status in NODE_ERRORED:
            return (0, uid)
        test = (self.failed_tests if tests is None else tests).get(uid)
        return (0, test) if test is not None else None

    def _nearest(self, start: str) -> tuple[int, str] | None:
        """`_up[start]`, computed depth-first without recursion (a DAG may be thousands of
        models deep); a cycle (which dbt refuses) is cut where it closes."""
        up = self._up
        stack = [start]
        open_: set[str] = set()
        while stack:
            uid = stack[-1]
            if uid in up:
                stack.pop()
                continue
            own = self._own(uid)
            if own is not None:
                up[uid] = own
                stack.pop()
                continue
            pending = [p for p in self._parents(uid) if p not in up and p not in open_]
            if pending and uid not in open_:
                open_.add(uid)
                stack.extend(pending)
                continue
            open_.discard(uid)
            up[uid] = _further(up.get(parent) for parent in self._parents(uid))
            stack.pop()
        return up[start]

    def said(self, found: tuple[int, str] | None) -> str:
        """A `cause` in words: `test not_null_x on orders failed upstream`, `model orders
        errored upstream`, `unit test t on stg_payments failed` (the model's own), or
        `something upstream failed`."""
        if found is None:
            return "something upstream failed"
        steps, cause = found
        where = " upstream" if steps else ""
        target = self.failed_on.get(cause)
        if target is None:
            return f"{_named(self.project, cause)} errored{where}"
        verb = "errored" if self.index.results[cause].status in NODE_ERRORED else "failed"
        return f"{_named(self.project, cause, _display(self.project, target))} {verb}{where}"


def _further(found: Iterable[tuple[int, str] | None]) -> tuple[int, str] | None:
    """The nearest of `found` (steps, failure), one step further; None when none is."""
    best = min((f for f in found if f is not None), default=None)
    return (best[0] + 1, best[1]) if best is not None else None


def _skipped(
    project: Project,
    result: NodeResult,
    severity: str,
    target: str | None,
    affected: set[str],
    upstream: _UpstreamFailures,
) -> Finding:
    uid = result.unique_id
    found = upstream.cause(uid)
    cause = upstream.said(found)
    return Finding(
        code="run.skipped",
        severity=severity,
        message=f"{_named(project, uid)} was skipped: {cause}, so it was neither built nor tested",
        unique_id=uid,
        fix=f"Fix the failure ({cause.removesuffix(' upstream')}) and rebuild."
        if found is not None
        else "Fix the upstream failure and rebuild.",
        owner=project.owner(target) if target else None,
        tier=project.tier(target) if target else None,
        changed=uid in affected or (target is not None and target in affected),
        details={
            **_result_details(result),
            **({"tested_resource": target} if target else {}),
            **({"upstream_failure": found[1]} if found is not None else {}),
        },
    )


def not_run_findings(
    project: Project,
    index: RunIndex,
    settings: RunConfig,
    tested: dict[str, str],
    changed: set[str],
    path: Path,
    rewritten: Collection[str] = (),
    changes: Changes | None = None,
    gap: float | None = None,
) -> Iterator[Finding]:
    """Changed nodes (and the tests and unit tests on changed relations) that have no result in
    this run, and changed models it built from other code than the manifest holds
    (`rewritten`: `status.built_code`; how long before the manifest the results were written,
    `gap` past the tolerance, is said with them: the edit is why). A relation whose change dbt
    does not build (`changes` says what changed of each: `needs_no_build`) need not have a
    result, but its new and edited tests must.

    A test of a changed relation is reported with its relation (one finding per relation), so
    a changed test is reported on its own only when what it tests did not change. A unit test
    added or edited changes its model (`state.compare_builds`), so it is its model's: a run
    that left the unit tests out (`dbt build --exclude test_type:unit`, `dbt run`) built the
    model without the tests of its logic."""
    severity = settings.severity.not_run
    executed = index.results if index.executed else {}
    why = f"it has no result in {path.name}"
    if not index.executed:
        why = f"{path.name} is from {code_span(dbt_command_line(index.command))}, which does not run anything"
    # `dbt run && dbt test`: the last run_results.json is the tests', which build no model.
    why_not_built = (
        f"{path.name} is from `dbt test`, which builds no models (gate a `dbt build`)"
        if index.executed and index.command == "test"
        else why
    )
    for uid in sorted(changed):
        node = project.nodes.get(uid)
        if node is None or materialized_as(node) == "ephemeral":
            continue
        if node.config is not None and node.config.enabled is False:
            # The tests of a disabled model stay in the manifest's nodes, disabled, reading
            # nothing: dbt runs none of them, and `dbt build --select` of one selects nothing.
            continue
        if node.resource_type in RELATION_TYPES:
            reasons = changes.modified.get(uid) if changes is not None else None
            if uid not in executed and reasons is not None and needs_no_build(node, reasons):
                yield from _changed_tests_not_run(
                    project, node, severity, changes, executed, None if index.executed else why
                )
                continue
            if uid not in executed:
                yield Finding(
                    code="run.not_run",
                    severity=severity,
                    message=f"{node.resource_type} {node.name} changed but was not built: "
                    f"{why_not_built}",
                    unique_id=uid,
                    fix=_build_fix(node.name),
                    changed=True,
                )
                continue
            if uid in rewritten:
                later = "" if gap is None else f", {format_age(gap)} after the run"
                yield Finding(
                    code="run.not_run",
                    severity=severity,
                    message=f"{node.resource_type} {node.name} changed but was not built as it "
                    f"is now: {path.name} holds the run of its code before an edit (a later "
                    f"dbt command, such as `dbt parse`, rewrote manifest.json with the edit{later})",
                    unique_id=uid,
                    fix=_build_fix(node.name),
                    changed=True,
                    details={"built_from_other_code": True}
                    | ({} if gap is None else {"gap_seconds": round(gap, 3)}),
                )
                continue
            tests = [t.unique_id for t in project.tests_on(uid)]
            unit_tests = _enabled_unit_tests(project, uid)
            missing = sorted(t for t in tests if t not in executed)
            missing_units = [t for t in unit_tests if t not in executed]
            if missing or missing_units:
                said = [
                    f"{len(left)} of its {len(every)} {kind}"
                    for left, every, kind in (
                        (missing, tests, "tests"),
                        (missing_units, unit_tests, "unit tests"),
                    )
                    if left
                ]
                details = {"tests_not_run": missing, "unit_tests_not_run": missing_units}
                yield Finding(
                    code="run.not_run",
                    severity=severity,
                    message=f"{node.resource_type} {node.name} changed and was built, but "
                    f"{' and '.join(said)} did not run (e.g. {(missing or missing_units)[0]})",
                    unique_id=uid,
                    key="tests",
                    fix=_build_fix(node.name),
                    changed=True,
                    details={key: value for key, value in details.items() if value},
                )
        elif (
            node.resource_type == "test" and uid not in executed and tested.get(uid) not in changed
        ):
            yield Finding(
                code="run.not_run",
                severity=severity,
                message=f"test {node.name} changed but did not run: {why}",
                unique_id=uid,
                fix=_build_fix(node.name),
                changed=True,
            )


def needs_no_build(node: Node, reasons: Iterable[str]) -> bool:
    """Whether a relation changed only in what dbt's `state:modified` does not select it for
    (`state_modified.dbt_builds` of `state.compare_builds`' reasons): its description without
    persist_docs, its tests, its tags, and, without an enforced contract, the columns and
    constraints its YAML declares, which change no table. `dbt build --select state:modified+`
    then builds its new and edited tests, not the relation: it is not "changed but not
    built"."""
    return not dbt_builds(node, reasons)


def _changed_tests_not_run(
    project: Project,
    node: Node,
    severity: str,
    changes: Changes,
    executed: Mapping[str, NodeResult],
    why: str | None,
) -> Iterator[Finding]:
    """The new and edited data tests of a relation changed in nothing dbt builds
    (`needs_no_build`) that did not run: what `dbt build --select state:modified+` runs of it.
    Its other tests did not change, and neither did what they test. `why`: the run ran nothing
    (`dbt compile`), which is said in place of the first test."""
    tests = [t.unique_id for t in project.tests_on(node.unique_id)]
    new = set(changes.new)
    new_or_edited = [t for t in tests if t in changes.modified or t in new]
    left = sorted(t for t in new_or_edited if t not in executed)
    if left:
        yield Finding(
            code="run.not_run",
            severity=severity,
            message=f"{node.resource_type} {node.name} changed, but "
            f"{_tests_said(left, new_or_edited)} did not run: "
            + (why or left[0] + (f" and {len(left) - 1} more" if len(left) > 1 else "")),
            unique_id=node.unique_id,
            key="tests",
            fix=_build_fix(node.name),
            changed=True,
            details={"tests_not_run": left},
        )


def _tests_said(left: list[str], every: list[str]) -> str:
    """`its new or edited test`, `its 3 new or edited tests`, `2 of its 3 new or edited tests`."""
    if len(left) < len(every):
        return f"{len(left)} of its {len(every)} new or edited tests"
    return "its new or edited test" if len(every) == 1 else f"its {len(every)} new or edited tests"


def _enabled_unit_tests(project: Project, model: str) -> list[str]:
    """The model's unit tests dbt runs: one disabled in its config (`enabled: false`) never
    runs, and `dbt build --select` of its model would not run it either."""
    found = []
    for uid in project.unit_tests_by_model.get(model, ()):
        unit_test = project.unit_test(uid)
        if unit_test is not None and unit_test.enabled:
            found.append(uid)
    return found


def _build_fix(name: str) -> str:
    """A command that works when pasted: `state:modified+` needs `--state` and a base build's
    directory, which a laptop may not have; the node's name needs nothing."""
    return (
        f"Build it and its tests: {code_span(f'dbt build --select {name}')} (the whole change: "
        "`dbt build --select state:modified+ --state <the base build's target/>`)."
    )


def results_gap(project: Project, settings: RunConfig) -> float | None:
    """How many seconds before the manifest run_results.json was written, when more than
    `run.stale_tolerance_minutes` (`dbt build` then `dbt docs generate` is minutes); else None."""
    manifest_meta = project.manifest.metadata
    run_meta = project.run_results.metadata if project.run_results else None
    manifest_at = parse_timestamp(manifest_meta.generated_at if manifest_meta else None)
    run_at = parse_timestamp(run_meta.generated_at if run_meta else None)
    if manifest_at is None or run_at is None:
        return None
    gap = (manifest_at - run_at).total_seconds()
    return gap if gap > settings.stale_tolerance_minutes * 60 else None


def stale_findings(
    ctx: CheckContext,
    index: RunIndex,
    settings: RunConfig,
    path: Path,
    rewritten: Collection[str],
    gap: float | None,
) -> Iterator[Finding]:
    """Results from another invocation that do not describe this manifest.

    `dbt build` then `dbt docs generate` legitimately leaves a manifest from a later invocation
    than the results, a few minutes apart, so another invocation id alone is not evidence.
    Evidence is results naming nodes the manifest does not have (renamed or deleted since),
    models the run built from other code than the manifest holds (`rewritten`: edited, then
    `dbt parse`), or results written long before the manifest (`gap`: `results_gap`) while
    nodes changed (or nothing says they did not). The caller leaves out of `rewritten` and
    `gap` what a run.not_run finding already says of a model built from other code.
    """
    project = ctx.project
    manifest_meta = project.manifest.metadata
    run_meta = project.run_results.metadata if project.run_results else None
    manifest_id = manifest_meta.invocation_id if manifest_meta else None
    run_id = run_meta.invocation_id if run_meta else None
    if manifest_id and run_id and manifest_id == run_id:
        return
    reasons = []
    # The same evidence in short, for the line beside the verdict (`stale_run_note`).
    short: list[str] = []
    details: dict[str, object] = {
        "manifest_invocation_id": manifest_id,
        "run_invocation_id": run_id,
    }
    orphans = sorted(
        uid
        for uid in index.results
        if uid.startswith(_MANIFEST_NODE_PREFIXES) and uid not in project.nodes
    )
    if orphans:
        reasons.append(
            f"{counted(len(orphans), 'result')} for nodes this manifest does not have "
            f"(e.g. {orphans[0]})"
        )
        details["unknown_nodes"] = orphans[:20]
        short.append(f"has {counted(len(orphans), 'result')} for nodes this manifest does not have")
    if rewritten:
        named = sorted(rewritten)
        reasons.append(
            f"{counted(len(named), 'model')} built from other code than the manifest holds, "
            f"edited since the build (e.g. {named[0]})"
        )
        details["built_from_other_code"] = named[:20]
        short.append(f"built {counted(len(named), 'model')} from code edited since")
    # Nodes only: a macro's documentation changes no result of the run.
    changed = None if ctx.changed is None else {uid for uid in ctx.changed if uid in project.nodes}
    if gap is not None and changed != set():
        changed_note = f" and {counted(len(changed), 'node')} changed" if changed else ""
        reasons.append(
            f"{path.name} was written {format_age(gap)} before the manifest (tolerance "
            f"{settings.stale_tolerance_minutes:g} min){changed_note}"
        )
        short.append(f"was written {format_age(gap)} before the manifest")
        details.update(
            manifest_generated_at=manifest_meta.generated_at,
            run_generated_at=run_meta.generated_at,
            gap_seconds=round(gap, 3),
        )
    if reasons:
        ctx.note_partly_checked(stale_run_note(path, short))
        yield Finding(
            code="run.stale_results",
            severity=settings.severity.stale_results,
            message=f"{path.name} may not describe this manifest: " + "; ".join(reasons),
            fix="Gate the manifest.json and run_results.json of the same `dbt build` (`dbt docs "
            "generate`, `dbt source freshness` and `dbt parse` rewrite manifest.json: give them "
            "a `--target-path` of their own).",
            changed=True,
            details={k: v for k, v in details.items() if v is not None},
        )


def slower_findings(ctx: CheckContext, index: RunIndex, settings: RunConfig) -> Iterator[Finding]:
    """Nodes at least `ratio` times slower than in the base build, above the `min_seconds` floor."""
    slower = settings.slower
    if not slower.enabled:
        return
    base_results = ctx.base.run_results if ctx.base is not None else None
    if base_results is None or not index.executed:
        ctx.notes.append(
            "run.slower is enabled but there is no base build's run_results to compare"
        )
        return
    base = index_run_results(base_results)
    if not base.executed:
        ctx.notes.append("run.slower: the base run_results only compiled; no timings to compare")
        return
    for uid in sorted(index.results):
        now = index.results[uid].execution_time or 0.0
        before_result = base.results.get(uid)
        before = before_result.execution_time if before_result else None
        if not before or now < slower.min_seconds or now < slower.ratio * before:
            continue
        yield Finding(
            code="run.slower",
            severity=slower.severity,
            message=f"{_named(ctx.project, uid)} took {now:.1f} s, "
            f"{now / before:.1f}x the base build's {before:.1f} s",
            unique_id=uid,
            fix="Check the change for a lost filter, a join fan-out or a materialization change.",
            details={"execution_time": now, "base_execution_time": before, "ratio": now / before},
        )


def _display(project: Project, uid: str) -> str:
    """The resource's name after its kind (`model orders_summary v2`, `source shop.orders`): the
    version tells one version's result from another's, as every other finding does."""
    resource = project.resource(uid)
    if resource is None:
        return uid
    source_name = getattr(resource, "source_name", None)
    if source_name:
        return f"{source_name}.{resource.name}"
    version = getattr(resource, "version", None)
    return f"{resource.name} v{version}" if version is not None else resource.name


def _named(project: Project, uid: str, on: str | None = None) -> str:
    """A node of the run as the findings name it: its kind and name (`model orders_summary
    v2`, `test not_null_orders_id`), and what a test tests when `on` says it (`on
    orders.id`). A unit test's name is only unique among its model's, so its model is always
    said (`unit test test_dollars on fct_orders`)."""
    if uid.startswith("unit_test."):
        if on is None:
            tested = project.tested_resources().get(uid)
            on = _display(project, tested) if tested is not None else None
        named = f"unit test {_unit_test_name(project, uid)}"
    elif is_test(uid):
        node = project.nodes.get(uid)
        named = f"test {node.name if node is not None else uid}"
    else:
        named = f"{uid.split('.', 1)[0]} {_display(project, uid)}"
    return f"{named} on {on}" if on else named


def _unit_test_name(project: Project, uid: str) -> str:
    """The unit test's name as its YAML gives it (a unit test of several versions of a model
    is one per version, whose unique_id ends in `_v2`), its unique_id when the manifest does
    not have it."""
    unit_test = project.unit_test(uid)
    return unit_test.name if unit_test is not None and unit_test.name else uid


def _compiled_path(node: Node) -> str | None:
    """Where dbt wrote the test's compiled query, as dbt computes it when the manifest omits it."""
    if node.compiled_path:
        return node.compiled_path
    if not node.original_file_path or not node.package_name:
        return None
    if Path(node.path).name == Path(node.original_file_path).name:
        relative = node.original_file_path
    else:
        relative = f"{node.original_file_path}/{node.path}"
    return f"target/compiled/{node.package_name}/{relative}"


def _compiled_query_fix(path: str) -> str:
    """`Run the compiled query (`path`) ...`, its path's span kept (`named_files`) where the code
    span is single backticks (a path holding a backtick stays as it is)."""
    rest = (
        " to see the failing rows; fix the model or the data, or set the test's severity to "
        "warn if it must not block."
    )
    if "`" in path:
        return f"Run the compiled query ({code_span(path)}){rest}"
    return naming("Run the compiled query (`", File(path), f"`){rest}")


def _compiled_from_root(project: Project, node: Node, compiled: str) -> str:
    """The compiled query's path as the reader of the fix opens it. dbt names it from the
    project's folder (`target/compiled/shop/...`), which was wrong from a subfolder or from a
    monorepo's root (`analytics/target/...`); the query lies under `compiled/` of the build's
    target directory, which the gate read, named from the repository's root as findings' files
    are (`locate.display_root`; the console names it from the working directory:
    `named_files`), else absolute (CI's `--artifacts $GITHUB_WORKSPACE/target` put the
    runner's path in the PR comment when it was named as given). A path dbt did not write so
    stays as dbt wrote it."""
    parts = Path(compiled).parts
    starts = [
        i
        for i in range(len(parts) - 1)
        if parts[i] == "compiled" and parts[i + 1] == node.package_name
    ]
    if project.artifacts is None or not starts:
        return compiled
    root = display_root(project.project_dir)
    return display_path(project.artifacts.directory / Path(*parts[starts[0] :]), root)


def _result_details(result: NodeResult) -> dict[str, object]:
    details = {
        "status": result.status,
        "message": _clip(_without_trace(result.message), _EVIDENCE_LIMIT),
        "execution_time": result.execution_time,
        "relation_name": result.relation_name,
    }
    return {k: v for k, v in details.items() if v is not None}


def reason_of(message: str | None) -> str:
    """The reason of dbt's message in one line. dbt heads an error with what the finding already
    says (`Database Error in model orders (models/orders.sql)`) and puts the warehouse's reason on
    the next line: that line is the one worth reading, behind the kind of error. A contract that
    failed says which columns differ only in a table further down: they are the reason."""
    text = _COLOURS.sub("", message or "")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "(no message)"
    header = _ERROR_HEADER.fullmatch(lines[0])
    if header and len(lines) > 1:
        reason = f"{header.group(1)}: {lines[1]}"
        mismatches = contract_mismatches(lines)
        if mismatches:
            reason = f"{reason.removesuffix('.')}: {'; '.join(mismatches)}"
        elif _CSV_ERROR.search(lines[1]):
            # DuckDB's seed load says only the CSV line at first; which column and value would
            # not convert (a `column_types` the data does not fit) comes a few lines further.
            detail = next((line for line in lines[2:] if line.startswith(_CSV_DETAIL)), None)
            reason += f": {detail}" if detail else ""
        return _clip(reason)
    return _clip(lines[0])


# dbt's table of the columns a contract and the model's SQL disagree on.
_CONTRACT_TABLE = ("column_name", "definition_type", "contract_type", "mismatch_reason")


def contract_mismatches(lines: list[str]) -> list[str]:
    """`order_date is VARCHAR in the model's SQL, DATE in its contract`, one per row of the
    table dbt writes under "This model has an enforced contract that failed" (empty without
    one). The reasons are dbt's: `data type mismatch`, `missing in definition`, `missing in
    contract`."""
    rows: list[list[str]] = []
    in_table = False
    for line in lines:
        if not line.startswith("|"):
            if in_table:
                break
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if tuple(cells) == _CONTRACT_TABLE:
            in_table = True
        elif in_table and len(cells) == 4 and not set("".join(cells)) <= {"-", " "}:
            rows.append(cells)
    said = []
    for name, defined, contracted, why in rows:
        if why == "data type mismatch":
            said.append(f"{name} is {defined} in the model's SQL, {contracted} in its contract")
        elif why == "missing in definition":
            said.append(f"{name} is in the contract but not in the model's SQL")
        elif why == "missing in contract":
            said.append(f"{name} is in the model's SQL but not in the contract")
        else:
            said.append(f"{name}: {why}")
    return said


def _without_trace(message: str | None) -> str | None:
    """dbt's message without its Jinja call stack (`> in macro ...`, `> called by ...`), blank
    lines and terminal colours (dbt colours a failed unit test's table of the rows that differ,
    unless it runs with `--no-use-colors`): the evidence a report keeps is the error and its table, not
    the macros."""
    if message is None:
        return None
    kept = [line.rstrip() for line in _COLOURS.sub("", message).splitlines()]
    return "\n".join(line for line in kept if line.strip() and not line.lstrip().startswith(">"))


def _clip(message: str | None, limit: int = _MESSAGE_LIMIT) -> str | None:
    if message is None:
        return None
    return message if len(message) <= limit else message[: limit - 1] + "…"
