"""The semantic layer's changes: metrics, saved queries and semantic models removed or added,
and a semantic model's dimensions, measures and entities.

The project builds as before when one goes, so nothing else in dbt says so; but the semantic
layer is queried by name, and what named it loses it. Who did is read from both builds: the
metrics built on a removed one (derived, ratio, cumulative), on a removed semantic model or on
a removed measure; the saved queries and metric filters that name a removed dimension or entity
(`Dimension('order__status')`, `Entity('customer')`); the saved queries listing a removed
metric; and the exposures depending on any of those, however far. dbt-core refuses a build
that still names what it lacks, so the pull request removed or changed those readers along
with it. One it changed returns something else (a saved query's export loses a column), and an
exposure's dashboard does not go with its YAML: a removal that reaches either is breaking, with
them as its impact (`uncontracted_with_consumers`). A reader removed too has a change of its
own, and is not counted again; a removal no reader of either build reaches is risky (the
semantic layer's users outside the project may still name it). Additions are
safe, listed. Each change is placed on its YAML line where the pull request's file has one: an
element removed on its semantic model's entry, a resource removed whole on its nearest reader's
(with none left, it has its file alone).

A build without a semantic layer costs one empty check; with one, its few resources are
decoded where two builds differ (`state_semantic` keeps the rest as JSON).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from dbtgate.artifacts.manifest import (
    NOT_WRITTEN,
    SemanticElement,
    SemanticModel,
    SemanticNode,
    SemanticResource,
)
from dbtgate.diff.changes import Change, Consumer, Impact
from dbtgate.diff.classify import Emitter
from dbtgate.state_semantic import listed, semantic_resources

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Exposure
    from dbtgate.diff.classify import DiffContext
    from dbtgate.locate import Locator
    from dbtgate.project import Project

_KIND = {"metric": "metric", "saved_query": "saved query", "semantic_model": "semantic model"}
_ELEMENTS = (("dimension", "dimensions"), ("measure", "measures"), ("entity", "entities"))
# How MetricFlow's Jinja and group_by name an element: a dimension or entity by its path of
# entities (`Dimension('order__status')`, `TimeDimension('customer__order__ordered_at')`), an
# entity alone by `Entity('customer')`.
_ELEMENT_PATH = re.compile(r"'([A-Za-z_][A-Za-z0-9_]*__[A-Za-z0-9_]+)'")
_ENTITY_NAMED = re.compile(r"Entity\(\s*'([A-Za-z_][A-Za-z0-9_]*)'")


def semantic_layer_changes(ctx: DiffContext) -> list[Change]:
    """Every change of the root project's semantic layer, readers of the removals included."""
    before, after = semantic_resources(ctx.base), semantic_resources(ctx.pr)
    if not before and not after:
        return []
    root = ctx.base.root_package
    readers = _Readers(ctx.base, ctx.pr, before, after)
    aggregations = _Aggregations(before), _Aggregations(after)
    lines = _Lines(ctx.pr)
    changes: list[Change] = []
    for uid, old in sorted(before.items()):
        if old.package_name != root:
            continue
        new = after.get(uid)
        if new is None:
            emit = Emitter(old, path=old.original_file_path or None)  # type: ignore[arg-type]
            whole = old if isinstance(old, SemanticModel) else None
            impact = readers.of(uid, None, whole)
            change = _removed(emit, f"{_KIND[old.resource_type]} {old.name}", impact)
            # Its entry is gone from the pull request's YAML (and a line of the base's file
            # points, in the pull request's, at whatever stands there now): the removal is
            # placed on the first reader it hurts that the pull request's YAML still declares,
            # the saved query or exposure the pull request had to change. With none, its file.
            placed = lines.of_reader(impact, after) if impact is not None else None
            if placed is not None:
                change.path, change.line = placed
        elif isinstance(old, SemanticModel) and isinstance(new, SemanticModel):
            emit = Emitter(new, path=new.original_file_path or None)  # type: ignore[arg-type]
            gone, added = _elements(old, new, *aggregations)
            for what, name in gone:
                found = readers.of(uid, (what, name), old)
                change = _removed(emit, f"semantic model {old.name}: {what} {name}", found)
                change.key, change.line = f"{what}:{name}", lines.of(new, (what, name))
            for what, name in added:
                emit(
                    "safe.semantic_added",
                    f"semantic model {new.name}: {what} {name} added",
                    key=f"{what}:{name}",
                    line=lines.of(new, (what, name)),
                )
        else:
            continue
        changes.extend(emit.changes)
    for uid, new in sorted(after.items()):
        if uid in before or new.package_name != ctx.pr.root_package:
            continue
        emit = Emitter(new, path=new.original_file_path or None)  # type: ignore[arg-type]
        emit(
            "safe.semantic_added",
            f"{_KIND[new.resource_type]} {new.name} added",
            line=lines.of(new),
        )
        changes.extend(emit.changes)
    return changes


