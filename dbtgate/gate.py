"""The gate: run every check family, place each finding, and decide pass or fail.

Checks only say what is wrong. The gate adds what needs the whole picture (owner, tier, file and
line, whether the resource changed) and then decides each finding's disposition: blocking,
advisory, out of scope (scope: changed), waived or baselined. The decision is simply "is any
finding blocking". Reporters render the `GateResult`; they never decide anything.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbtgate import __version__
from dbtgate.checks import CHECKS, CheckContext
from dbtgate.findings import Finding, fingerprint
from dbtgate.locate import Locator
from dbtgate.project import Project
from dbtgate.waivers import apply_waivers

# Modules that register check families with `@check`; imported on first gate run.
CHECK_MODULES: tuple[str, ...] = (
    "dbtgate.diff.check",
    "dbtgate.lint.check",
    "dbtgate.rules.policies",
    "dbtgate.status.freshness",
    "dbtgate.status.kpi",
    "dbtgate.status.run",
)


@dataclass
class GateResult:
    project_name: str
    findings: list[Finding]
    decision: str  # "pass" | "fail"
    sections: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    config_digest: str = ""
    tool_version: str = __version__

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.disposition == "blocking"]

    def count(self, disposition: str) -> int:
        return sum(1 for f in self.findings if f.disposition == disposition)


def load_check_modules() -> None:
    for module in CHECK_MODULES:
        importlib.import_module(module)


def run_gate(
    context: CheckContext,
    locator: Locator | None = None,
    families: Collection[str] | None = None,
) -> GateResult:
    """Run the registered checks on `context` (only `families` when given) and decide."""
    load_check_modules()
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
    locator = locator or Locator(context.project.project_dir)
    for finding in findings:
        changed = None if id(finding) in self_scoped else context.changed
        enrich(finding, context.project, locator, changed)
    decide(findings, context, self_scoped)
    findings.sort(key=Finding.sort_key)
    decision = "fail" if any(f.disposition == "blocking" for f in findings) else "pass"
    project = context.project
    return GateResult(
        project_name=project.name,
        findings=findings,
        decision=decision,
        sections=context.sections,
        notes=context.notes,
        warnings=project.artifacts.warnings if project.artifacts else [],
        inputs=describe_inputs(context),
        config_digest=context.config.digest,
    )


def enrich(finding: Finding, project: Project, locator: Locator, changed: set[str] | None) -> None:
    """Fill in owner, tier, location, changed flag and fingerprint where the check did not."""
    uid = finding.unique_id
    resource = project.resource(uid) if uid else None
    if resource is not None:
        finding.resource_name = finding.resource_name or resource.name
        finding.resource_type = finding.resource_type or resource.resource_type
        if finding.owner is None:
            finding.owner = project.owner(uid)
        if finding.tier is None:
            finding.tier = project.tier(uid)
        if finding.path is None:
            parent = None
            if getattr(resource, "resource_type", None) == "test":
                target = (finding.details or {}).get("tested_resource")
                parent = project.resource(target) if target else None
            location = locator.locate(resource, finding.column_name, parent=parent)
            finding.path, finding.line = location.path or None, location.line
    if changed is not None and uid is not None:
        finding.changed = finding.changed or uid in changed
    if not finding.fingerprint:
        finding.fingerprint = fingerprint(finding)


def decide(
    findings: list[Finding], context: CheckContext, self_scoped: Collection[int] = ()
) -> None:
    """Disposition of each finding: waived (an active waiver covers it), baselined (its
    fingerprint is in the baseline), else from its severity, the fail_on threshold and the scope.

    `self_scoped` holds the ids of findings whose family set `changed` itself (lint, from the
    git diff): scope applies to them even when there is no base build to compare with."""
    threshold = ("error",) if context.config.fail_on == "error" else ("error", "warn")
    scope_changed = context.config.scope == "changed"
    base_known = context.changed is not None
    # Lint findings carry their own scope (the changed lines): the note is about the others.
    if scope_changed and not base_known and any(id(f) not in self_scoped for f in findings):
        context.notes.append(
            "scope: changed, but there is no base build to compare with (--base): "
            "findings on every resource are gated"
        )
    baseline = context.options.get("baseline")
    baselined = baseline.fingerprints if baseline is not None else frozenset()
    for finding in findings:
        in_scope_known = base_known or id(finding) in self_scoped
        if finding.waiver is not None:
            finding.disposition = "waived"
        elif finding.fingerprint in baselined:
            finding.disposition = "baselined"
        elif finding.severity not in threshold:
            finding.disposition = "advisory"
        elif scope_changed and in_scope_known and not finding.changed:
            finding.disposition = "out_of_scope"
        else:
            finding.disposition = "blocking"
    if baseline is not None:
        from dbtgate.baseline import baseline_report, fixed_note

        used = context.sections["baseline"] = baseline_report(baseline, findings)
        note = fixed_note(used)
        if note:
            context.notes.append(note)


def describe_inputs(context: CheckContext) -> dict[str, Any]:
    """What the verdict was computed from, for the audit trail in every report."""
    inputs: dict[str, Any] = {}
    for role, project in (("artifacts", context.project), ("base", context.base)):
        if project is None or project.artifacts is None:
            continue
        artifacts = project.artifacts
        files = {}
        for kind, loaded in (
            ("manifest", artifacts.manifest),
            ("run_results", artifacts.run_results),
            ("catalog", artifacts.catalog),
            ("sources", artifacts.sources),
        ):
            if loaded is None:
                continue
            metadata = getattr(loaded.data, "metadata", None)
            files[kind] = {
                "path": _display_path(loaded.path),
                "schema_version": loaded.schema_version,
                "dbt_version": getattr(metadata, "dbt_version", None),
                "generated_at": getattr(metadata, "generated_at", None),
                "invocation_id": getattr(metadata, "invocation_id", None),
            }
        inputs[role] = files
    if context.config.path is not None:
        inputs["config"] = _display_path(context.config.path)
    inputs.update(context.options.get("inputs", {}))
    return inputs


def _display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
