"""Finding: the one type every check produces and every reporter renders.

Checks fill in what they know (code, severity, resource, message, fix); the gate then adds what
needs the whole picture (owner, tier, file and line, whether the resource changed, the waiver or
baseline that applies, and the disposition). A fingerprint identifies "the same problem" across
runs: it hashes the rule, the resource and the column, never line numbers or message wording, so
unrelated edits and rewording do not turn an old finding into a new one.
"""

from __future__ import annotations

from hashlib import sha256
from typing import Any, Literal

import msgspec

Severity = Literal["error", "warn", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warn": 1, "info": 2}

# What the gate decided about a finding:
#   blocking     error in scope, not waived or baselined: fails the gate
#   advisory     reported, does not fail the gate (warn/info, or fail_on threshold)
#   out_of_scope outside what the change touched: an untouched resource or line (scope: changed)
#   waived       an active waiver covers it
#   baselined    recorded in the baseline file: legacy debt
Disposition = Literal["blocking", "advisory", "out_of_scope", "waived", "baselined"]


class WaiverRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """The waiver that covered a finding, as the reports show it."""

    rule: str
    select: str
    reason: str
    owner: str
    expires: str


class Finding(msgspec.Struct, kw_only=True, omit_defaults=True):
    code: str
    severity: Severity
    message: str
    unique_id: str | None = None
    resource_name: str | None = None
    resource_type: str | None = None
    column_name: str | None = None
    # Extra discriminator for the fingerprint when one resource can have several findings of
    # the same rule (e.g. a lint code on a line's content, a run result's test id).
    key: str | None = None
    path: str | None = None
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    owner: str | None = None
    tier: int | None = None
    changed: bool = False
    fingerprint: str = ""
    disposition: Disposition = "advisory"
    waiver: WaiverRef | None = None
    details: dict[str, Any] = {}
    # The config setting the finding is about, and the key in it that is wrong (`meta`,
    # `tier`): where it is placed, on the line that sets it (`diff.settings.setting_of`). Not
    # in any report (`json_report.finding_dict` names the fields it writes): a place is said
    # by `path` and `line`, and in `details` it read as part of what was found.
    setting: tuple[str, str | None] | None = None

    @property
    def family(self) -> str:
        return self.code.split(".", 1)[0]

    def sort_key(self) -> tuple:
        # The place before `key`: a lint code's findings in a file read in line order (their
        # key is the line's text), and one file's before the next's.
        return (
            SEVERITY_ORDER.get(self.severity, 9),
            self.code,
            self.unique_id or "",
            self.column_name or "",
            self.path or "",
            self.line or 0,
            self.column or 0,
            self.key or "",
        )


def on_resources(finding: Finding, selected: set[str] | frozenset[str]) -> bool:
    """Whether the finding is on one of `selected`, or on a test of one (a failed test is the
    tested resource's problem: a waiver or a selection of the model covers it)."""
    if finding.unique_id in selected:
        return True
    tested = finding.details.get("tested_resource") if finding.details else None
    return isinstance(tested, str) and tested in selected


def fingerprint(finding: Finding) -> str:
    """A stable id for "this rule on this resource (and column)" across runs and edits."""
    raw = "\x1f".join(
        (
            finding.code,
            finding.unique_id or finding.path or "",
            finding.column_name or "",
            finding.key or "",
        )
    )
    return sha256(raw.encode()).hexdigest()[:20]
