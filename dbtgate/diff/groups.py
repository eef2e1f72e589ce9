"""Groups of the project: added, removed, or handed to another owner. One line a group.

A model in a group is owned through it (`owner: {from: [..., group]}`), so a group's new owner
moves every such model at once while no model's record changes: the per-model diff, which skips
equal records, said it only of models the pull request changed otherwise, and then once a model.
A release manager wants it said once, where owner changes are listed: `group finance: owner
Finance Analytics -> Revenue Ops (3 models: ...)`. The models it names are not said again
(`moved_by_group`). A new owner email with the same name moves no model's owner, yet it is where
the team's alerts and questions go: it is said the same way, on the group.

A group added or removed is said too, with the models in it: dbt refuses a build whose models
name a group it does not declare, so a removed group's models are elsewhere in the pull
request (their rows say where, and their new owner); the group's line names them, as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.diff.classify import Emitter
from dbtgate.project import RELATION_TYPES, display_name
from dbtgate.wording import counted, first_few

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Group, Node, Source
    from dbtgate.diff.changes import Change
    from dbtgate.diff.classify import DiffContext
    from dbtgate.project import Project

# Owner before, owner after (`Project.group_owner`), by group name.
OwnerMoves = dict[str, tuple[str | None, str | None]]


def _own_groups(project: Project, root: str | None) -> dict[str, Group]:
    """The groups the project declares itself (a package's groups are not the pull request's)."""
    return {
        name: group
        for name, group in project.groups.items()
        if not root or group.package_name in ("", root)
    }


def own_groups(base: Project, pr: Project) -> tuple[dict[str, Group], dict[str, Group]]:
    """Each build's own groups (`_own_groups`, the pull request's root package), once a diff."""
    root = pr.root_package
    return _own_groups(base, root), _own_groups(pr, root)


def group_owner_moves(
    base: Project, pr: Project, groups: tuple[dict[str, Group], dict[str, Group]]
) -> OwnerMoves:
    """The own groups (`own_groups`) of both builds whose owner differs, by name: a handful of
    groups a project, read once a diff."""
    base_groups, pr_groups = groups
    moves: OwnerMoves = {}
    for name in pr_groups.keys() & base_groups.keys():
        before, after = base.group_owner(name), pr.group_owner(name)
        if before != after:
            moves[name] = (before, after)
    return moves


def moved_by_group(ctx: DiffContext, old: Node | Source, new: Node | Source) -> bool:
    """Whether the resource's owner moved only as its group's did: it stayed in the group and
    its owners before and after are the group's. The group's line names it already."""
    group = getattr(new, "group", None)
    if not group or group not in ctx.group_owner_moves:
        return False
    return _owned_through(ctx, group, old, new, ctx.group_owner_moves[group])


def _owned_through(
    ctx: DiffContext,
    group: str,
    old: Node | Source,
    new: Node | Source,
    owners: tuple[str | None, str | None],
) -> bool:
    """The resource stayed in `group`, owned through it in both builds (`owners`: the group's
    owner before and after; a resource whose own meta owner comes first is not)."""
    if getattr(old, "group", None) != group or getattr(new, "group", None) != group:
        return False
    return (ctx.base.owner(old.unique_id), ctx.pr.owner(new.unique_id)) == owners


def _in_group(project: Project, name: str) -> list[Node]:
    """The models (seeds, snapshots) of the build in the group `name`, by unique_id."""
    return sorted(
        (
            node
            for node in project.nodes.values()
            if node.group == name and node.resource_type in RELATION_TYPES
        ),
        key=lambda node: node.unique_id,
    )


def _named(nodes: list[Node], *, none: str, were: bool = False) -> str:
    """`3 models: a, b and c` (`resources` when not all are models; `3 models were in it: ...`
    with `were`), else `none`."""
    if not nodes:
        return none
    kind = "model" if all(node.resource_type == "model" for node in nodes) else "resource"
    counts = counted(len(nodes), kind)
    if were:
        counts += " was in it" if len(nodes) == 1 else " were in it"
    return f"{counts}: {first_few([display_name(node) for node in nodes], 3)}"


def _email(group: Group) -> str | None:
    return (group.owner.email or None) if group.owner else None


def group_owner_changes(ctx: DiffContext) -> list[Change]:
    """`safe.group_owner_changed`, once a group whose owner moved (its name, or its email),
    with the resources owned through it in both builds (those whose owner moved with it; a
    model's own meta.owner before the group in `owner.from` keeps it where it was)."""
    base_groups, pr_groups = ctx.own_groups
    changes: list[Change] = []
    for name, group in sorted(pr_groups.items()):
        if name not in base_groups:
            continue
        move = ctx.group_owner_moves.get(name)
        before, after = move or (ctx.pr.group_owner(name),) * 2
        email, new_email = _email(base_groups[name]), _email(group)
        if before == after and email == new_email:
            continue
        owners = (before, after)
        nodes = [
            node
            for node in _in_group(ctx.pr, name)
            if (old := ctx.base.nodes.get(node.unique_id)) is not None
            and _owned_through(ctx, name, old, node, owners)
        ]
        moved = _named(nodes, none="no model owned through it")
        emails = f"email {email or '(none)'} -> {new_email or '(none)'}"
        if before == after:  # the same name, a new email: whom the group's alerts reach
            reason = f"group {name}: owner {emails} (owner {before}; {moved})"
        elif email != new_email and owners != (email, new_email):
            reason = (
                f"group {name}: owner {before or '(none)'} -> {after or '(none)'}, {emails} "
                f"({moved})"
            )
        else:
            reason = f"group {name}: owner {before or '(none)'} -> {after or '(none)'} ({moved})"
        emit = Emitter(group)
        emit(
            "safe.group_owner_changed",
            reason,
            details={
                "owner": before,
                "new_owner": after,
                "email": email,
                "new_email": new_email,
                "resources": [node.unique_id for node in nodes],
            },
        )
        changes.extend(emit.changes)
    return changes


def groups_added_and_removed(ctx: DiffContext) -> list[Change]:
    """`safe.group_added` with the models in the new group, `safe.group_removed` with the
    models that were in the old one (in the base build; dbt made the pull request move them)."""
    base_groups, pr_groups = ctx.own_groups
    changes: list[Change] = []
    for name in sorted(pr_groups.keys() - base_groups.keys()):
        group = pr_groups[name]
        nodes = _in_group(ctx.pr, name)
        emit = Emitter(group)
        emit(
            "safe.group_added",
            f"group {name} added (owner {ctx.pr.group_owner(name) or '(none)'}; "
            f"{_named(nodes, none='no model in it yet')})",
            details={
                "owner": ctx.pr.group_owner(name),
                "email": _email(group),
                "resources": [node.unique_id for node in nodes],
            },
        )
        changes.extend(emit.changes)
    for name in sorted(base_groups.keys() - pr_groups.keys()):
        group = base_groups[name]
        nodes = _in_group(ctx.base, name)
        emit = Emitter(group, path=group.original_file_path or None)
        emit(
            "safe.group_removed",
            f"group {name} removed (owner {ctx.base.group_owner(name) or '(none)'}; "
            f"{_named(nodes, none='no model was in it', were=True)})",
            details={
                "owner": ctx.base.group_owner(name),
                "email": _email(group),
                "resources": [node.unique_id for node in nodes],
            },
        )
        changes.extend(emit.changes)
    return changes
