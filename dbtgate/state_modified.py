"""What dbt's `state:modified` selects, and each of its parts (`state:modified.body`, ...).

The change set (`state.compare_builds`) holds everything a pull request changed of a resource,
a description or a tag included: `scope: changed`, the schema diff, the fixed list and the PR
comment rest on it, so that nothing a change touched goes ungated. dbt's `state:modified` selects
fewer, and teams write `dbtgate check --select state:modified+` for what their CI's
`dbt build -s state:modified+` built: the selector means here what it means to dbt (dbt-core's
`StateSelectorMethod` and the nodes' `same_*` methods), part by part:

- `body`: the code (a seed's file checksum; of a generic test, the stub dbt writes with the
  config its YAML sets).
- `configs`: the config as written (`unrendered_config`), but for the settings that name the
  relation (`relation`), `tags` and `group`, which dbt leaves out; of a test only what loosens or
  tightens it (severity, where, limit, fail_calc, warn_if, error_if, store_failures(_as)); of a
  source or exposure all of it.
- `relation`: `database`, `schema`, `alias` as written; a source's database, schema and
  identifier as resolved (dbt's default).
- `persisted_descriptions`: the description, when `persist_docs: {relation: true}`; the
  columns' descriptions (and so the columns described), when `persist_docs: {columns: true}`.
- `contract`: a model's enforced contract (dbt's checksum of its columns, types and
  constraints), or enforcing it begun or ended.
- `macros`: the body of a macro it calls, directly or through other macros, of any package
  (dbt's own included), changed, or the macro was added or removed.

`state:modified` is any of these, or what no part names: the fqn (a file moved to another
folder), a model's latest_version, access or deprecation_date, a source's freshness, an
exposure's type, owner, maturity, url, description or depends_on, a unit test's definition. A
new resource is in each part dbt compares for its type, and modified but for a new source,
exposure, semantic model, metric or saved query: dbt-core's `same_contents` of these answers
"the same" when there is no old one. A root macro (dbtgate
selects them, dbt never does) is modified when its body, or one it calls, changed.

Not modified, as in dbt: an edit of a description without persist_docs, of tags, group or
meta of a column, a test added or edited on the resource (the test is modified, not what it
tests). What macros call and the config as written are read apart from the gate's own decode,
the first time a `state:` selector asks (`Project.macro_calls`, `unrendered_config`).
"""

from __future__ import annotations

from collections.abc import Iterable

from dbtgate.artifacts.manifest import (
    RELATION_SETTINGS,
    Node,
    Source,
    is_contracted,
    same_record,
)
from dbtgate.project import Project
from dbtgate.state import (
    COMPARED_NODE_TYPES,
    NOT_CONFIGS,
    TEST_CONFIGS,
    Changes,
    changed_macros,
    configs_of,
    macro_callers,
)

PARTS = ("body", "configs", "relation", "persisted_descriptions", "macros", "contract")
# What each resource type has of dbt's parts: a new resource is in those (dbt: `not old`).
_NEW_IN_PARTS = {
    "source": frozenset({"configs", "relation"}),
    "exposure": frozenset({"configs"}),
}
# The semantic layer's unique_ids (`state_semantic`, imported only where a build has one).
_SEMANTIC_PREFIXES = ("semantic_model.", "metric.", "saved_query.")
_NODE_PARTS = frozenset({"body", "configs", "relation", "persisted_descriptions", "contract"})
# The change set's reasons of a model that dbt's `same_ref_representation` counts.
_REF_REASONS = frozenset({"config.latest_version", "config.access", "config.deprecation_date"})
_SOURCE_MODIFIED = frozenset({"loaded_at_field", "freshness", "quoting", "external"})
_EXPOSURE_MODIFIED = frozenset({"description", "type", "maturity", "url", "owner", "depends_on"})
_CONSTRAINED_MATERIALIZATIONS = frozenset({"table", "incremental"})


