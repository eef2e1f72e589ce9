"""The gate: run every check family, place each finding, and decide pass or fail.

Checks only say what is wrong. The gate adds what needs the whole picture (owner, tier, file and
line, whether the resource changed) and then decides each finding's disposition: blocking,
advisory, outside the change (`out_of_scope`, under scope: changed), waived or baselined. The
decision is simply "is any finding blocking". Reporters render the `GateResult`; they never
decide anything.
"""

from __future__ import annotations

import importlib
import os
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from dbtgate import __version__
from dbtgate.artifacts.manifest import Node, Source
from dbtgate.baseline import (
    LoadedBaseline,
    baseline_notes,
    baseline_report,
    can_baseline,
    can_baseline_code,
    prune_command,
)
from dbtgate.checks import CHECKS, CheckContext
from dbtgate.diff.settings import setting_of
from dbtgate.findings import Finding, fingerprint
from dbtgate.focus import focus_note, keep_focus
from dbtgate.locate import (
    Location,
    Locator,
    display_input,
    display_path,
    display_root,
    shown_outside,
)
from dbtgate.named_files import File, Span, naming, plain_texts, renamed
from dbtgate.project import Project, unreadable_tiers_note
from dbtgate.today import waiver_today
from dbtgate.waivers import apply_waivers, finding_to_waive, suggested_waiver

if TYPE_CHECKING:
    from dbtgate.baseline_renames import Renames

_DISPOSITION = attrgetter("disposition")

# Modules that register check families with `@check`; imported on first gate run.
CHECK_MODULES: tuple[str, ...] = (
    "dbtgate.diff.check",
    "dbtgate.lint.check",
    "dbtgate.rules.policies",
    "dbtgate.status.freshness",
    "dbtgate.status.kpi",
    "dbtgate.status.run",
)


class GateResult(Struct):
    project_name: str
    findings: list[Finding]
    decision: str  # "pass" | "fail"
    sections: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The spans of the paths the notes, the warnings and the findings' fixes name, by their text
    # (`named_files`): the console names those files from the working directory, the reports as
    # the text does.
    named_files: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    not_checked: list[str] = field(default_factory=list)
    partly_checked: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    config_digest: str = ""
    tool_version: str = __version__
    # Completes a finding for the reports (see `complete`); None once all are complete.
    completer: Callable[[Finding], None] | None = None
    # The dbt project whose git commit the reports' audit trail records (`record_checkout`);
    # None once recorded, or without a project.
    checkout_dir: Path | None = None
    # The blocking findings a baseline could hold, when none is in use and the scope does not
    # already keep legacy debt from blocking (`unrecorded_debt`): the console's first-run hint.
    unrecorded_debt: int = 0

    def complete(self, findings: Iterable[Finding] | None = None) -> None:
        """Fill in what only a report needs (owner, tier, YAML file and line, fingerprint: see
        `Completer`) for `findings` (default: all) where the gate left it to be done on demand
        (`run_gate(..., complete=False)`). Locating means parsing the properties YAML of every
        resource with a finding: a console run that shows 600 of 48,000 findings only needs
        the lines of those 600. Idempotent."""
        if self.completer is None:
            return
        for finding in self.findings if findings is None else findings:
            self.completer(finding)
        if findings is None:
            self.completer = None

    def record_checkout(self) -> None:
        """Add the commit checked out, its branches and tags and the count of the project's
        files edited since (`checkout.checked_out`) to
        the inputs, where the reports' audit trail shows them, in the place `describe_inputs`
        gave them (after the project file, which `checkout_dir` comes with: a report's bytes
        keep their order). Looked up for the reports alone: a run printing only the console,
        which does not show them, is spared the git processes and the import of subprocess
        (a few ms, 35 ms for a project of 500 files in a repository of 100,000). Idempotent."""
        directory, self.checkout_dir = self.checkout_dir, None
        if directory is None:
            return
        from dbtgate.checkout import checked_out

        git = checked_out(directory)
        if git is None:
            return
        items = list(self.inputs.items())
        at = [key for key, _ in items].index("project_file") + 1
        self.inputs.clear()
        self.inputs.update([*items[:at], ("git", git), *items[at:]])

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.disposition == "blocking"]

    def count(self, disposition: str) -> int:
        return list(map(_DISPOSITION, self.findings)).count(disposition)


