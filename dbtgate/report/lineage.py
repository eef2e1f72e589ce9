"""The lineage a reviewer needs: the changed resources, their direct consumers and, as context,
their direct parents, bounded.

The reports are rendered from the JSON report alone, which holds no manifest, so `dbtgate check`
stores this small graph as the report's `lineage` section. Markdown draws it with mermaid and HTML
as an inline SVG; both use `layered_layout` so the picture reads left to right, upstream first.
The parents are there so that every changed resource is connected to what it reads (a new model
would float alone otherwise); they come last when the size cap bites. Size is capped: a PR
touching a hub model must not produce a graph nobody can read (or a comment GitHub refuses), so
the rest (changed resources, consumers and parents alike) is counted in `omitted`. The changed
resources take at most half of the picture first, so that their readers are drawn even when a PR
changes many models.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbtgate.project import Project

MAX_NODES = 40
_DRAWN_TYPES = frozenset({"model", "seed", "snapshot", "source", "exposure"})


def lineage_section(
    project: Project,
    changed: Iterable[str],
    breaking: Iterable[str] = (),
    *,
    max_nodes: int = MAX_NODES,
    with_outcomes: bool = False,
) -> dict[str, Any] | None:
    """Changed resources (and those with breaking changes), plus their direct children and then
    their direct parents (role `parent`), at most `max_nodes` in all; `omitted` counts the
    ones of them not drawn, whatever their role. `with_outcomes`: a node the last run did not
    build, or whose test failed, says so (`run`: `status.results.run_outcomes`)."""
    breaking_ids = set(breaking)
    roots = sorted(
        uid
        for uid in {*changed, *breaking_ids}
        if (resource := project.resource(uid)) is not None
        and resource.resource_type in _DRAWN_TYPES
    )
    if not roots:
        return None
    # Breaking ones first: when the cap bites, they are the ones a reviewer must see.
    roots.sort(key=lambda uid: (uid not in breaking_ids, uid))
    root_ids = set(roots)
    wanted: dict[str, str] = {}

    def add(uid: str, role: str, cap: int = max_nodes) -> None:
        # A changed resource that reads another is drawn as changed, not as its consumer.
        if uid not in wanted and len(wanted) < cap:
            wanted[uid] = "changed" if uid in root_ids else role

    def neighbours(uids: Iterable[str], graph: dict[str, list[str]]) -> list[str]:
        return [
            other
            for uid in uids
            for other in sorted(graph.get(uid, ()))
            if (resource := project.resource(other)) is not None
            and resource.resource_type in _DRAWN_TYPES
        ]

    # At most half the picture for the changed resources, so that who reads them (what a
    # reviewer looks for) is drawn too: 40 breaking changes alone drew a column of red boxes.
    for uid in roots:
        add(uid, "changed", cap=max(1, max_nodes // 2))
    for uid in neighbours([uid for uid in roots if uid in wanted], project.children):
        add(uid, "consumer")
    for uid in roots:  # room the consumers left, and then their consumers
        add(uid, "changed")
    drawn = [uid for uid in roots if uid in wanted]
    for uid in neighbours(drawn, project.children):
        add(uid, "consumer")
    for uid in neighbours(drawn, project.parents):
        add(uid, "parent")
    # Everything the section is about, drawn or not: the readers and parents of a changed
    # resource left out are not drawn either (counting only what was offered to the picture
    # said 25 of 50).
    whole = {*roots, *neighbours(roots, project.children), *neighbours(roots, project.parents)}
    omitted = len(whole - wanted.keys())
    outcomes: Mapping[str, str] = {}
    if with_outcomes:
        from dbtgate.status.results import run_outcomes

        outcomes = run_outcomes(project, wanted)
    nodes = []
    for uid in sorted(wanted):
        resource = project.resource(uid)
        node: dict[str, Any] = {
            "id": uid,
            "name": _display_name(resource),
            "resource_type": resource.resource_type,
            "role": wanted[uid],
            "owner": project.owner(uid),
            "tier": project.tier(uid),
        }
        if uid in breaking_ids:
            node["breaking"] = True
        outcome = outcomes.get(uid)
        if outcome is not None:
            node["run"] = outcome
        nodes.append(node)
    edges = sorted(
        [parent, child]
        for child in wanted
        for parent in project.parents.get(child, ())
        if parent in wanted and parent != child
    )
    return {"nodes": nodes, "edges": edges, "omitted": omitted}


def layered_layout(section: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """(layer, row) per node id: layer = longest path from a root, rows ordered to cut crossings.

    One barycenter pass (each node placed near the average row of its parents) is enough for
    the small graphs drawn here and keeps the result deterministic.
    """
    ids = [node["id"] for node in section.get("nodes", [])]
    known = set(ids)
    parents: dict[str, list[str]] = {uid: [] for uid in ids}
    for parent, child in section.get("edges", []):
        if parent in known and child in known and parent != child:
            parents[child].append(parent)
    layer: dict[str, int] = {}

    def depth(uid: str, seen: frozenset[str]) -> int:
        if uid not in layer:
            ups = [p for p in parents[uid] if p not in seen]
            layer[uid] = 1 + max((depth(p, seen | {uid}) for p in ups), default=-1)
        return layer[uid]

    for uid in sorted(ids):
        depth(uid, frozenset())
    rows: dict[str, int] = {}
    for current in range(max(layer.values(), default=-1) + 1):
        members = sorted(uid for uid in ids if layer[uid] == current)

        def barycenter(uid: str) -> float:
            placed = [rows[p] for p in parents[uid] if p in rows]
            return sum(placed) / len(placed) if placed else 0.0

        members.sort(key=lambda uid: (barycenter(uid), uid))
        for row, uid in enumerate(members):
            rows[uid] = row
    return {uid: (layer[uid], rows[uid]) for uid in ids}


def _display_name(resource: Any) -> str:
    """As the findings name it (`orders_summary v2`), without the `source` prefix: the node's
    label says its type already. (Imported here: the HTML renderer imports this module and
    needs no manifest types.)"""
    from dbtgate.project import display_name

    if resource.resource_type == "source":
        return f"{resource.source_name}.{resource.name}"
    return display_name(resource)