class DbtState:
    """The change set as dbt's `state:` method reads it, for `Selection`: `new` as is, and
    `modified(part)` worked out the first time a selector asks for it."""

    def __init__(self, project: Project, base: Project, changes: Changes) -> None:
        self.project = project
        self.base = base
        self.changes = changes
        self.new = frozenset(changes.new)
        self._parts: dict[str | None, frozenset[str]] = {}

    def modified(self, part: str | None = None) -> frozenset[str]:
        """What `state:modified` (part None) or `state:modified.<part>` selects, of every
        package, by unique_id."""
        found = self._parts.get(part)
        if found is None:
            found = self._parts[part] = frozenset(self._find(part))
        return found

    def _find(self, part: str | None) -> set[str]:
        if part is None:
            # A generic test's code differs only where its config as written does (`configs`):
            # its code is not read for `state:modified`, only for `state:modified.body`.
            found = set(self.new) | self._other() | self._changed_code()
            for each in PARTS:
                if each != "body":
                    found |= self.modified(each)
            return found - self._new_the_same()
        if part == "macros":
            return calls_changed_macros(self.project, self.base)
        found = {uid for uid in self.new if part in _parts_of_new(self.project, uid)}
        if part == "configs":
            found |= self._semantic(configs=True)
        if part in ("configs", "relation"):
            found |= self._written_config(part)
        elif part == "body":
            found |= self._changed_code() | self._generic_tests_code()
        else:
            test = _same_persisted_description if part == "persisted_descriptions" else None
            for uid, now, then in self._differing_nodes():
                if test is not None:
                    if not test(now, then):
                        found.add(uid)
                elif now.resource_type == "model" and not self._same_contract(uid, now, then):
                    found.add(uid)
        return found

    def _changed_code(self) -> set[str]:
        """The nodes whose code the change set found changed (by dbt's checksum, or their code
        across dbt versions); not generic tests, whose code the change set does not compare."""
        nodes = self.project.nodes  # a root macro's body is `macros`, not a part of its own
        return {
            uid
            for uid, reasons in self.changes.modified.items()
            if "body" in reasons and uid in nodes
        }

    def _generic_tests_code(self) -> set[str]:
        """The generic tests whose code differs: dbt writes the config their YAML sets into it
        (`{{ test_not_null(**_dbt_generic_test_kwargs) }}{{ config(severity="warn") }}`), and
        its `same_body` compares it. Read apart (`Project.all_code`)."""
        base_nodes = self.base.nodes
        tests = [
            uid
            for uid, node in self.project.nodes.items()
            if node.resource_type == "test" and node.test_metadata is not None and uid in base_nodes
        ]
        if not tests:
            return set()
        now, then = self.project.all_code(), self.base.all_code()
        return {uid for uid in tests if now.get(uid) != then.get(uid)}

    def _differing_nodes(self) -> Iterable[tuple[str, Node, Node]]:
        """The nodes of both builds whose records differ: equal ones differ in nothing a part
        other than body, configs and macros compares."""
        same = self.project.same_records(self.base)
        base_nodes = self.base.nodes
        for uid, now in self.project.nodes.items():
            then = base_nodes.get(uid)
            if (
                then is not None
                and now.resource_type in COMPARED_NODE_TYPES
                and not same.get(uid, False)
                and not same_record(now, then)
            ):
                yield uid, now, then

    def _written_config(self, part: str) -> set[str]:
        """`configs` or `relation`: the config as written compared, where both manifests hold
        it (dbt 0.19+), else the change set's `config.<key>` reasons. A source's relation is
        its database, schema and identifier as resolved (dbt's default, unless its flag
        `state_modified_compare_more_unrendered_values` is set)."""
        now_all, then_all = self.project.unrendered_config(), self.base.unrendered_config()
        found = set()
        for uid, resource_type, reasons in self._existing():
            now, then = now_all.get(uid), then_all.get(uid)
            if resource_type == "source" and part == "relation":
                differs = _source_relation(self.project.sources[uid]) != _source_relation(
                    self.base.sources[uid]
                )
            elif now is None or then is None:
                differs = _config_reasons(resource_type, reasons or (), part)
            elif part == "relation":
                differs = any(now.get(key) != then.get(key) for key in RELATION_SETTINGS)
            else:
                differs = configs_of(resource_type, now) != configs_of(resource_type, then)
            if differs:
                found.add(uid)
        return found

    def _existing(self) -> Iterable[tuple[str, str, list[str] | None]]:
        """Every node, source and exposure of both builds, with its type and the change set's
        reasons (None when it changed in nothing the change set compares)."""
        modified = self.changes.modified
        for mapping, base_mapping in (
            (self.project.nodes, self.base.nodes),
            (self.project.sources, self.base.sources),
            (self.project.exposures, self.base.exposures),
        ):
            for uid, resource in mapping.items():
                if uid in base_mapping:
                    yield uid, resource.resource_type, modified.get(uid)

    def _same_contract(self, uid: str, now: Node, then: Node) -> bool:
        """dbt's `same_contract`: unenforced in both, or enforced with the same checksum. A
        manifest without the checksum (Fusion) is answered by the change set's reasons."""
        if not is_contracted(now) and not is_contracted(then):
            return True
        if not is_contracted(now) or not is_contracted(then):
            return False
        ours, theirs = now.contract.checksum, then.contract.checksum  # type: ignore[union-attr]
        if ours is not None or theirs is not None:
            return ours == theirs
        reasons = self.changes.modified.get(uid, ())
        return not any(_contract_reason(now, reason) for reason in reasons)

    def _new_the_same(self) -> set[str]:
        """The new resources dbt's `state:modified` leaves out: the `same_contents` of a
        source, an exposure and the semantic layer's answers "the same" when there is no old
        one (`if old is None: return True`, dbt-core 1.6-1.11), though their `configs` (and a
        source's `relation`) part selects them."""
        project = self.project
        return {
            uid
            for uid in self.new
            if uid in project.sources
            or uid in project.exposures
            or uid.startswith(_SEMANTIC_PREFIXES)
        }

    def _semantic(self, *, configs: bool = False) -> set[str]:
        """The semantic models, metrics and saved queries with a reason of the change set that
        dbt's `state:modified` (or its `configs`) counts (`state_semantic`)."""
        if not self.project.manifest.has_semantic_layer():
            return set()
        from dbtgate.state_semantic import dbt_compares, dbt_compares_config, semantic_resources

        compares = dbt_compares_config if configs else dbt_compares
        semantic = semantic_resources(self.project)
        return {
            uid
            for uid, reasons in self.changes.modified.items()
            if uid in semantic
            and any(compares(semantic[uid].resource_type, reason) for reason in reasons)
        }

    def _other(self) -> set[str]:
        """What `state:modified` selects that none of its parts names."""
        found = {uid for uid, now, then in self._differing_nodes() if now.fqn != then.fqn}
        found |= self._semantic()
        project = self.project
        for uid, reasons in self.changes.modified.items():
            if uid in project.sources:
                counted = _SOURCE_MODIFIED
            elif uid in project.exposures:
                counted = _EXPOSURE_MODIFIED
            elif uid in project.nodes:
                counted = _REF_REASONS
            elif uid.startswith(_SEMANTIC_PREFIXES):
                continue  # `_semantic`
            else:  # a unit test (by its definition: dbt's checksum), or a macro (by its body)
                counted = frozenset({"unit test definition"})
            if counted.intersection(reasons):
                found.add(uid)
        return found


