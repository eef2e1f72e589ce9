"""The registry of check families the gate runs.

A check family (policies, breaking changes, run status, lint, ...) is one function of the
`CheckContext` that yields findings. Families register themselves with `@check`; the gate imports
the modules listed in `dbtgate.gate.CHECK_MODULES` and runs every registered family in name order,
so adding a family never touches the gate or the reporters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from dbtgate.coverage import Coverage

if TYPE_CHECKING:
    from dbtgate.config import Config
    from dbtgate.findings import Finding
    from dbtgate.named_files import Span
    from dbtgate.project import Project
    from dbtgate.state_modified import DbtState


class CheckContext(Struct):
    """What a check may look at. Checks must not read files, environment or globals."""

    project: Project
    config: Config
    base: Project | None = None
    # Options from the command line that are not config (e.g. acknowledgement labels).
    options: dict[str, Any] = field(default_factory=dict)
    # Report sections a check contributes besides findings (e.g. "diff", "kpis").
    sections: dict[str, Any] = field(default_factory=dict)
    # One-line notes for the reader (e.g. "sources.json absent: freshness not gated").
    notes: list[str] = field(default_factory=list)
    # What the verdict does not cover, and why, beside the verdict in every report: a pass
    # without policies or without the last run's results must not read as a pass of them.
    # ("source freshness (no sources.json)", "breaking changes (no base build: --base PATH|REF)").
    not_checked: list[str] = field(default_factory=list)
    # The notes (each also in `notes`) that say the verdict covers something in part only, shown
    # beside the verdict in every report, not in the audit trail alone: "no breaking changes"
    # reads otherwise when relations were compared by their YAML columns only.
    partly_checked: list[str] = field(default_factory=list)
    # What may make the verdict wrong, shown before everything else (e.g. a base build of
    # another project); the artifacts' own warnings join them.
    warnings: list[str] = field(default_factory=list)
    # unique_ids new or modified against the base; None when there is no base to compare with.
    changed: set[str] | None = None
    # The change set as dbt's `state:modified` reads it, for `state:` selectors: one per check,
    # so what it reads apart from the manifests is read once for the policies and --select.
    dbt_state: DbtState | None = None
    # The spans of the files a finding's fix names, by its text (`named_files.kept`): the
    # console names them from the working directory (`GateResult.named_files`).
    named_files: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    # What the checks applied where (rules to resources, lint to files): what a baseline entry
    # not seen must have been looked for by, to be called fixed.
    coverage: Coverage = field(default_factory=Coverage)

    def note_partly_checked(self, note: str) -> None:
        """A note that says the verdict covers something in part only (a policy whose selection
        is empty, a gated KPI without data): in the audit trail's `notes` and beside the
        verdict (`partly_checked`), where a team that believes it is checked reads it."""
        self.notes.append(note)
        self.partly_checked.append(note)

    @property
    def config_name(self) -> str:
        """The config file's name as notes name it (`dbtgate.yml`, `Config.name`)."""
        return self.config.name


CheckFunction = Callable[[CheckContext], Iterable["Finding"]]


class Check(Struct, frozen=True):
    name: str
    function: CheckFunction
    # The family sets `Finding.changed` itself at a finer grain than the resource (lint: the
    # changed lines), so the gate must not widen it to "the resource changed".
    owns_changed: bool = False


CHECKS: dict[str, Check] = {}


def check(name: str, *, owns_changed: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check family under `name`."""

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS[name] = Check(name, function, owns_changed)
        return function

    return register