def load_check_modules() -> None:
    for module in CHECK_MODULES:
        importlib.import_module(module)


def run_gate(
    context: CheckContext,
    locator: Locator | None = None,
    families: Collection[str] | None = None,
    *,
    complete: bool = True,
) -> GateResult:
    """Run the registered checks on `context` (only `families` when given) and decide.

    With `complete=False` findings get their owner, tier, file, line and fingerprint only when
    a reporter asks (`GateResult.complete`): nothing in the decision depends on them, except
    fingerprints under a baseline, which are then computed up front."""
    load_check_modules()
    # One day for the whole run, read before any check (a bad DBTGATE_TODAY stops it here, not
    # halfway through the report), so a run across midnight judges every waiver alike.
    context.options["today"] = waiver_today(context.options)
    findings: list[Finding] = []
    # Findings whose family decided `changed` itself (ids: Findings are not hashable).
    self_scoped: set[int] = set()
    for name in sorted(CHECKS):
        if families is not None and name not in families:
            continue
        produced = list(CHECKS[name].function(context))
        if CHECKS[name].owns_changed:
            self_scoped.update(id(finding) for finding in produced)
        findings.extend(produced)
    findings.extend(apply_waivers(findings, context, every_check_ran=families is None))
    if context.changed is not None:
        mark_changed(findings, context.changed, self_scoped)
    project = context.project
    if locator is None:
        locator = Locator(project.project_dir, root_package=project.root_package)
    elif locator.root_package is None:
        # Which resources are an installed package's, whose files are not the root project's.
        locator.root_package = project.root_package
    context.notes.extend(stale_code_notes(context.project, locator))
    tiers_note = unreadable_tiers_note(context.project)
    if tiers_note:
        context.notes.append(tiers_note)
    completer = Completer(context.project, locator)
    if context.options.get("baseline") is not None:
        for finding in findings:
            ensure_fingerprint(finding)
    decide(findings, context, self_scoped, locator)
    focus = context.options.get("focus")
    if focus is not None:  # `check --select`: the verdict of a part of the project
        findings, left_out = keep_focus(findings, focus.selected)
        context.notes.append(focus_note(focus, left_out))
        diff = context.sections.get("diff")
        if diff is not None:  # the schema diff's list and counts: of the selection too
            diff.keep_only(focus.selected)
        fixed = context.sections.get("fixed")
        if fixed is not None:  # what the change fixed: of the selection too
            from dbtgate.status.fixed import fixed_of_selection

            tested = project.tested_resources()
            context.sections["fixed"] = fixed_of_selection(fixed, focus.selected, tested)
    # The order does not depend on completion: a resource finding's location is a function of
    # its code, resource and column, which the sort key compares first.
    findings.sort(key=Finding.sort_key)
    decision = "fail" if any(f.disposition == "blocking" for f in findings) else "pass"
    to_waive = finding_to_waive(findings, context.config)
    if to_waive is not None:
        # Recorded, not worked out by each reporter: the console, the PR comment and the HTML
        # page (rendered now or from gate.json later) show one entry, with one end date.
        completer(to_waive)  # its owner, whom the entry names
        context.sections["suggested_waiver"] = suggested_waiver(
            to_waive, context.options["today"], context.config
        )
    inputs = describe_inputs(context)
    named = dict(context.named_files)  # the fixes' (`named_files.kept`), then the notes'
    result = GateResult(
        unrecorded_debt=unrecorded_debt(findings, context) if decision == "fail" else 0,
        project_name=project.name,
        findings=findings,
        decision=decision,
        sections=context.sections,
        notes=plain_texts(context.notes, named),
        not_checked=context.not_checked,
        partly_checked=plain_texts(context.partly_checked, named),
        warnings=plain_texts([*_artifact_warnings(project, findings), *context.warnings], named),
        named_files=named,
        inputs=inputs,
        config_digest=context.config.digest,
        completer=completer,
        # A project's commit, when its dbt_project.yml is recorded: the reports look it up.
        checkout_dir=project.project_dir if "project_file" in inputs else None,
    )
    if complete:
        result.complete()
    return result


