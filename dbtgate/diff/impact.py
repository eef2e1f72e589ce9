"""Who a breaking change hurts: downstream models, semantic models and exposures, how far away,
and their owners.

A reviewer deciding whether to merge a breaking change needs the blast radius, not just the
change: every model and exposure downstream (transitively, with the distance), the owners to warn,
whether the model is public (then other projects may read it and cannot be listed), and for a
column change, whether each direct reader actually selects that column — read from its compiled
SQL with sqlglot, "unknown" when the SQL is not on disk. Only breaking changes get an impact: it
is the expensive part, and the only one a decision hangs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.diff.changes import Change, Consumer, Impact, Selects
from dbtgate.project import display_name

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node
    from dbtgate.diff.classify import DiffContext
    from dbtgate.project import Project

_NOT_CONSUMERS = frozenset({"test", "unit_test"})


def add_impact(ctx: DiffContext, changes: list[Change]) -> None:
    """Fill `impact` on every breaking change (in place)."""
    by_resource: dict[str, Impact] = {}
    for change in changes:
        if change.change_class != "breaking":
            continue
        removed = change.unique_id not in ctx.pr.nodes and change.unique_id not in ctx.pr.sources
        # A removed model's readers are those of the base build: the PR has already cut them off.
        project = ctx.base if removed else ctx.pr
        graph = by_resource.get(change.unique_id)
        if graph is None:
            graph = by_resource[change.unique_id] = downstream(project, change.unique_id)
        if change.column is None or removed:
            change.impact = graph
            continue
        change.impact = _with_column(ctx, graph, change.unique_id, change.column)


def downstream(project: Project, unique_id: str) -> Impact:
    """Every model and exposure downstream of `unique_id`, nearest first, and their owners."""
    models: list[Consumer] = []
    exposures: list[Consumer] = []
    for uid, depth in project.descendants(unique_id).items():
        resource = project.resource(uid)
        if resource is None or resource.resource_type in _NOT_CONSUMERS:
            continue
        consumer = Consumer(
            unique_id=uid,
            name=display_name(resource),
            resource_type=resource.resource_type,
            depth=depth,
            owner=project.owner(uid),
        )
        (exposures if resource.resource_type == "exposure" else models).append(consumer)
    models.extend(_semantic_consumers(project, unique_id, {c.unique_id: c.depth for c in models}))
    models.sort(key=lambda c: (c.depth, c.unique_id))
    exposures.sort(key=lambda c: (c.depth, c.unique_id))
    owners = sorted({c.owner for c in (*models, *exposures) if c.owner}, key=str.casefold)
    resource = project.resource(unique_id)
    public = getattr(resource, "access", None) == "public"
    return Impact(models=models, exposures=exposures, owners=owners, public=public)


def _semantic_consumers(project: Project, unique_id: str, depths: dict[str, int]) -> list[Consumer]:
    """The semantic models built on the changed resource (depth 1) or on a model downstream of
    it (one step further): dbt's semantic layer reads their columns, metrics read them."""
    found: dict[str, Consumer] = {}
    for reads, depth in ((unique_id, 0), *depths.items()):
        for semantic in project.semantic_readers(reads):
            if semantic.unique_id not in found or found[semantic.unique_id].depth > depth + 1:
                found[semantic.unique_id] = Consumer(
                    unique_id=semantic.unique_id,
                    name=semantic.name,
                    resource_type="semantic_model",
                    depth=depth + 1,
                )
    return list(found.values())


def semantic_selects(ctx: DiffContext, unique_id: str, column: str) -> Selects:
    """Whether a semantic model's dimensions, entities or measures name `column` (in the base
    build: the pull request may have cut it out along with the column)."""
    for project in (ctx.base, ctx.pr):
        semantic = (project.manifest.semantic_models or {}).get(unique_id)
        if semantic is not None and semantic.reads_column(column):
            return "yes"
    return "no"


def _with_column(ctx: DiffContext, graph: Impact, unique_id: str, column: str) -> Impact:
    """The same impact, with each direct reader marked by whether its SQL selects `column`."""
    parent = ctx.pr.nodes.get(unique_id)
    models = []
    for consumer in graph.models:
        selects: Selects | None = None
        if consumer.depth == 1 and consumer.resource_type == "semantic_model":
            selects = semantic_selects(ctx, consumer.unique_id, column)
        elif consumer.depth == 1:
            child = ctx.pr.nodes.get(consumer.unique_id)
            selects = _selects(ctx, child, parent, column)
        models.append(_copy(consumer, selects))
    exposures = [_copy(c, "unknown" if c.depth == 1 else None) for c in graph.exposures]
    return Impact(models=models, exposures=exposures, owners=graph.owners, public=graph.public)


def _selects(ctx: DiffContext, child: Node | None, parent: Node | None, column: str) -> Selects:
    if child is None or parent is None or ctx.pr_sql is None:
        return "unknown"
    return ctx.pr_sql.selects_column(child, parent, column)


def _copy(consumer: Consumer, selects: Selects | None) -> Consumer:
    return Consumer(
        unique_id=consumer.unique_id,
        name=consumer.name,
        resource_type=consumer.resource_type,
        depth=consumer.depth,
        owner=consumer.owner,
        selects_column=selects,
    )
