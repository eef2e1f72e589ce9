"""Groups whose owner the pull request changed: one line a group, for the models it hands over.

A model in a group is owned through it (`owner: {from: [..., group]}`), so a group's new owner
moves every such model at once while no model's record changes: the per-model diff, which skips
equal records, said it only of models the pull request changed otherwise, and then once a model.
A release manager wants it said once, where owner changes are listed: `group finance: owner
Finance Analytics -> Revenue Ops (3 models: ...)`. The models it names are not said again
(`moved_by_group`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.diff.classify import Emitter
from dbtgate.project import RELATION_TYPES, display_name
from dbtgate.wording import counted, first_few

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node, Source
    from dbtgate.diff.changes import Change
    from dbtgate.diff.classify import DiffContext
    from dbtgate.project import Project

# Owner before, owner after (`Project.group_owner`), by group name.
OwnerMoves = dict[str, tuple[str | None, str | None]]


def group_owner_moves(base: Project, pr: Project) -> OwnerMoves:
    """The root package's groups of both builds whose owner differs, by name: a handful of
    groups a project, read once a diff."""
    root = pr.root_package
    moves: OwnerMoves = {}
    for name, group in pr.groups.items():
        if name not in base.groups or (root and group.package_name not in ("", root)):
            continue
        before, after = base.group_owner(name), pr.group_owner(name)
        if before != after:
            moves[name] = (before, after)
    return moves


def moved_by_group(ctx: DiffContext, old: Node | Source, new: Node | Source) -> bool:
    """Whether the resource's owner moved only as its group's did: it stayed in the group and
    its owners before and after are the group's. The group's line names it already."""
    group = getattr(new, "group", None)
    if not group or getattr(old, "group", None) != group or group not in ctx.group_owner_moves:
        return False
    return (ctx.base.owner(old.unique_id), ctx.pr.owner(new.unique_id)) == (
        ctx.group_owner_moves[group]
    )


def group_owner_changes(ctx: DiffContext) -> list[Change]:
    """`safe.group_owner_changed`, once a group whose owner moved, with the resources owned
    through it in both builds (those whose owner moved with it; a model's own meta.owner
    before the group in `owner.from` keeps it where it was)."""
    moves = ctx.group_owner_moves
    if not moves:
        return []
    handed: dict[str, list[Node]] = {name: [] for name in moves}
    for uid, node in ctx.pr.nodes.items():
        group = node.group
        if group in handed and node.resource_type in RELATION_TYPES:
            old = ctx.base.nodes.get(uid)
            if old is not None and moved_by_group(ctx, old, node):
                handed[group].append(node)
    changes: list[Change] = []
    for name in sorted(moves):
        before, after = moves[name]
        nodes = sorted(handed[name], key=lambda node: node.unique_id)
        kind = "model" if all(node.resource_type == "model" for node in nodes) else "resource"
        names = [display_name(node) for node in nodes]
        moved = (
            f"{counted(len(nodes), kind)}: {first_few(names, 3)}"
            if nodes
            else "no model owned through it"
        )
        emit = Emitter(ctx.pr.groups[name])
        emit(
            "safe.group_owner_changed",
            f"group {name}: owner {before or '(none)'} -> {after or '(none)'} ({moved})",
            details={
                "owner": before,
                "new_owner": after,
                "resources": [node.unique_id for node in nodes],
            },
        )
        changes.extend(emit.changes)
    return changes