def _artifact_warnings(project: Project, findings: list[Finding]) -> list[str]:
    """What loading the build's artifacts warned of, but that run_results.json is of another
    dbt invocation when a finding says why with its evidence: `run.stale_results`, or a
    `run.not_run` on a model the run built from other code (edited, then `dbt parse`). The
    warning said it first, without. The file each names as it was given
    (`../../target/catalog.json`) is named from the repository's root, as findings' files
    are (`locate.display_root`): a report is the same from whichever folder dbtgate ran, and
    the console names the file from the working directory (`named_files`)."""
    artifacts = project.artifacts
    if artifacts is None:
        return []
    said = artifacts.invocation_warning
    warnings = artifacts.warnings
    if said is not None and any(_says_results_differ(f) for f in findings):
        warnings = [warning for warning in warnings if warning != said]
    if not warnings:
        return []
    root = display_root(project.project_dir)
    return [
        renamed(warning, lambda given: display_input(Path(given), root)) for warning in warnings
    ]


def _says_results_differ(finding: Finding) -> bool:
    return finding.code == "run.stale_results" or (
        finding.code == "run.not_run" and "built_from_other_code" in finding.details
    )


def stale_code_notes(project: Project, locator: Locator) -> list[str]:
    """The files a rule read the code of (`Project.code_start`: the code.* rules, and run.errors
    placing a warehouse's error on its line) that changed since the manifest was written: their
    findings describe the SQL dbt read, which may have moved. Named as the findings name them
    (`locator`)."""
    shown = (locator.file_of(project.resource(uid)) for uid in project.stale_code)
    paths = sorted({path for path in shown if path})
    return [
        naming(
            File(path),
            " changed since the manifest was written: the findings placed on its lines "
            "(code.*, run.errors) describe the SQL dbt read (run `dbt parse` to refresh target/)",
        )
        for path in paths
    ]


def mark_changed(findings: list[Finding], changed: set[str], self_scoped: set[int]) -> None:
    """A finding on a new or modified resource is on what the change touched (`scope: changed`),
    unless its family decided that itself at a finer grain (`self_scoped`)."""
    for finding in findings:
        uid = finding.unique_id
        if uid is not None and not finding.changed and id(finding) not in self_scoped:
            finding.changed = uid in changed


def ensure_fingerprint(finding: Finding) -> None:
    """The finding's fingerprint, unless its check set one (findings on the config file, such as
    a selection rule's or a waiver's, are keyed without the file's path, which depends on the
    working directory)."""
    if not finding.fingerprint:
        finding.fingerprint = fingerprint(finding)


