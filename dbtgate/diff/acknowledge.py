"""The accepted ways out of a breaking change, which turn it from an error into a reported change.

A breaking change is sometimes the right change. dbt's answer is a migration path: a new model
version for consumers to move to, or a deprecation_date that tells them when the old shape goes.
Teams also need an explicit "yes, on purpose": an entry in dbtgate.yml with a reason and an owner,
or a pull-request label (`breaking-change-ok`) for a reviewer to apply. Every acknowledged change
stays in the report, with the way out that covered it, so a release manager sees what shipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from dbtgate.diff.changes import Acknowledgement, Change, SchemaDiff
from dbtgate.diff.classify import deprecation_elapsed
from dbtgate.diff.columns import column_key
from dbtgate.errors import DbtgateError
from dbtgate.locate import repository_path
from dbtgate.named_files import File, naming

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node
    from dbtgate.config import BreakingAcknowledgement, BreakingConfig
    from dbtgate.project import Project


class _Builds(msgspec.Struct, frozen=True):
    base: Project
    pr: Project
    today: dt.datetime


def apply_ways_out(
    diff: SchemaDiff,
    base: Project,
    pr: Project,
    settings: BreakingConfig,
    *,
    labels: Iterable[str] = (),
    config_path: Path | None = None,
    today: dt.datetime | None = None,
) -> list[str]:
    """Acknowledge the breaking and risky changes a way out covers (in place); return notes
    about acknowledgements in the config that matched nothing (stale)."""
    ctx = _Builds(base, pr, today or dt.datetime.now(dt.timezone.utc))
    entries = [(entry, _selected(entry, ctx, config_path)) for entry in settings.acknowledge]
    used: set[int] = set()
    new_versions = _new_versions(ctx)
    # GitHub label names are case-insensitive (one label, however it is typed).
    labelled = settings.ack_label.casefold() in {label.casefold() for label in labels}
    for change in diff.changes:
        if change.change_class == "safe":
            continue
        found = None
        if change.change_class == "breaking":
            found = _by_new_version(change, ctx, new_versions) or _by_deprecation(change, ctx)
        if found is None:
            for index, (entry, selected) in enumerate(entries):
                if _covers(entry, selected, change):
                    used.add(index)
                    found = Acknowledgement(
                        way="config",
                        reason=entry.reason,
                        owner=entry.owner,
                        source=_source(config_path, entry.line),
                    )
                    break
        if found is None and labelled and change.change_class == "breaking":
            found = Acknowledgement(
                way="label",
                reason=f"the pull request carries the label {settings.ack_label!r}",
                source=settings.ack_label,
            )
        change.acknowledged = found
    diff.recount()
    return [
        _noted(
            config_path,
            entry.line,
            f": acknowledgement of {entry.change} on {entry.unique_id or entry.select!r} "
            "matches no change against the base build (stale)",
        )
        for index, (entry, _) in enumerate(entries)
        if index not in used
    ]


def _noted(config_path: Path | None, line: int, said: str) -> str:
    """A note on an entry, the config named as reports name it (`_source`, from the root) with
    its path's span kept (`named_files`): the console names it from the working directory."""
    if config_path is None:
        return _where(None, line) + said
    return naming(File(repository_path(config_path)), f":{line}" if line else "", said)


def _source(config_path: Path | None, line: int) -> str:
    """The entry as reports name it: the config from the repository root, like every path."""
    if config_path is None:
        return _where(None, line)
    return f"{repository_path(config_path)}:{line}"


def _where(config_path: Path | None, line: int) -> str:
    path = str(config_path) if config_path is not None else "dbtgate.yml"
    return f"{path}:{line}" if line else path


def _selected(
    entry: BreakingAcknowledgement, ctx: _Builds, config_path: Path | None
) -> set[str] | None:
    """The unique_ids an entry names (None: any). The config loader checked the entry: its
    change matches a code, it names a resource, its selector parses."""
    where = _where(config_path, entry.line)
    if not entry.select:
        return None
    from dbtgate.select import Selection, SelectorError, parse_selector

    try:
        selector = parse_selector(entry.select)
        # The base build too: a removed model is only there.
        return Selection(ctx.pr).select(selector) | Selection(ctx.base).select(selector)
    except SelectorError as exc:
        raise DbtgateError(
            f"{where}: breaking.acknowledge: select {entry.select!r}: {exc}"
        ) from None


def _covers(entry: BreakingAcknowledgement, selected: set[str] | None, change: Change) -> bool:
    if not fnmatchcase(change.code, entry.change):
        return False
    if entry.unique_id is not None and entry.unique_id != change.unique_id:
        return False
    if selected is not None and change.unique_id not in selected:
        return False
    if entry.column is not None:
        return change.column is not None and column_key(entry.column) == column_key(change.column)
    return True


def _new_versions(ctx: _Builds) -> dict[tuple[str, str], list[str]]:
    """Model (package, name) -> versions the pull request adds."""
    found: dict[tuple[str, str], list[str]] = {}
    for node in ctx.pr.relations():
        if node.version is not None and node.unique_id not in ctx.base.nodes:
            found.setdefault((node.package_name, node.name), []).append(str(node.version))
    return found


def _by_new_version(
    change: Change, ctx: _Builds, new_versions: dict[tuple[str, str], list[str]]
) -> Acknowledgement | None:
    resource = _resource(change, ctx)
    if resource is None:
        return None
    added = new_versions.get((resource.package_name, resource.name))
    if not added or (change.version is not None and change.version in added):
        return None
    shown = ", ".join(f"v{v}" for v in sorted(added))
    return Acknowledgement(
        way="new_version",
        reason=f"{shown} of {resource.name} added for consumers to migrate to; consumers pinned "
        f"to {'v' + change.version if change.version else 'the unversioned model'} still break "
        "until they move",
        source=shown,
    )


def _by_deprecation(change: Change, ctx: _Builds) -> Acknowledgement | None:
    if change.code == "breaking.model_removed":
        # A date announces the removal; until it has passed, consumers still ref the model and
        # dbt-core fails the removal too (after it, the removal is safe.deprecated_model_removed).
        return None
    resource = _resource(change, ctx)
    date = getattr(resource, "deprecation_date", None) if resource is not None else None
    if not date:
        return None
    state = "elapsed" if deprecation_elapsed(resource, ctx.today) else "announced"
    return Acknowledgement(
        way="deprecation_date",
        reason=f"{change.name} has a deprecation_date ({date}, {state}): consumers were told",
        source=date,
    )


def _resource(change: Change, ctx: _Builds) -> Node | None:
    """The changed resource in the PR build, else (removed) in the base build."""
    for project in (ctx.pr, ctx.base):
        node = project.nodes.get(change.unique_id)
        if node is not None:
            return node
    return None
