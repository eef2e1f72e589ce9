"""What the schema diff reports: each change with its class, code, reason, impact and way out.

These are the records the diff section of every report is rendered from (console table, JSON,
markdown), so they are msgspec Structs with a stable field order and only JSON-able values.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal

import msgspec

from dbtgate.diff.columns import column_key
from dbtgate.wording import acknowledged_words

ChangeClass = Literal["breaking", "risky", "safe"]
CLASS_ORDER: dict[str, int] = {"breaking": 0, "risky": 1, "safe": 2}

# Which `breaking:` setting decides a change's severity.
#   versioned_contract / unversioned_contract   dbt-core's contract rules (error / warn in dbt-core)
#   uncontracted_with_consumers                 models without a contract that others read
#   risky                                       not breaking, worth a look
#   safe                                        reported, never a finding
Policy = Literal[
    "versioned_contract", "unversioned_contract", "uncontracted_with_consumers", "risky", "safe"
]
WayOut = Literal["new_version", "deprecation_date", "config", "label"]
# "was": a semantic model named the column in the base build and no longer does (the pull
# request cut its dimension or measure along with the column): who queries it loses it.
Selects = Literal["yes", "no", "unknown", "was"]
NotHurt = Literal["inlined", "updated", "moved"]
# Children of a resource that no change of it hurts: its tests (their failures are the run's
# findings), and analyses, which dbt compiles on demand and never builds (`dbt build` leaves
# their SQL unwritten, so each read as a reader "not known whether it selects" a removed column,
# and made the removal breaking).
NOT_READERS = frozenset({"test", "unit_test", "analysis"})

_S: dict[str, Any] = {"omit_defaults": True, "kw_only": True}


class Consumer(msgspec.Struct, **_S):
    """A resource downstream of a changed one."""

    unique_id: str
    name: str
    resource_type: str
    depth: int
    owner: str | None = None
    # Direct children only: whether its compiled SQL reads the affected column.
    selects_column: Selects | None = None


class Impact(msgspec.Struct, **_S):
    """Who the change hurts (models, semantic models, exposures, other projects) and their
    owners; and the readers it does not hurt, named so a reviewer need not wonder about them."""

    models: list[Consumer] = []
    exposures: list[Consumer] = []
    owners: list[str] = []
    # access: public: projects outside this one may ref it, and cannot be listed here.
    public: bool = False
    # Models that read the resource through ref() but keep working, and why: "inlined" (dbt
    # inlines a model made ephemeral into them as a CTE), "updated" (they read a removed model
    # in the base build; the pull request changed them to read something else).
    not_hurt: list[Consumer] = []
    not_hurt_because: NotHurt | None = None


class Acknowledgement(msgspec.Struct, **_S):
    """Why a breaking change does not fail the gate."""

    way: WayOut
    reason: str
    owner: str | None = None
    # Where the acknowledgement comes from: `dbtgate.yml:12`, the label, the new version's id.
    source: str | None = None

    def status(self) -> str:
        """`acknowledged (label breaking-change-ok)`: which way out, and which label, config
        entry or version, as the diff table's status column says it."""
        return acknowledged_words(self.way, self.source)

    def explained(self) -> str:
        """The status with who acknowledged the change and why (`wording.acknowledged_words`)."""
        return acknowledged_words(self.way, self.source, self.owner, self.reason)


class Change(msgspec.Struct, **_S):
    change_class: ChangeClass
    code: str
    unique_id: str
    name: str
    resource_type: str
    reason: str
    policy: Policy
    column: str | None = None
    old: str | None = None
    new: str | None = None
    version: str | None = None
    # Extra discriminator when one resource has several changes of one code (constraints).
    key: str | None = None
    # The witness the columns were compared on: catalog, declared or inferred.
    column_source: str | None = None
    # Where the change is declared, for findings on resources the PR build no longer has.
    path: str | None = None
    # The line of the resource's own file (its SQL) the change is on, when the diff knows it:
    # a changed query's filter or grain, at the first line the pull request edited.
    line: int | None = None
    details: dict[str, Any] = {}
    impact: Impact | None = None
    acknowledged: Acknowledgement | None = None

    def sort_key(self) -> tuple:
        return (
            CLASS_ORDER[self.change_class],
            self.unique_id,
            self.code,
            (self.column or "").casefold(),
            self.key or "",
        )


class UnknownRelation(msgspec.Struct, **_S):
    """A relation in both builds whose columns could not be compared, and why."""

    unique_id: str
    reason: str


class SchemaDiff(msgspec.Struct, **_S):
    base_dbt_version: str | None = None
    pr_dbt_version: str | None = None
    adapter: str | None = None
    changes: list[Change] = []
    unknown: list[UnknownRelation] = []
    notes: list[str] = []
    counts: dict[str, int] = {}

    def keep_only(self, selected: Collection[str]) -> None:
        """The changes (and relations not compared) of the `selected` resources alone, counted
        again: `--select` gates a part of the project, and its diff is of that part."""
        self.changes = [change for change in self.changes if change.unique_id in selected]
        self.unknown = [relation for relation in self.unknown if relation.unique_id in selected]
        self.recount()

    def recount(self) -> None:
        found = {"breaking": 0, "risky": 0, "safe": 0, "acknowledged": 0}
        for change in self.changes:
            found[change.change_class] += 1
            if change.acknowledged is not None:
                found["acknowledged"] += 1
        self.counts = found

    def renamed_columns(self) -> dict[tuple[str, str], str]:
        """(unique_id, old column case-folded) -> new name, for each column the diff read as
        renamed (removed, and one of the same known type added at its position): a rename
        reported as such, or as the removal it is to a consumer (a contracted column's "renamed
        to X?", a versioned model's "a rename on a versioned model is a removal"). What a
        baseline entry on the old column follows (`baseline_renames.renamed_column_matches`)."""
        renamed: dict[tuple[str, str], str] = {}
        for change in self.changes:
            new = (
                change.new
                if change.code.endswith(".column_renamed")
                else change.details.get("possibly_renamed_to")
            )
            if change.column and isinstance(new, str):
                renamed[(change.unique_id, column_key(change.column))] = new
        return renamed
