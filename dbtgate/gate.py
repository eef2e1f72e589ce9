"""The gate: run every check family, place each finding, and decide pass or fail.

Checks only say what is wrong. The gate adds what needs the whole picture (owner, tier, file and
line, whether the resource changed) and then decides each finding's disposition: blocking,
advisory, out of scope (scope: changed), waived or baselined. The decision is simply "is any
finding blocking". Reporters render the `GateResult`; they never decide anything.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbtgate import __version__
from dbtgate.checks import CHECKS, CheckContext
from dbtgate.findings import Finding, fingerprint
from dbtgate.locate import Locator
from dbtgate.project import Project

# Modules that register check families with `@check`; imported on first gate run.
CHECK_MODULES: tuple[str, ...] = ()


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


def run_gate(context: CheckContext, locator: Locator | None = None) -> GateResult:
    """Run the registered checks on `context` and decide."""
    load_check_modules()
    findings: list[Finding] = []
    for name in sorted(CHECKS):
        findings.extend(CHECKS[name].function(context))
    locator = locator or Locator(context.project.project_dir)
    for finding in findings:
        enrich(finding, context.project, locator, context.changed)
    decide(findings, context)
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


def decide(findings: list[Finding], context: CheckContext) -> None:
    """Disposition of each finding from its severity, the fail_on threshold and the scope."""
    threshold = ("error",) if context.config.fail_on == "error" else ("error", "warn")
    scope_changed = context.config.scope == "changed" and context.changed is not None
    for finding in findings:
        if finding.severity not in threshold:
            finding.disposition = "advisory"
        elif scope_changed and not finding.changed:
            finding.disposition = "out_of_scope"
        else:
            finding.disposition = "blocking"


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
