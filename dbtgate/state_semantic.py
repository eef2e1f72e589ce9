"""What a pull request changed of the semantic layer: semantic models, metrics, saved queries.

The change set (`state.compare_builds`) holds them as it holds models: new, deleted, and
modified with what differs. It compares what dbt-core's `same_contents` of each compares, and a
little more that a reviewer calls a change; `DBT_COMPARED` says which of its reasons dbt's
`state:modified` counts (`state_modified`), as dbt-core 1.8-1.11 compares them:

- a semantic model: its model, description, defaults, entities, dimensions, measures (each
  list whole, in order: a dimension's description or meta is a change), config (as resolved,
  meta included), primary entity and group. Not its label.
- a metric: its type, description, label and config as written (`unrendered_config`, but for
  `group`). Not its type_params nor filter: dbt-core's `same_type_params` and `same_filter`
  are `return True  # TODO`, so a metric moved to another measure is not `state:modified` to
  dbt; the change set holds it all the same (`type_params`), for `scope: changed`.
- a saved query: its metrics, group_by and where, description, label, config (as resolved),
  group, exports (each one's name, and its export_as, schema and alias as written) and tags.
  Not its order_by nor limit.

Not the fqn (dbt's `same_contents` of these does not compare it). Read from what the
manifest's decode keeps of them as JSON, compared byte for byte first and decoded only where
two builds differ; a build without a semantic layer costs one empty check. Across dbt
versions the JSON is compared without its nulls and empty values (a newer dbt writes fields an
older one did not) and descriptions without surrounding whitespace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from dbtgate.artifacts.manifest import NOT_WRITTEN, SemanticModel, SemanticNode, SemanticResource
from dbtgate.project import Project

SEMANTIC_TYPES = frozenset({"semantic_model", "metric", "saved_query"})
_ELEMENTS = (("entity", "entities"), ("dimension", "dimensions"), ("measure", "measures"))
# The query_params keys dbt's `same_contents` of a saved query compares.
_QUERY_COMPARED = ("metrics", "group_by", "where")
# The export settings dbt's `same_exports` compares, as written.
_EXPORT_COMPARED = ("export_as", "schema", "alias")


def semantic_resources(project: Project) -> dict[str, SemanticResource]:
    """The build's semantic models, metrics and saved queries, by unique_id."""
    manifest = project.manifest
    if not (manifest.semantic_models or manifest.metrics or manifest.saved_queries):
        return {}
    return {
        **(manifest.semantic_models or {}),
        **(manifest.metrics or {}),
        **(manifest.saved_queries or {}),
    }


def semantic_changes(
    project: Project, base: Project, *, same_writer: bool
) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """New, modified (with what differs) and deleted semantic resources of `project` against
    `base`. `same_writer`: both builds come from one dbt minor version, whose JSON is compared
    as written."""
    now, then = semantic_resources(project), semantic_resources(base)
    if not now and not then:
        return [], {}, []
    new = [uid for uid in now if uid not in then]
    deleted = [uid for uid in then if uid not in now]
    modified: dict[str, list[str]] = {}
    for uid, current in now.items():
        previous = then.get(uid)
        if previous is None or current == previous:
            continue
        reasons = differences(current, previous, same_writer=same_writer)
        if reasons:
            modified[uid] = reasons
    return new, modified, deleted


def dbt_compares(resource_type: str, reason: str) -> bool:
    """Whether dbt's `state:modified` counts the change set's `reason` of a semantic resource."""
    if resource_type == "semantic_model":
        return reason != "label"
    if resource_type == "metric":
        return reason in ("type", "description", "label") or (
            reason.startswith("config.") and reason != "config.group"
        )
    if resource_type == "saved_query":
        return reason in _SAVED_QUERY_COMPARED or reason.startswith("config.")
    return False


def dbt_compares_config(resource_type: str, reason: str) -> bool:
    """Whether the reason is of what dbt's `state:modified.configs` compares (`same_config`)."""
    return reason.startswith("config.") and dbt_compares(resource_type, reason)


_SAVED_QUERY_COMPARED = frozenset(
    {"description", "label", "group", "exports", "tags"}
    | {f"query_params.{key}" for key in _QUERY_COMPARED}
)