def _removed(emit: Emitter, what: str, impact: Impact | None) -> Change:
    """What named `what` in the semantic layer fails; with readers in either build, breaking."""
    reason = f"{what} removed: queries of the semantic layer that name it fail"
    if impact is None:
        return emit("risky.semantic_removed", reason)
    return emit("breaking.semantic_removed", reason, "uncontracted_with_consumers", impact=impact)


def _elements(
    old: SemanticModel, new: SemanticModel, before: _Aggregations, after: _Aggregations
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(kind, name) of each dimension, measure and entity `new` lacks, and of each it adds.

    A measure the other build spells as simple metrics' own aggregation is neither: dbt 1.12's
    metric spec moved measures into the metrics (`metric_aggregation_params`), so a build of
    dbt 1.11 lists on the semantic model what one of 1.12 writes on each metric that read it,
    and Fusion writes both. The same semantic model, aggregation and column answer the same
    queries (`_Aggregations.moved`)."""
    gone: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    for what, field in _ELEMENTS:
        was, now = getattr(old, field), getattr(new, field)
        kept, had = {e.name.lower() for e in now}, {e.name.lower() for e in was}
        gone.extend(
            (what, e.name)
            for e in was
            if e.name.lower() not in kept and not after.moved(old, e, before)
        )
        added.extend(
            (what, e.name)
            for e in now
            if e.name.lower() not in had and not before.moved(new, e, None)
        )
    return gone, added


_Aggregation = tuple[str, str, str]  # semantic model, agg, column: lower-cased but the column


class _Aggregations:
    """What each metric of one build aggregates itself (dbt 1.12's `metric_aggregation_params`:
    its semantic model, agg and column, the column being its `expr`, else its name, as a
    measure's is), and which measure each reads (`type_params.measure`)."""

    def __init__(self, resources: dict[str, SemanticResource]) -> None:
        self.of: dict[str, _Aggregation] = {}
        self.reading: dict[str, list[str]] = {}
        self.metrics: set[str] = set()
        for uid, resource in resources.items():
            if not isinstance(resource, SemanticNode) or resource.resource_type != "metric":
                continue
            self.metrics.add(uid)
            params = _decoded(resource.type_params_json)
            if not isinstance(params, dict):
                continue
            measure = params.get("measure")
            if isinstance(measure, dict) and isinstance(measure.get("name"), str):
                self.reading.setdefault(measure["name"].lower(), []).append(uid)
            aggregation = params.get("metric_aggregation_params")
            if not isinstance(aggregation, dict):
                continue
            model, agg = aggregation.get("semantic_model"), aggregation.get("agg")
            expr = params.get("expr") or aggregation.get("expr")
            if isinstance(model, str) and isinstance(agg, str):
                column = expr if isinstance(expr, str) and expr else resource.name
                self.of[uid] = (model.lower(), agg.lower(), column)
        self.spelled = set(self.of.values())

    def moved(
        self, model: SemanticModel, element: SemanticElement, other: _Aggregations | None
    ) -> bool:
        """Whether this build's metrics aggregate what `element`, a measure of `model` in the
        other build, did; with `other` (the build that had it), each metric there that read it
        and that this build keeps aggregates it so too (the metric it moved into)."""
        if element.agg is None:
            return False  # a dimension or an entity
        column = element.expr if isinstance(element.expr, str) and element.expr else element.name
        key = (model.name.lower(), element.agg.lower(), column)
        if key not in self.spelled:
            return False
        readers = other.reading.get(element.name.lower(), []) if other is not None else []
        return all(self.of.get(uid) == key for uid in readers if uid in self.metrics)


class _Lines:
    """The YAML lines of the pull request's semantic layer, read only when a change needs one."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._locator: Locator | None = None

    def of(
        self, resource: SemanticResource | Exposure, element: tuple[str, str] | None = None
    ) -> int | None:
        if self.project.project_dir is None:
            return None
        if self._locator is None:
            from dbtgate.locate import Locator

            self._locator = Locator(
                self.project.project_dir, root_package=self.project.root_package
            )
        return self._locator.semantic_line(resource, element)

    def of_reader(
        self, impact: Impact, resources: dict[str, SemanticResource]
    ) -> tuple[str, int] | None:
        """The file and line of the reader of a removal nearest it that the pull request's
        YAML declares: a metric or saved query it kept, or an exposure; of those as near, in the
        order the finding names them (metrics and saved queries, then exposures). Of the root
        project only: the diff names the root project's files."""
        root = self.project.root_package
        for consumer in sorted(
            [*impact.models, *impact.exposures],
            key=lambda c: (c.depth, c.resource_type == "exposure", c.unique_id),
        ):
            uid = consumer.unique_id
            reader = resources.get(uid) or self.project.exposures.get(uid)
            if reader is None or reader.package_name != root or not reader.original_file_path:
                continue
            line = self.of(reader)
            if line is not None:
                return reader.original_file_path, line
        return None


class _Readers:
    """Who read a removed resource or element: in the base build, and in the pull request's
    (where dbt-core lets nothing name what it lacks, but another writer may)."""

    def __init__(
        self,
        base: Project,
        pr: Project,
        before: dict[str, SemanticResource],
        after: dict[str, SemanticResource],
    ) -> None:
        self.builds = ((base, before), (pr, after))
        # Entities are shared: one a semantic model drops that another still declares (a
        # foreign key) still answers `Entity('customer')` and `customer__...`.
        self.entities = {
            e.name.lower()
            for r in after.values()
            if isinstance(r, SemanticModel)
            for e in r.entities
        }
        self._children: dict[int, dict[str, list[str]]] = {}

    def of(
        self,
        uid: str,
        element: tuple[str, str] | None = None,
        model: SemanticModel | None = None,
    ) -> Impact | None:
        """The impact of removing `uid` (with `model`, a semantic model whose elements go with
        it), or its `element` (of the base build's `model`): None when no reader it hurts."""
        found: dict[str, Consumer] = {}
        for project, resources in self.builds:
            children = self._graph(project, resources)
            if element is not None:
                direct = self._naming(resources, uid, element, model)
            else:
                # A semantic model removed whole: its metrics, and what names its elements.
                direct = list(children.get(uid, []))
                for kind, field in _ELEMENTS if model is not None else ():
                    for each in getattr(model, field):
                        direct += self._naming(resources, uid, (kind, each.name), model)
            for reader, depth in _downstream(direct, children):
                known = found.get(reader)
                if known is None or known.depth > depth:
                    found[reader] = _consumer(project, resources, reader, depth)
        # A metric or saved query removed along with it has a change of its own (its readers
        # its impact); one the pull request kept no longer names it: what it returns changed.
        # An exposure's dashboard stays whether its YAML does or not.
        kept = self.builds[1][1]
        hurt = [c for c in found.values() if c.resource_type == "exposure" or c.unique_id in kept]
        if not hurt:
            return None
        ordered = sorted(hurt, key=lambda c: (c.depth, c.unique_id))
        exposures = [c for c in ordered if c.resource_type == "exposure"]
        readers = [c for c in ordered if c.resource_type != "exposure"]
        owners = sorted({c.owner for c in ordered if c.owner}, key=str.casefold)
        return Impact(models=readers, exposures=exposures, owners=owners)

    def _naming(
        self,
        resources: dict[str, SemanticResource],
        uid: str,
        element: tuple[str, str],
        model: SemanticModel | None,
    ) -> list[str]:
        kind, name = element
        if kind == "entity" and name.lower() in self.entities:
            return []  # another semantic model of the pull request declares it
        return _element_readers(resources, uid, element, model)

    def _graph(
        self, project: Project, resources: dict[str, SemanticResource]
    ) -> dict[str, list[str]]:
        """parent -> the metrics, saved queries and exposures that depend on it."""
        children = self._children.get(id(project))
        if children is None:
            children = self._children[id(project)] = {}
            readers: list[Any] = [r for r in resources.values() if isinstance(r, SemanticNode)]
            readers.extend(project.exposures.values())
            for reader in readers:
                for parent in (reader.depends_on.nodes or ()) if reader.depends_on else ():
                    children.setdefault(parent, []).append(reader.unique_id)
        return children


def _element_readers(
    resources: dict[str, SemanticResource],
    uid: str,
    element: tuple[str, str],
    model: SemanticModel | None,
) -> list[str]:
    """The metrics and saved queries of one build that name a semantic model's element: a
    measure among a metric's inputs, a dimension or entity among the names a saved query's
    query_params or a metric's filter quote (`order__status`, `customer`)."""
    what, name = element
    entities = {e.name.lower() for e in model.entities} if model is not None else set()
    wanted = name.lower()
    found = []
    for reader_uid, reader in resources.items():
        if not isinstance(reader, SemanticNode):
            continue
        if what == "measure":
            if reader.resource_type == "metric" and wanted in _measures(reader):
                found.append(reader_uid)
            continue
        for quoted in _quoted_names(reader):
            parts = quoted.lower().split("__")
            if what == "entity" and (wanted in parts[:-1] or parts == [wanted]):
                found.append(reader_uid)
                break
            of_model = not entities or (len(parts) > 1 and parts[-2] in entities)
            if what == "dimension" and len(parts) > 1 and parts[-1] == wanted and of_model:
                found.append(reader_uid)
                break
    return found


def _measures(metric: SemanticNode) -> set[str]:
    """The measures a metric reads: its measure and dbt's `input_measures`, and a conversion
    metric's base and conversion measures."""
    params = _decoded(metric.type_params_json)
    if not isinstance(params, dict):
        return set()
    found = {name for name in _input_names(params.get("input_measures"))}
    measure = params.get("measure")
    found.update(_input_names([measure]))
    conversion = params.get("conversion_type_params")
    if isinstance(conversion, dict):
        found.update(
            _input_names([conversion.get("base_measure"), conversion.get("conversion_measure")])
        )
    return found


def _input_names(items: Any) -> Iterator[str]:
    for item in listed(items):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            yield item["name"].lower()
        elif isinstance(item, str):
            yield item.lower()


def _quoted_names(reader: SemanticNode) -> set[str]:
    """The element paths (`order__status`) and entities (`Entity('customer')`) a saved query's
    query_params, or a metric's filter and its inputs' filters, name."""
    raws = (
        (reader.filter_json, reader.type_params_json)
        if reader.resource_type == "metric"
        else (reader.query_params_json,)
    )
    found: set[str] = set()
    for raw in raws:
        if raw is not NOT_WRITTEN:
            text = bytes(raw).decode("utf-8", "replace")
            found.update(_ELEMENT_PATH.findall(text))
            found.update(_ENTITY_NAMED.findall(text))
    return found


def _decoded(raw: msgspec.Raw) -> Any:
    return None if raw is NOT_WRITTEN else msgspec.json.decode(raw)


def _downstream(direct: list[str], children: dict[str, list[str]]) -> Iterator[tuple[str, int]]:
    """Each reader of `direct` (depth 1) and what reads them, with its distance."""
    seen: set[str] = set()
    frontier, depth = sorted(set(direct)), 1
    while frontier:
        following = []
        for uid in frontier:
            if uid in seen:
                continue
            seen.add(uid)
            yield uid, depth
            following.extend(children.get(uid, ()))
        frontier, depth = sorted(set(following) - seen), depth + 1


def _consumer(
    project: Project, resources: dict[str, SemanticResource], uid: str, depth: int
) -> Consumer:
    resource: Any = resources.get(uid) or project.exposures.get(uid)
    return Consumer(
        unique_id=uid,
        name=resource.name if resource is not None else uid.rsplit(".", 1)[-1],
        resource_type=resource.resource_type if resource is not None else uid.split(".", 1)[0],
        depth=depth,
        owner=project.owner(uid),
    )