class Completer:
    """Fills in what only a report needs, where the check did not: the resource's name, type,
    owner and tier, the fingerprint, and the YAML file and line.

    What depends only on the resource (the resource itself, its owner and tier) is looked up
    once per resource: at 10,000 models the gate reports 48,000 findings on 11,000 resources."""

    def __init__(self, project: Project, locator: Locator) -> None:
        self.project = project
        self.locator = locator
        self._facts: dict[str, tuple[Any, str | None, int | None] | None] = {}

    def _resource_facts(self, uid: str) -> tuple[Any, str | None, int | None] | None:
        project = self.project
        resource = project.resource(uid)
        facts = (resource, project.owner(uid), project.tier(uid)) if resource is not None else None
        if resource is None and (unit_test := project.unit_test(uid)) is not None:
            # A unit test has no owner or tier of its own: its model's, as a failed data test
            # is its model's problem.
            model = project.tested_resources().get(uid)
            owner, tier = (project.owner(model), project.tier(model)) if model else (None, None)
            facts = (unit_test, owner, tier)
        self._facts[uid] = facts
        return facts

    def __call__(self, finding: Finding) -> None:
        # Runs for every finding a report publishes (48,000 at 10,000 models): the cached
        # facts are read inline, without a call per finding.
        ensure_fingerprint(finding)
        uid = finding.unique_id
        if not uid:
            return
        facts = self._facts.get(uid, False)
        if facts is False:
            facts = self._resource_facts(uid)
        if facts is None:
            return
        resource, owner, tier = facts
        finding.resource_name = finding.resource_name or resource.name
        finding.resource_type = finding.resource_type or resource.resource_type
        if finding.owner is None:
            finding.owner = owner
        if finding.tier is None:
            finding.tier = tier
        if finding.path is None and finding.line is not None:
            # A line of the resource's file (a `code.*` rule): the SQL, not the YAML. An
            # installed package's file that is not there: no place, rather than a wrong one.
            finding.path = self.locator.file_of(resource)
            if finding.path is None:
                finding.line = finding.column = None
        elif finding.path is None:
            location = self._place(finding, resource, uid)
            finding.path, finding.line = location.path or None, location.line

    def _place(self, finding: Finding, resource: Any, uid: str) -> Location:
        """Where in the YAML a finding on `resource` is fixed: a config setting's line, a test's
        or a constraint's list item when the finding is about one, else the resource's (or its
        column's) entry; a test whose rule names no tested resource under its model (a unit
        test: its entry under `unit_tests:`)."""
        locator, project = self.locator, self.project
        parent = test = None
        if resource.resource_type in ("test", "unit_test"):
            # A rule on tests names no tested resource: the project's map of tests (built once,
            # only when a test is reported) places the test under its model.
            details = finding.details or {}
            target = details.get("tested_resource") or project.tested_resources().get(uid)
            parent = project.resource(target) if target else None
        else:
            test = self._named_test(finding, uid)
        setting = setting_of(finding) if isinstance(resource, Node | Source) else None
        if isinstance(resource, Source) and setting is not None:
            return locator.locate_source_setting(resource, setting[0])
        if isinstance(resource, Node) and setting is not None:
            return locator.locate_setting(resource, *setting)
        if test is not None:
            # A finding on a model about one of its tests (a composite-key test of one column):
            # on the test's list item, where the fix is made.
            return locator.locate(test, parent=resource)
        constraint = (finding.details or {}).get("constraint")
        if isinstance(resource, Node) and isinstance(constraint, str):
            # About one of the model's own constraints (a one-column primary key declared at
            # model level): on its item in the model's `constraints:`.
            return locator.locate_constraint(resource, constraint, finding.column_name)
        return locator.locate(resource, finding.column_name, parent=parent)

    def _named_test(self, finding: Finding, uid: str) -> Node | None:
        """The generic test of the finding's resource that its `details["test"]` names, None
        when it names none (or a test of another resource: the finding's own place stays)."""
        named = (finding.details or {}).get("test")
        if not isinstance(named, str):
            return None
        test = self.project.nodes.get(named)
        if test is None or test.resource_type != "test" or test.test_metadata is None:
            return None
        return test if self.project.tested_resources().get(named) == uid else None


def unrecorded_debt(findings: list[Finding], context: CheckContext) -> int:
    """How many blocking findings are policy and lint debt a baseline could hold, when no
    baseline is in use: 0 under `scope: changed` with the change known, where the blocking
    findings are the change's own (a baseline would take them in as debt) and legacy debt
    blocks nothing already."""
    if context.options.get("baseline") is not None:
        return 0
    if context.config.scope == "changed" and context.changed is not None:
        return 0
    # Counted by code, then judged once per code (`can_baseline_code`).
    blocking = Counter(f.code for f in findings if f.disposition == "blocking")
    return sum(count for code, count in blocking.items() if can_baseline_code(code))


