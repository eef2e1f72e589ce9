"""What an incremental model's column change does to the table production already has.

A pull request's build makes the model's table afresh (CI's schema has none yet), so its
catalog shows the new columns and every check passes. Production's next run is incremental,
against the table earlier runs wrote, and dbt reconciles the two as the model's
`on_schema_change` says (dbt-core's `on_schema_change.sql`): `ignore`, the default, inserts the
table's own columns, so a column the model no longer selects fails the run and one it added is
left out; `fail` stops on any difference; `append_new_columns` adds new columns and keeps the
dropped ones, NULL in new rows; `sync_all_columns` adds, drops and retypes. Nothing in the pull
request's build shows it, so no other check can.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.artifacts.manifest import is_contracted
from dbtgate.project import display_name

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node, Source
    from dbtgate.diff.changes import Change
    from dbtgate.diff.classify import Emitter

# dbt's `incremental_validate_on_schema_change` takes any other value for `ignore`.
_POLICIES = frozenset({"ignore", "fail", "append_new_columns", "sync_all_columns"})
_TYPE_CODES = frozenset(
    {
        "breaking.type_changed",
        "breaking.type_narrowed",
        "risky.type_changed",
        "risky.type_narrowed",
        "risky.type_widened",
        "risky.type_precision_changed",
        "safe.type_size_widened",
    }
)


def incremental_schema_change(emit: Emitter, old: Node | Source, new: Node | Source) -> None:
    """Says what the next incremental run does with the columns `emit` found changed, when it
    is not what the pull request's build shows: after `schema_changes` of the same model."""
    if new.resource_type != "model" or old.config is None or new.config is None:
        return
    if not old.config.materialized == new.config.materialized == "incremental":
        return
    if new.config.full_refresh:  # every run rebuilds the table
        return
    policy = new.config.on_schema_change
    policy = policy if policy in _POLICIES else "ignore"
    if policy == "sync_all_columns":
        return
    added, removed, retyped = _moves(emit.changes, contracted=is_contracted(new))
    effects = _effects(policy, added, removed, retyped)
    if not effects:
        return
    if new.config.full_refresh is False:
        effects.append("`full_refresh: false` keeps even `--full-refresh` from rebuilding it")
    emit(
        "risky.incremental_schema_change",
        f"{display_name(new)}: incremental model (on_schema_change: {policy}): "
        + "; ".join(effects),
        details={
            "on_schema_change": policy,
            "added": added,
            "removed": removed,
            "retyped": retyped,
        },
    )


def _moves(changes: list[Change], *, contracted: bool) -> tuple[list[str], list[str], list[str]]:
    """The columns added, removed and retyped in the relation dbt builds. Declared columns say
    so only under a contract (which makes the build match them); otherwise a YAML edit is no
    change of the table."""
    added: list[str] = []
    removed: list[str] = []
    retyped: list[str] = []
    for change in changes:
        if change.column is None or (change.column_source == "declared" and not contracted):
            continue
        code = change.code
        if code.endswith(".column_removed"):
            removed.append(change.column)
        elif code.endswith(".column_renamed"):
            removed.append(change.column)
            added.append(change.new or "")
        elif code == "safe.column_added":
            added.append(change.column)
        elif code in _TYPE_CODES and change.details.get("type_change") != "alias":
            retyped.append(change.column)
    return sorted(added), sorted(removed), sorted(retyped)


def _effects(policy: str, added: list[str], removed: list[str], retyped: list[str]) -> list[str]:
    """What the next run does, as the clauses of one message."""
    if policy == "fail":
        moved = [
            f"{verb} {', '.join(columns)}"
            for verb, columns in (("adds", added), ("removes", removed), ("retypes", retyped))
            if columns
        ]
        if not moved:
            return []
        return [f"its next incremental run fails: this change {' and '.join(moved)}"]
    effects = []
    if removed and policy == "ignore":
        effects.append(
            f"its next incremental run fails: the table keeps {', '.join(removed)}, which the "
            "model no longer selects"
        )
    elif removed:
        effects.append(f"the table keeps {', '.join(removed)}, NULL in new rows")
    if added and policy == "ignore":
        effects.append(
            f"{', '.join(added)} not added to the existing table: readers that select "
            f"{'it' if len(added) == 1 else 'them'} fail"
        )
    if retyped:
        effects.append(
            f"{', '.join(retyped)} keep{'s' if len(retyped) == 1 else ''} the old type in the "
            "table: new values are cast to it, or the run fails"
        )
    return effects