def _parts_of_new(project: Project, uid: str) -> frozenset[str]:
    if uid.startswith(_SEMANTIC_PREFIXES):
        return _NEW_IN_PARTS["exposure"]  # `configs` alone (`same_config`), as an exposure
    resource = project.nodes.get(uid) or project.sources.get(uid) or project.exposures.get(uid)
    if resource is None:
        return frozenset()  # a unit test, a macro: no part of dbt's compares them
    return _NEW_IN_PARTS.get(resource.resource_type, _NODE_PARTS)


def _source_relation(source: Source) -> tuple[str | None, str | None, str | None]:
    return source.database, source.schema, source.identifier


def _config_reasons(resource_type: str, reasons: Iterable[str], part: str) -> bool:
    """`configs` or `relation` from the change set's reasons, for a manifest without the
    config as written."""
    for reason in reasons:
        key = reason.removeprefix("config.")
        if key == reason:
            continue
        if part == "relation":
            if key in RELATION_SETTINGS:
                return True
        elif resource_type == "test":
            if key in TEST_CONFIGS:
                return True
        elif key not in NOT_CONFIGS and f"config.{key}" not in _REF_REASONS | {"config.version"}:
            return True
    return False


def _same_persisted_description(now: Node, then: Node) -> bool:
    """dbt's `same_persisted_description`: descriptions count only where dbt writes them into
    the warehouse, as the pull request's config says."""
    persist = now.config.persist_docs if now.config is not None else None
    if persist is None:
        return True
    if persist.relation and now.description != then.description:
        return False
    if persist.columns:
        ours = {key: column.description for key, column in (now.columns or {}).items()}
        theirs = {key: column.description for key, column in (then.columns or {}).items()}
        if ours != theirs:
            return False
    return True


def _contract_reason(node: Node, reason: str) -> bool:
    """Whether the change set's `reason` is of what a contract's checksum covers: the columns,
    their types and constraints, and the model's constraints where its materialization
    enforces them."""
    if reason == "constraints":
        materialized = node.config.materialized if node.config is not None else None
        return materialized in _CONSTRAINED_MATERIALIZATIONS
    if not reason.startswith("column "):
        return False
    return reason.endswith((" added", " removed", " data_type", " constraints"))


def dbt_builds(node: Node, reasons: Iterable[str]) -> bool:
    """Whether dbt's `state:modified` selects a node for the change set's `reasons` of it, as
    far as they tell (not its macros, nor settings the change set does not compare). Needs no
    second decode of the manifest: `status.run` asks it of each changed relation the run did
    not build."""
    contracted = is_contracted(node)
    persist = node.config.persist_docs if node.config is not None else None
    for reason in reasons:
        if reason in ("tests", "unit tests", "test definition"):
            continue
        if reason == "description":
            if persist is not None and persist.relation:
                return True
            continue
        if reason in ("config.tags", "config.group"):
            continue
        if reason.startswith("column "):
            persisted = persist is not None and bool(persist.columns)
            if persisted and reason.endswith((" description", " added", " removed")):
                return True
            if contracted and _contract_reason(node, reason):
                return True
            continue
        if reason == "constraints" and not (contracted and _contract_reason(node, reason)):
            continue
        return True
    return False


def calls_changed_macros(project: Project, base: Project) -> set[str]:
    """dbt's `state:modified.macros`: what calls, directly or through other macros, a macro of
    any package (dbt's own included) whose body differs from the base build's, or that one of
    the builds lacks; and the root project's such macros themselves (dbtgate selects the
    team's macros, dbt selects none)."""
    changed = changed_macros(project, base, every_package=True)
    root = project.root_package
    ours = {
        uid for uid in changed if uid in project.macros and project.macros[uid].package_name == root
    }
    return macro_callers(project, changed) | ours