def decide(
    findings: list[Finding],
    context: CheckContext,
    self_scoped: Collection[int] = (),
    locator: Locator | None = None,
) -> None:
    """Disposition of each finding: waived (an active waiver covers it), baselined (its
    fingerprint is in the baseline), else from its severity, the fail_on threshold and the scope.

    `self_scoped` holds the ids of findings whose family set `changed` itself (lint, from the
    git diff): scope applies to them even when there is no base build to compare with.
    `locator` names the project's files in the baseline's notes as the findings name them."""
    threshold = ("error",) if context.config.fail_on == "error" else ("error", "warn")
    scope_changed = context.config.scope == "changed"
    base_known = context.changed is not None
    # Lint findings carry their own scope (the changed lines): the note is about the others.
    if scope_changed and not base_known and any(id(f) not in self_scoped for f in findings):
        # Lint scoped its own findings (git's changed lines): "every resource" would contradict
        # the lint findings listed as outside the change under this very note.
        but_lint = (
            " (lint's: only on the SQL lines changed since the base branch)"
            if any(id(f) in self_scoped and not f.changed for f in findings)
            else ""
        )
        context.notes.append(
            "scope: changed, but there is no base build to compare with (--base): "
            f"findings on every resource are gated{but_lint}"
        )
    baseline = context.options.get("baseline")
    baselined = baseline.fingerprints if baseline is not None else frozenset()
    renames = find_renames(baseline, findings, context) if baseline is not None else None
    carried = renames.carried if renames is not None else {}
    # Asked of each of the ~37,000 findings at 10,000 models only when they can apply.
    any_baselined = bool(baselined or carried)
    for finding in findings:
        if finding.waiver is not None:
            finding.disposition = "waived"
        elif (
            any_baselined
            and (finding.fingerprint in baselined or id(finding) in carried)
            and can_baseline(finding)
        ):
            finding.disposition = "baselined"
        elif (
            scope_changed
            and not finding.changed
            and (base_known or id(finding) in self_scoped)  # the finding's scope is known
        ):
            # Whatever its severity: "advisory" is what to consider about the change itself,
            # not warnings about resources the change did not touch.
            finding.disposition = "out_of_scope"
        elif finding.severity not in threshold:
            finding.disposition = "advisory"
        else:
            finding.disposition = "blocking"
    if baseline is not None and renames is not None:
        project = context.project
        used = context.sections["baseline"] = baseline_report(
            baseline,
            findings,
            checked=context.coverage.checked,
            built=_built(project),
            carried=carried.values(),
            renamed=renames.under_new_names,
        )
        prune = prune_command(baseline, context.config.baseline)
        # The project's files named as findings name them (`locator`), from the root.
        shown = locator.display if locator is not None else str
        context.notes.extend(baseline_notes(used, prune, renames.under_new_names, shown))


def find_renames(
    baseline: LoadedBaseline, findings: list[Finding], context: CheckContext
) -> Renames:
    """The findings (by id) a baseline entry matches under a new name, and the resources
    paired old -> new: a model renamed with its file unchanged (`same_file_pairs`, one old and
    one new resource of a checksum, and `renamed_matches`), one whose file git reads as
    renamed, edited too (`moved_pairs`; each resource paired once, git's pair over the
    checksum's where they disagree, `one_pair_each`; git is asked only when its answer could
    pair an entry or contradict the checksum, `git_could_pair`), a source reading the same
    table as one no longer built (`same_table_pairs`), a column the schema diff read as
    renamed, on a renamed resource too (`renamed_columns_across`; the last two only with a
    base build). Imported here: a check without a baseline does not load the column keys it
    matches by."""
    from dbtgate.baseline_renames import (
        Renames,
        git_could_pair,
        moved_matches,
        moved_pairs,
        one_pair_each,
        orphaned,
        renamed_column_matches,
        renamed_matches,
        same_file_pairs,
        same_table_matches,
        same_table_pairs,
    )

    project = context.project
    pairs = same_file_pairs(baseline, project, context.base)
    by_git: dict[str, tuple[str, str]] = {}
    if project.project_dir is not None and git_could_pair(baseline, project, context.base, pairs):
        from dbtgate.git_renames import base_refs, renamed_files

        compared = context.options.get("inputs", {}).get("base_ref") or {}
        refs = base_refs(compared.get("sha") or compared.get("ref"), os.environ)
        moved = renamed_files(project.project_dir, refs)
        pairs, by_git = one_pair_each(pairs, moved_pairs(baseline, project, context.base, moved))
    renames = Renames(renamed_matches(baseline, findings, pairs))
    renames.add_pairs(pairs)
    renames.add_pairs(by_git)
    renames.carried.update(moved_matches(baseline, findings, by_git, renames.carried.keys()))
    if context.base is not None and orphaned(baseline, project, renames.carried.values()):
        pairs = same_table_pairs(baseline, project, context.base)
        renames.add_pairs(pairs)
        renames.carried.update(
            same_table_matches(baseline, findings, pairs, renames.carried.keys())
        )
    diff = context.sections.get("diff")
    if diff is not None:
        renames.columns.update(diff.renamed_columns())
    if context.base is not None and renames.resources:
        from dbtgate.diff.compare import renamed_columns_across

        # A renamed resource is removed and added to the schema diff: its columns are
        # compared here, old with new, for the column entries its rename left behind.
        taken = {c.entry.fingerprint for c in renames.carried.values()}
        columns_left = {
            e.unique_id: renames.resources[e.unique_id]
            for e in baseline.baseline.findings
            if e.column_name and e.unique_id in renames.resources and e.fingerprint not in taken
        }
        if columns_left:
            renames.columns.update(renamed_columns_across(context.base, project, columns_left))
    renames.carried.update(
        renamed_column_matches(baseline, findings, renames.columns, renames.resources)
    )
    return renames


