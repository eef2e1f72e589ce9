"""Who a breaking change hurts: downstream models, semantic models and exposures, how far away,
and their owners.

A reviewer deciding whether to merge a breaking change needs the blast radius, not just the
change: every model and exposure downstream (transitively, with the distance), the owners to warn,
whether the model is public (then other projects may read it and cannot be listed), and for a
column change, whether each direct reader actually selects that column — read from its compiled
SQL with sqlglot, "unknown" when the SQL is not on disk. A change that takes the relation away
(the model removed, or made ephemeral) hurts only who queries the relation itself
(`outside_readers`, other projects): the models that ref() it were changed by the pull request,
or get the ephemeral model inlined, and are named as not hurt. Only breaking changes get an
impact: it is the expensive part, and the only one a decision hangs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.diff.changes import NOT_READERS, Change, Consumer, Impact, Selects
from dbtgate.diff.outside import outside_readers
from dbtgate.project import display_name

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node
    from dbtgate.diff.classify import DiffContext
    from dbtgate.project import Project


def add_impact(ctx: DiffContext, changes: list[Change]) -> None:
    """Fill `impact` on every breaking change (in place)."""
    by_resource: dict[str, Impact] = {}
    for change in changes:
        if change.change_class != "breaking" or change.impact is not None:
            continue  # a semantic layer's removal comes with its readers (`diff.semantic`)
        if change.code == "breaking.access_narrowed":
            # Only other projects lose it: every model of its own still may ref it.
            change.impact = Impact(public=True)
            continue
        if change.code == "breaking.relation_renamed":
            change.impact = relation_impact(ctx, change.unique_id, removed=False, moved=True)
            continue
        if _relation_gone(change):
            change.impact = relation_impact(
                ctx, change.unique_id, removed=change.code == "breaking.model_removed"
            )
            continue
        graph = by_resource.get(change.unique_id)
        if graph is None:
            graph = by_resource[change.unique_id] = downstream(ctx.pr, change.unique_id)
        if change.column is None:
            change.impact = graph
            continue
        change.impact = _with_column(ctx, graph, change.unique_id, change.column)


def _relation_gone(change: Change) -> bool:
    """The change leaves no relation to query: the model removed, or made ephemeral."""
    return change.code == "breaking.model_removed" or (
        change.code == "breaking.materialization_changed" and change.new == "ephemeral"
    )


def relation_impact(
    ctx: DiffContext, unique_id: str, *, removed: bool, moved: bool = False
) -> Impact:
    """Who loses the relation: the exposures and semantic models that query it, other projects
    when it was public, and any model that still refs a removed one. The models that ref() it
    are not hurt: a removed model's base-build readers no longer read it in the pull request,
    an ephemeral model is inlined into its readers, and a ref() follows a relation `moved` to
    another name (as the semantic layer does, which reads the manifest)."""
    exposures, models = [], []
    for reader in outside_readers(ctx.base, ctx.pr, unique_id):
        if moved and reader.resource_type != "exposure":
            continue
        consumer = Consumer(
            unique_id=reader.unique_id,
            name=reader.name,
            resource_type=reader.resource_type,
            depth=1,
            owner=reader.owner,
        )
        (exposures if reader.resource_type == "exposure" else models).append(consumer)
    not_hurt = _ref_readers(ctx.base if removed else ctx.pr, unique_id)
    if removed:
        still = set(ctx.pr.children.get(unique_id, ()))
        models.extend(c for c in not_hurt if c.unique_id in still)
        not_hurt = [c for c in not_hurt if c.unique_id not in still]
    owners = sorted({c.owner for c in (*models, *exposures) if c.owner}, key=str.casefold)
    return Impact(
        models=models,
        exposures=exposures,
        owners=owners,
        public=getattr(ctx.base.resource(unique_id), "access", None) == "public",
        not_hurt=not_hurt,
        not_hurt_because=(
            ("updated" if removed else "moved" if moved else "inlined") if not_hurt else None
        ),
    )


def _ref_readers(project: Project, unique_id: str) -> list[Consumer]:
    """The models and snapshots that ref() `unique_id` in `project` (its direct children)."""
    found = []
    for uid in sorted(project.children.get(unique_id, ())):
        node = project.nodes.get(uid)
        if node is not None and node.resource_type not in NOT_READERS:
            found.append(
                Consumer(
                    unique_id=uid,
                    name=display_name(node),
                    resource_type=node.resource_type,
                    depth=1,
                )
            )
    return found


def downstream(project: Project, unique_id: str) -> Impact:
    """Every model and exposure downstream of `unique_id`, nearest first, and their owners."""
    models: list[Consumer] = []
    exposures: list[Consumer] = []
    for uid, depth in project.descendants(unique_id).items():
        resource = project.resource(uid)
        if resource is None or resource.resource_type in NOT_READERS:
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
    """Whether a semantic model's dimensions, entities or measures name `column`: "yes" in the
    pull request, "was" in the base build only (the pull request cut it out along with the
    column, and who queries the semantic layer for it loses it all the same)."""
    for project, found in ((ctx.pr, "yes"), (ctx.base, "was")):
        semantic = (project.manifest.semantic_models or {}).get(unique_id)
        if semantic is not None and semantic.reads_column(column):
            return found
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
    # Further downstream, only what a direct reader that selects the column (or may) leads
    # to: a dashboard behind a model that does not select it was listed, and its owner pinged.
    reached: set[str] = set()
    for consumer in models:
        if consumer.depth == 1 and consumer.selects_column in ("yes", "unknown", "was"):
            reached.update(ctx.pr.descendants(consumer.unique_id))
    models = [c for c in models if c.depth == 1 or c.unique_id in reached]
    exposures = [c for c in exposures if c.depth == 1 or c.unique_id in reached]
    owners = _column_owners(models, exposures)
    return Impact(models=models, exposures=exposures, owners=owners, public=graph.public)


def _column_owners(models: list[Consumer], exposures: list[Consumer]) -> list[str]:
    """The owners of the readers the column reaches, those the finding lists as affected
    (`impact_text`): a direct reader that selects it or may (its SQL unknown, an exposure), and
    those further downstream only when such a direct model reader passes it on. The owner of a
    dashboard behind a model that does not select the column has nothing to check."""
    passes_on = any(c.depth == 1 and c.selects_column in ("yes", "unknown", "was") for c in models)
    reached = [
        c
        for c in (*models, *exposures)
        if (c.selects_column != "no" if c.depth == 1 else passes_on)
    ]
    return sorted({c.owner for c in reached if c.owner}, key=str.casefold)


def _selects(ctx: DiffContext, child: Node | None, parent: Node | None, column: str) -> Selects:
    if child is None or parent is None:
        return "unknown"
    return reader_selects(ctx, child, parent, column)


def reader_selects(ctx: DiffContext, child: Node, parent: Node, column: str) -> Selects:
    """Whether the model `child` selects `column` of `parent`, read from its compiled SQL in
    the pull request's build; for a reader whose SQL is not there (the run skipped it after an
    upstream failure, or a slim build left it out) but whose file the pull request did not
    change, from its compiled SQL in the base build: the same query."""
    found: Selects = "unknown"
    if ctx.pr_sql is not None:
        found = ctx.pr_sql.selects_column(child, parent, column)
        if found != "unknown" or ctx.pr_sql.text(child) is not None:
            return found
    before = ctx.base.nodes.get(child.unique_id)
    base_parent = ctx.base.nodes.get(parent.unique_id)
    if (
        ctx.base_sql is None
        or before is None
        or base_parent is None
        or before.checksum is None
        or before.checksum != child.checksum
    ):
        return found
    return ctx.base_sql.selects_column(before, base_parent, column)


def _copy(consumer: Consumer, selects: Selects | None) -> Consumer:
    return Consumer(
        unique_id=consumer.unique_id,
        name=consumer.name,
        resource_type=consumer.resource_type,
        depth=consumer.depth,
        owner=consumer.owner,
        selects_column=selects,
    )