def differences(a: SemanticResource, b: SemanticResource, *, same_writer: bool) -> list[str]:
    """What differs between two builds of one semantic resource, as the change set says it."""
    value = _Values(same_writer)
    reasons = [
        name
        for name, left, right in _words(a, b, same_writer)
        if left != right  # description, label, ...
    ]
    if isinstance(a, SemanticModel) and isinstance(b, SemanticModel):
        if value(a.defaults_json) != value(b.defaults_json):
            reasons.append("defaults")
        for kind, field in _ELEMENTS:
            reasons.extend(
                _element_differences(
                    kind, value(getattr(a, f"{field}_json")), value(getattr(b, f"{field}_json"))
                )
            )
        reasons.extend(_config_differences(value(a.config_json), value(b.config_json)))
    elif isinstance(a, SemanticNode) and isinstance(b, SemanticNode):
        if a.resource_type == "metric":
            for name, raw_a, raw_b in (
                ("type_params", a.type_params_json, b.type_params_json),
                ("filter", a.filter_json, b.filter_json),
            ):
                if value(raw_a) != value(raw_b):
                    reasons.append(name)
            # dbt compares a metric's config as written; the resolved one adds nothing it
            # does not (its meta and group are set in YAML).
            reasons.extend(_config_differences(value(a.written_config), value(b.written_config)))
        else:
            reasons.extend(
                _query_differences(value(a.query_params_json), value(b.query_params_json))
            )
            reasons.extend(_export_differences(value(a.exports_json), value(b.exports_json)))
            reasons.extend(_config_differences(value(a.config_json), value(b.config_json)))
    return reasons


def _words(
    a: SemanticResource, b: SemanticResource, same_writer: bool
) -> Iterable[tuple[str, Any, Any]]:
    def text(value: str | None) -> str | None:
        return value if same_writer or value is None else value.strip()

    yield "description", text(a.description) or None, text(b.description) or None
    yield "label", a.label, b.label
    yield "group", a.group, b.group
    if isinstance(a, SemanticModel) and isinstance(b, SemanticModel):
        yield "model", a.model, b.model
        yield "primary_entity", a.primary_entity, b.primary_entity
    elif isinstance(a, SemanticNode) and isinstance(b, SemanticNode):
        yield "type", a.type, b.type
        yield "tags", _tags(a.tags), _tags(b.tags)


def _tags(tags: list[str] | str | None) -> list[str]:
    return [tags] if isinstance(tags, str) else list(tags or ())


class _Values:
    """JSON kept by the decode, as Python values to compare: as written between builds of one
    dbt minor version, without nulls and empty values across versions."""

    def __init__(self, same_writer: bool) -> None:
        self.same_writer = same_writer

    def __call__(self, raw: msgspec.Raw) -> Any:
        if raw is NOT_WRITTEN:
            return None
        value = msgspec.json.decode(raw)
        return value if self.same_writer else without_empty(value)


def without_empty(value: Any) -> Any:
    """JSON without its nulls and empty values: what builds of two dbt versions write alike."""
    if isinstance(value, dict):
        kept = {key: without_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", {}, [])} or None
    if isinstance(value, list):
        return [without_empty(item) for item in value] or None
    return value


def listed(value: Any) -> list[Any]:
    """A JSON list's items; none for any other value (a hand-edited manifest's `exports: 1`
    compares as no exports rather than crash the comparison)."""
    return value if isinstance(value, list) else []


def _named(items: Any) -> dict[str, Any]:
    return {
        str(item.get("name")): item
        for item in listed(items)
        if isinstance(item, dict) and item.get("name") is not None
    }


def _element_differences(kind: str, now: Any, then: Any) -> list[str]:
    """`dimension status added` / `removed` / `changed`; the list reordered (which dbt, that
    compares it whole, counts) when nothing else differs."""
    if now == then:
        return []
    mine, theirs = _named(now), _named(then)
    reasons = [f"{kind} {name} added" for name in mine if name not in theirs]
    reasons += [f"{kind} {name} removed" for name in theirs if name not in mine]
    reasons += [
        f"{kind} {name} changed" for name in mine if name in theirs and mine[name] != theirs[name]
    ]
    if not reasons:
        reasons.append(f"{kind} order")
    return sorted(reasons)


def _config_differences(now: Any, then: Any) -> list[str]:
    mine = now if isinstance(now, dict) else {}
    theirs = then if isinstance(then, dict) else {}
    return [
        f"config.{key}"
        for key in sorted(mine.keys() | theirs.keys())
        if mine.get(key) != theirs.get(key)
    ]


def _query_differences(now: Any, then: Any) -> list[str]:
    mine = now if isinstance(now, dict) else {}
    theirs = then if isinstance(then, dict) else {}
    return [
        f"query_params.{key}"
        for key in sorted(mine.keys() | theirs.keys())
        if mine.get(key) != theirs.get(key)
    ]


def _export_differences(now: Any, then: Any) -> list[str]:
    """`exports` where dbt's `same_exports` differs (their number, names, and each one's
    export_as, schema and alias as written, in order); `exports (other settings)` where only
    what it does not compare does."""
    if now == then:
        return []
    mine = [e for e in listed(now) if isinstance(e, dict)]
    theirs = [e for e in listed(then) if isinstance(e, dict)]

    def compared(export: dict[str, Any]) -> tuple[Any, ...]:
        written = export.get("unrendered_config")
        written = written if isinstance(written, dict) else {}
        return (export.get("name"), *(written.get(key) for key in _EXPORT_COMPARED))

    if [compared(e) for e in mine] != [compared(e) for e in theirs]:
        return ["exports"]
    return ["exports (other settings)"]