def _built(project: Project) -> Callable[[str, str | None], bool | None]:
    """Whether a baseline entry's resource (and column) is in the build: None for a column no
    YAML declares in a build without catalog.json, which may well still be in the table (a
    rule that counts the warehouse's columns judged the declared ones only)."""

    def built(unique_id: str, column: str | None) -> bool | None:
        if project.has_built(unique_id, column):
            return True
        if column is not None and project.catalog is None and project.resource(unique_id):
            return None
        return False

    return built


def describe_inputs(context: CheckContext) -> dict[str, Any]:
    """What the verdict was computed from, for the audit trail in every report. Paths are relative
    to the repository root, as finding paths are (`locate.display_root`), so a report means the
    same whichever folder dbtgate ran in; `project_file` is where a finding without a file of its
    own (a project-wide KPI) points in SARIF and GitLab, which need a file for every result;
    the commit it was of follows it, added when a report is built (`GateResult.record_checkout`).
    A build's file outside the repository keeps its absolute path, for tools, and gets the
    name the reports show (`locate.shown_outside`)."""
    project_dir = context.project.project_dir
    root = display_root(project_dir)
    inputs: dict[str, Any] = {}
    base_ref = context.options.get("inputs", {}).get("base_ref")
    for role, project in (("artifacts", context.project), ("base", context.base)):
        if project is None or project.artifacts is None:
            continue
        files = {}
        for kind, loaded in project.artifacts.files():
            metadata = getattr(loaded.data, "metadata", None)
            path = display_path(loaded.path, root)
            files[kind] = {
                "path": path,
                "schema_version": loaded.schema_version,
                "dbt_version": getattr(metadata, "dbt_version", None),
                "generated_at": getattr(metadata, "generated_at", None),
                "invocation_id": getattr(metadata, "invocation_id", None),
            }
            if Path(path).is_absolute():
                ref = base_ref if role == "base" else None
                files[kind]["shown"] = shown_outside(loaded.path, ref, os.environ)
        inputs[role] = files
    if context.config.scope == "changed":
        # What the reports need to tell "nothing outside the change" from a scope under which
        # nothing can be (`scope: all`, the default, recorded as no entry).
        inputs["scope"] = "changed"
    if context.config.path is not None:
        inputs["config"] = display_input(context.config.path, root)
    if context.config.waivers:
        # The day the waivers' expiry was judged on, which the report's wording counts from.
        inputs["waivers_as_of"] = waiver_today(context.options).isoformat()
    if project_dir is not None and (project_dir / "dbt_project.yml").is_file():
        inputs["project_file"] = display_path(project_dir / "dbt_project.yml", root)
    inputs.update(context.options.get("inputs", {}))
    return inputs
