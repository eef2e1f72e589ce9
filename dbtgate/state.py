"""What a pull request changed: resources new or modified against the base build.

`scope: changed`, the diff-aware gating of findings, the fixed list and the PR comment rest on
this, so it has to see what a reviewer would call a change and nothing else; it is broader than
dbt's `state:modified`, which `state_modified` reads out of it for the `state:` selectors, and
holds everything that selects (tests/test_change_set_covers_state_modified.py). Compared per
resource (matched by unique_id, so a moved file is not new, though modified in its `fqn`, as
dbt's `state:modified` has it): the SQL body, the config that shapes the relation, description,
declared columns (name, description, data_type, constraints), and the tests attached — so a
YAML-only edit counts. A unit test (dbt 1.8+) is compared as dbt-core's `state:modified`
compares it: by what its checksum covers (its given inputs with their rows, expected output
and overrides; not its description or config), and one added or edited modifies its model as a
data test does. The relation's settings are compared as configured (`database`, `schema`,
`alias`: `RELATION_SETTINGS`), not as the environment resolved them. Not compared: file paths,
when dbt parsed a node (`created_at`: every build parses anew), the database, schema and
relation names each environment made of those settings (`generate_schema_name` gives a PR
build its own schema), column meta/tags (Fusion copies model meta into columns), and anything
a dbt version writes differently.

Between builds of one dbt minor version, what dbt's `state:modified` compares as dbt wrote it
is compared too: the config as written (dbt's `unrendered_config`: hooks, persist_docs, grants
and any other key its `same_config` compares, `config.post_hook` and so on), an enforced
contract's checksum, and the bodies of every package's macros (what calls a changed one is
modified: `macros`). Across versions dbt writes these differently (Python's `True` for JSON's,
lists repeated, its own macros rewritten), so there only the root project's macro bodies count.
The root project's macros are compared by what their properties YAML says (description, meta,
arguments) and by their body.

The SQL body is compared by dbt's checksum only when both builds come from the same dbt minor
version: the same file hashes differently under dbt 1.11 and 1.12 or Fusion. Across versions the
raw code is hashed instead, which needs one extra, selective read of each manifest.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import msgspec

from dbtgate.artifacts.manifest import (
    RELATION_SETTINGS,
    Column,
    Exposure,
    Macro,
    Node,
    Source,
    UnitTest,
    is_contracted,
    same_record,
    written_config,
)
from dbtgate.project import Project

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)")
# Config defaults that some writers leave out (null) and others spell out.
_CONFIG_DEFAULTS = {"on_schema_change": "ignore", "enabled": True}
# dbt's defaults for a test's thresholds, which a manifest of Fusion or an old dbt may omit.
_TEST_DEFAULTS = {"fail_calc": "count(*)", "error_if": "!= 0", "warn_if": "!= 0"}
_DEFAULT_MATERIALIZED = {"model": "view", "seed": "seed", "snapshot": "snapshot", "test": "test"}
COMPARED_NODE_TYPES = frozenset({"model", "seed", "snapshot", "test", "analysis"})


class Changes(msgspec.Struct):
    """The change set, as the JSON report shows it: new and deleted unique_ids, and for each
    modified resource what differs (body, config.<key>, description, columns, tests, ...)."""

    new: list[str] = []
    modified: dict[str, list[str]] = {}
    deleted: list[str] = []
    body_compared_by: str = "checksum"  # checksum | raw_code | unknown

    def changed(self) -> set[str]:
        return set(self.new) | set(self.modified)


def compare_builds(project: Project, base: Project) -> Changes:
    """New, modified and deleted resources of `project` against `base`."""
    body = _body_comparison(project, base)
    new: list[str] = []
    modified: dict[str, list[str]] = {}
    nodes = {
        uid: node
        for uid, node in project.nodes.items()
        if node.resource_type in COMPARED_NODE_TYPES and not node.is_external
    }
    same = project.same_records(base)
    # The config as written and a contract's checksum are spelled by the dbt that wrote the
    # manifest (Python's `True` or JSON's, a list repeated by dbt 1.12, no checksum of Fusion's):
    # compared only between builds of one dbt minor version, as the SQL body's checksum is.
    same_writer = body.method == "checksum"
    for mapping, base_mapping in (
        (nodes, base.nodes),
        (project.sources, base.sources),
        (project.exposures, base.exposures),
        (_root_macros(project), base.macros),
    ):
        for uid, current in mapping.items():
            previous = base_mapping.get(uid)
            if previous is None:
                new.append(uid)
                continue
            # Most of a big project is untouched: equal records differ in nothing, except in
            # the SQL body when that is compared apart from the manifest records.
            equal = same[uid] = same_record(current, previous)
            if equal and body.method != "raw_code":
                continue
            reasons = _differences(current, previous, body)
            if any(reason in _RELATION_SETTINGS for reason in reasons):
                reasons = [r for r in reasons if not _environment_made(project, base, uid, r)]
            if same_writer and not isinstance(current, Macro):
                # A source's freshness and loaded_at_field, compared as resolved, are under its
                # config as written too (dbt 1.10+): one difference, listed once (a release's
                # table read "loaded_at_field, freshness, config.freshness, config.loaded_at_field").
                reasons.extend(
                    r
                    for r in _written_differences(current, previous)
                    if r not in reasons and r.removeprefix("config.") not in reasons
                )
            if reasons:
                modified[uid] = reasons
    _propagate_test_changes(project, base, new, modified)
    new_unit_tests, modified_unit_tests, deleted_unit_tests = _unit_test_changes(
        project, base, same_version=body.method == "checksum"
    )
    _propagate_unit_test_changes(project, new, modified, [*new_unit_tests, *modified_unit_tests])
    new.extend(new_unit_tests)
    modified.update(modified_unit_tests)
    deleted_semantic: list[str] = []
    if project.manifest.has_semantic_layer() or base.manifest.has_semantic_layer():
        from dbtgate.state_semantic import semantic_changes

        new_semantic, modified_semantic, deleted_semantic = semantic_changes(
            project, base, same_writer=same_writer
        )
        new.extend(new_semantic)
        modified.update(modified_semantic)
    _propagate_macro_changes(project, base, new, modified, every_package=same_writer)
    deleted = [
        uid
        for mapping, base_mapping in (
            (project.nodes, base.nodes),
            (project.sources, base.sources),
            (project.exposures, base.exposures),
            (project.macros, _root_macros(base)),
        )
        for uid in base_mapping.keys() - mapping.keys()
        if getattr(base_mapping[uid], "resource_type", "") != "operation"
        and not getattr(base_mapping[uid], "is_external", False)
    ]
    deleted.extend(deleted_unit_tests)
    deleted.extend(deleted_semantic)
    return Changes(
        new=sorted(new),
        modified=dict(sorted(modified.items())),
        deleted=sorted(deleted),
        body_compared_by=body.method,
    )


# The settings that name a node's relation, as configured: a change of the pull request's,
# unless both builds wrote the same before Jinja ran (`_environment_made`).
_RELATION_SETTINGS = frozenset(f"config.{setting}" for setting in RELATION_SETTINGS)


def _environment_made(project: Project, base: Project, uid: str, reason: str) -> bool:
    """A relation setting that resolved to another value in each build from the same config
    as written (`schema: "{{ target.name }}_finance"`): the environment's, not a change."""
    return reason in _RELATION_SETTINGS and project.written_alike(base, uid, reason[7:])


# The config keys dbt's `same_config` leaves out of a node's (`CompareBehavior.Exclude`), and
# the only ones it compares of a test's (`TestConfig.same_contents`).
NOT_CONFIGS = frozenset({*RELATION_SETTINGS, "tags", "group"})
TEST_CONFIGS = frozenset(
    {"severity", "where", "limit", "fail_calc", "warn_if", "error_if"}
    | {"store_failures", "store_failures_as"}
)
_ABSENT = object()


def configs_of(resource_type: str, written: dict[str, Any]) -> dict[str, Any]:
    """The config as written, as dbt's `same_config` compares it."""
    if resource_type in ("source", "exposure"):
        return dict(written)
    if resource_type == "test":
        return {key: value for key, value in written.items() if key in TEST_CONFIGS}
    return {key: value for key, value in written.items() if key not in NOT_CONFIGS}


def _written_differences(a: Node | Source | Exposure, b: Node | Source | Exposure) -> list[str]:
    """`config.<key>` for each key of the config as written (dbt's `unrendered_config`) that
    dbt's `state:modified` compares and that differs: its `same_config` (hooks, persist_docs,
    grants, ... as written, whatever their resolved values) and, of a node, the relation's
    settings as written (`same_database_representation`). Byte for byte first, so an untouched
    config costs no decode; a manifest without it (dbt before 0.19) compares nothing here."""
    if a.written_config == b.written_config:
        return []
    now, then = written_config(a), written_config(b)
    if not isinstance(now, dict) or not isinstance(then, dict):
        return []
    kind = a.resource_type
    keys = set(configs_of(kind, now)) | set(configs_of(kind, then))
    if kind not in ("source", "exposure"):
        keys |= {key for key in RELATION_SETTINGS if key in now or key in then}
    return sorted(
        {
            f"config.{key.replace('-', '_')}"
            for key in keys
            if now.get(key, _ABSENT) != then.get(key, _ABSENT)
        }
    )


def _root_macros(project: Project) -> dict[str, Macro]:
    """The team's macros: dbt's own and the packages' change with their versions, not in the
    pull request (an upgrade of dbt would list hundreds)."""
    root = project.root_package
    return {uid: m for uid, m in project.macros.items() if m.package_name == root}


def changed_macros(project: Project, base: Project, *, every_package: bool) -> set[str]:
    """The macros whose body differs from the base build's, or that one build lacks: the root
    project's, and with `every_package` every package's and dbt's own too (they differ with
    the version of dbt or of the package that wrote them). Compared as JSON byte for byte,
    decoded only where that differs."""
    root = project.root_package
    now, then = project.macros, base.macros
    found = set()
    for uid in now.keys() | then.keys():
        mine, theirs = now.get(uid), then.get(uid)
        either = mine or theirs
        if not every_package and either.package_name != root:  # type: ignore[union-attr]
            continue
        if mine is None or theirs is None or not _same_body(mine, theirs):
            found.add(uid)
    return found


def _same_body(a: Macro, b: Macro) -> bool:
    """Byte for byte, or as text where the JSON spells it otherwise (another writer's escapes)."""
    return a.body_json == b.body_json or msgspec.json.decode(a.body_json) == msgspec.json.decode(
        b.body_json
    )


def macro_callers(project: Project, changed: set[str]) -> set[str]:
    """What calls one of the `changed` macros, directly or through other macros (dbt's
    `state:modified.macros`), of what the change set holds: the nodes it compares, exposures,
    unit tests and the root project's macros. The calls are read apart
    (`Project.macro_calls`), only when a macro changed."""
    if not changed:
        return set()
    calls = project.macro_calls() or {}
    reaches: dict[str, bool] = {}

    def reaches_changed(macro: str) -> bool:
        known = reaches.get(macro)
        if known is None:
            reaches[macro] = False  # a cycle of macros reaches nothing new through itself
            known = reaches[macro] = macro in changed or any(
                reaches_changed(called) for called in calls.get(macro, ())
            )
        return known

    callers = {uid for uid, called in calls.items() if any(map(reaches_changed, called))}
    return {uid for uid in callers if _held(project, uid)}


def _held(project: Project, uid: str) -> bool:
    """Whether the change set holds resources like `uid`'s."""
    node = project.nodes.get(uid)
    if node is not None:
        return node.resource_type in COMPARED_NODE_TYPES and not node.is_external
    macro = project.macros.get(uid)
    if macro is not None:
        return macro.package_name == project.root_package
    return uid in project.exposures or uid in (project.manifest.unit_tests or {})


def _propagate_macro_changes(
    project: Project,
    base: Project,
    new: list[str],
    modified: dict[str, list[str]],
    *,
    every_package: bool,
) -> None:
    """A root macro whose body changed is modified (`body`), and so is what calls a changed
    macro (`macros`), as dbt's `state:modified.macros` has it. Other packages' macros, and
    dbt's own, count only between builds of one dbt minor version: across versions all of
    dbt's differ, and every model would be the pull request's."""
    changed = changed_macros(project, base, every_package=every_package)
    if not changed:
        return
    new_set = set(new)
    root = _root_macros(project)
    marks = [(uid, "body") for uid in sorted(changed & root.keys())]
    marks += [(uid, "macros") for uid in sorted(macro_callers(project, changed))]
    for uid, reason in marks:
        if uid not in new_set:
            reasons = modified.setdefault(uid, [])
            if reason not in reasons:
                reasons.append(reason)


def in_scope(changes: Changes, project: Project) -> set[str]:
    """What `scope: changed` gates: changed resources and the tests and unit tests attached to
    them (a test that fails on a changed model is the change's problem, even if the test did
    not change)."""
    changed = changes.changed()
    for uid in list(changed):
        for test in project.tests_by_resource.get(uid, ()):
            changed.add(test.unique_id)
        changed.update(project.unit_tests_by_model.get(uid, ()))
    return changed


# -- the SQL body --------------------------------------------------------------------------------


class _BodyComparison:
    def __init__(self, method: str, current: dict[str, str], previous: dict[str, str]):
        self.method = method
        self.current = current
        self.previous = previous

    def differs(self, a: Node, b: Node) -> bool:
        if a.resource_type == "test" and a.test_metadata is not None:
            return False  # generic tests: their definition is compared, not the stub SQL
        if self.method == "checksum":
            return (a.checksum.checksum if a.checksum else None) != (
                b.checksum.checksum if b.checksum else None
            )
        if self.method == "raw_code":
            return self.current.get(a.unique_id) != self.previous.get(b.unique_id)
        return False


def _minor(project: Project) -> tuple[int, int] | None:
    metadata = project.manifest.metadata
    match = _VERSION_RE.match((metadata.dbt_version if metadata else None) or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def _body_comparison(project: Project, base: Project) -> _BodyComparison:
    version = _minor(project)
    if version is not None and version == _minor(base):
        return _BodyComparison("checksum", {}, {})
    if project.artifacts is None or base.artifacts is None:
        return _BodyComparison("unknown", {}, {})
    return _BodyComparison("raw_code", _code_hashes(project), _code_hashes(base))


def _code_hashes(project: Project) -> dict[str, str]:
    """Hash of each node's SQL, stripped (the code is read from the manifest on demand)."""
    return {
        uid: hashlib.sha256(code.strip().encode()).hexdigest()
        for uid, code in project.all_code().items()
    }


# -- everything else ---------------------------------------------------------------------------


def _differences(current: Any, previous: Any, body: _BodyComparison) -> list[str]:
    if isinstance(current, Node):
        return _node_differences(current, previous, body)
    if isinstance(current, Source):
        return _source_differences(current, previous)
    if isinstance(current, Exposure):
        return _exposure_differences(current, previous)
    if isinstance(current, Macro):
        return _macro_differences(current, previous, every_argument=body.method == "checksum")
    return []


def _node_differences(a: Node, b: Node, body: _BodyComparison) -> list[str]:
    reasons = []
    if body.differs(a, b):
        reasons.append("body")
    config_a, config_b = _node_config(a), _node_config(b)
    reasons.extend(
        f"config.{key}"
        for key in sorted(config_a.keys() | config_b.keys())
        if config_a.get(key) != config_b.get(key)
    )
    if (a.description or "").strip() != (b.description or "").strip():
        reasons.append("description")
    if _constraints(a.constraints) != _constraints(b.constraints):
        reasons.append("constraints")
    reasons.extend(_column_differences(a.columns, b.columns))
    reasons.extend(r for r in _persisted_differences(a, b) if r not in reasons)
    if (
        body.method == "checksum"
        and is_contracted(a)
        and is_contracted(b)
        and _contract_checksum(a) != _contract_checksum(b)
    ):
        reasons.append("contract")
    if a.resource_type == "test" and _test_definition(a) != _test_definition(b):
        reasons.append("test definition")
    if a.fqn != b.fqn:  # a file moved to another folder: dbt's `state:modified` builds it
        reasons.append("fqn")
    return reasons


def _persisted_differences(a: Node, b: Node) -> list[str]:
    """Descriptions as dbt writes them into the warehouse under `persist_docs` (as the pull
    request configures it), compared as dbt's `state:modified` compares them: exactly, where
    the change set's own comparison forgives whitespace and the case of column names."""
    persist = a.config.persist_docs if a.config is not None else None
    if persist is None:
        return []
    reasons = []
    if persist.relation and a.description != b.description:
        reasons.append("description")
    if persist.columns:
        mine = {key: column.description for key, column in (a.columns or {}).items()}
        theirs = {key: column.description for key, column in (b.columns or {}).items()}
        reasons.extend(
            f"column {key} description"
            for key in sorted(mine.keys() | theirs.keys())
            if mine.get(key, _ABSENT) != theirs.get(key, _ABSENT)
        )
    return reasons


def _contract_checksum(node: Node) -> str | None:
    """dbt's checksum of an enforced contract (its columns, their types and constraints as
    dbt writes them), which its `state:modified.contract` compares."""
    return node.contract.checksum if node.contract is not None else None


def _node_config(node: Node) -> dict[str, Any]:
    config = node.config
    values: dict[str, Any] = {
        "access": node.access,
        "group": node.group,
        "contract": is_contracted(node),
        "tags": sorted(node.tags or ()),
        "meta": _canonical(node.meta),
        "version": _text(node.version),
        "latest_version": _text(node.latest_version),
        "deprecation_date": node.deprecation_date,
    }
    if config is not None:
        for key in (
            "enabled",
            "materialized",
            "alias",
            "schema",
            "database",
            "unique_key",
            "incremental_strategy",
            "strategy",
            "on_schema_change",
            "severity",
        ):
            value = getattr(config, key)
            values[key] = _CONFIG_DEFAULTS.get(key) if value is None else value
        if config.materialized is None:
            values["materialized"] = _DEFAULT_MATERIALIZED.get(node.resource_type)
    if node.resource_type == "test":
        values["severity"] = (values.get("severity") or "error").lower()
        if config is not None:  # what loosens a test without renaming it
            values.update(
                where=(config.where or "").strip(),
                fail_calc=(config.fail_calc or _TEST_DEFAULTS["fail_calc"]).strip(),
                error_if=(config.error_if or _TEST_DEFAULTS["error_if"]).strip(),
                warn_if=(config.warn_if or _TEST_DEFAULTS["warn_if"]).strip(),
                limit=config.limit,
            )
    return values


def _column_differences(a: dict[str, Column] | None, b: dict[str, Column] | None) -> list[str]:
    a_columns = {(c.name or k).lower(): c for k, c in (a or {}).items()}
    b_columns = {(c.name or k).lower(): c for k, c in (b or {}).items()}
    reasons = [f"column {name} added" for name in sorted(a_columns.keys() - b_columns.keys())]
    reasons += [f"column {name} removed" for name in sorted(b_columns.keys() - a_columns.keys())]
    for name in sorted(a_columns.keys() & b_columns.keys()):
        x, y = a_columns[name], b_columns[name]
        if x == y:
            continue
        for aspect, left, right in (
            ("description", (x.description or "").strip(), (y.description or "").strip()),
            ("data_type", _type(x.data_type), _type(y.data_type)),
            ("constraints", _constraints(x.constraints), _constraints(y.constraints)),
        ):
            if left != right:
                reasons.append(f"column {name} {aspect}")
    return reasons


def _source_differences(a: Source, b: Source) -> list[str]:
    reasons = []
    pairs = {
        "description": ((a.description or "").strip(), (b.description or "").strip()),
        "source_description": (
            (a.source_description or "").strip(),
            (b.source_description or "").strip(),
        ),
        "identifier": (a.identifier, b.identifier),
        "loaded_at_field": (a.loaded_at_field, b.loaded_at_field),
        "freshness": (_freshness(a), _freshness(b)),
        "tags": (sorted(a.tags or ()), sorted(b.tags or ())),
        "meta": (_canonical(a.meta), _canonical(b.meta)),
        "loader": (a.loader or "", b.loader or ""),
        # As resolved, as dbt's `state:modified` compares a source's relation by default.
        "database": (a.database, b.database),
        "schema": (a.schema, b.schema),
    }
    reasons = [name for name, (left, right) in pairs.items() if left != right]
    # How the relation's names are quoted, and an external table's definition, as dbt's
    # `same_quoting` and `same_external` compare them: JSON compared byte for byte first.
    for name, left, right in (
        ("quoting", a.quoting_json, b.quoting_json),
        ("external", a.external_json, b.external_json),
    ):
        if left != right and _json_value(left) != _json_value(right):
            reasons.append(name)
    reasons.extend(_column_differences(a.columns, b.columns))
    return reasons


def _json_value(raw: msgspec.Raw) -> Any:
    """JSON the decode kept, without nulls and empty values: dbt versions write an unset
    `external` as null or as an object of nulls, and `quoting` with or without its `column`."""
    from dbtgate.state_semantic import without_empty

    return without_empty(msgspec.json.decode(raw))


def _exposure_differences(a: Exposure, b: Exposure) -> list[str]:
    def owner(e: Exposure) -> tuple[str | None, str | None]:
        return (e.owner.name, e.owner.email) if e.owner else (None, None)

    pairs = {
        "description": ((a.description or "").strip(), (b.description or "").strip()),
        "type": (a.type, b.type),
        "maturity": (a.maturity, b.maturity),
        "url": (a.url, b.url),
        "owner": (owner(a), owner(b)),
        "depends_on": (
            sorted(a.depends_on.nodes or []) if a.depends_on else [],
            sorted(b.depends_on.nodes or []) if b.depends_on else [],
        ),
        "tags": (sorted(a.tags or ()), sorted(b.tags or ())),
        "meta": (_canonical(a.meta), _canonical(b.meta)),
    }
    return [name for name, (left, right) in pairs.items() if left != right]


def _macro_differences(a: Macro, b: Macro, *, every_argument: bool) -> list[str]:
    """`every_argument`: both builds come from one dbt minor version. dbt 1.12 lists the
    arguments of a macro's signature that its YAML leaves out, older versions do not: across
    versions only the described arguments are compared, or upgrading dbt would modify every
    macro of the project."""
    pairs = {
        "description": ((a.description or "").strip(), (b.description or "").strip()),
        "meta": (_canonical(a.meta), _canonical(b.meta)),
        "arguments": (_arguments(a, every_argument), _arguments(b, every_argument)),
    }
    return [name for name, (left, right) in pairs.items() if left != right]


def _arguments(macro: Macro, every: bool) -> list[tuple[str, str | None, str]]:
    found = [(a.name, a.type, (a.description or "").strip()) for a in macro.arguments or ()]
    return found if every else [argument for argument in found if argument[2]]


def _propagate_test_changes(
    project: Project, base: Project, new: list[str], modified: dict[str, list[str]]
) -> None:
    """A test added, changed or removed modifies the resource it tests."""
    touched: dict[str, set[str]] = {}
    changed_tests = set(new) | set(modified)
    for owner, tests in project.tests_by_resource.items():
        for test in tests:
            if test.unique_id in changed_tests:
                touched.setdefault(owner, set()).add("tests")
    for owner, tests in base.tests_by_resource.items():
        if owner not in project.nodes and owner not in project.sources:
            continue
        for test in tests:
            if test.unique_id not in project.nodes:
                touched.setdefault(owner, set()).add("tests")
    new_set = set(new)
    for owner, reasons in touched.items():
        if owner in new_set:
            continue
        existing = modified.setdefault(owner, [])
        existing.extend(r for r in sorted(reasons) if r not in existing)


# -- unit tests ----------------------------------------------------------------------------------


def _unit_test_changes(
    project: Project, base: Project, *, same_version: bool
) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """New, modified and deleted unit tests (their unique_ids: the base build's for a deleted
    one). Compared by dbt-core's checksum when both builds come from one dbt minor version (as
    `state:modified` compares them), else by the definition that checksum covers, read apart:
    the checksum's text differs across versions, and Fusion writes none. Matched by package,
    model, name and version, not by unique_id: dbt-core and Fusion name a versioned model's
    unit test apart (`test_x_v2`, `test_x.v2`). A disabled unit test is none: dbt never runs
    it."""
    current, previous = _unit_tests(project), _unit_tests(base)
    new = [current[key].unique_id for key in current.keys() - previous.keys()]
    deleted = [previous[key].unique_id for key in previous.keys() - current.keys()]
    modified = {
        current[key].unique_id: ["unit test definition"]
        for key in current.keys() & previous.keys()
        if _unit_test_differs(project, base, current[key], previous[key], same_version)
    }
    return new, modified, deleted


def _unit_tests(project: Project) -> dict[tuple[str, str, str, str | None], UnitTest]:
    return {
        (test.package_name, test.model or "", test.name, _text(test.version)): test
        for test in (project.manifest.unit_tests or {}).values()
        if test.enabled
    }


def _unit_test_differs(
    project: Project, base: Project, a: UnitTest, b: UnitTest, same_version: bool
) -> bool:
    if same_version and _checksum(a) and _checksum(b):
        return _checksum(a) != _checksum(b)
    mine, theirs = (
        project.unit_test_definitions().get(a.unique_id),
        base.unit_test_definitions().get(b.unique_id),
    )
    if mine is None or theirs is None:
        return mine is not theirs  # read from one build's manifest file only
    return mine.differs(theirs)


def _checksum(unit_test: UnitTest) -> str:
    checksum = unit_test.checksum
    return checksum if isinstance(checksum, str) else ""


def _propagate_unit_test_changes(
    project: Project, new: list[str], modified: dict[str, list[str]], changed: list[str]
) -> None:
    """A unit test added or edited modifies the model it tests (`unit tests`), as a data test
    does: its failure is the model's. One removed modifies nothing: dbt's `state:modified+`
    then builds nothing of the model, and nothing the removal did can fail."""
    tested = project.tested_resources()
    new_set = set(new)
    for uid in changed:
        model = tested.get(uid)
        if model is None or model in new_set:
            continue
        reasons = modified.setdefault(model, [])
        if "unit tests" not in reasons:
            reasons.append("unit tests")


def _test_definition(node: Node) -> tuple[Any, ...]:
    metadata = node.test_metadata
    kwargs = dict(metadata.kwargs or {}) if metadata else {}
    kwargs.pop("model", None)  # a Jinja string whose spelling varies across dbt versions
    kwargs.pop("column_name", None)
    return (
        metadata.namespace if metadata else None,
        metadata.name if metadata else None,
        (node.column_name or "").lower(),
        _canonical(kwargs),
    )


def _constraints(constraints: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (c.type, c.name or "", c.expression or "", tuple(c.columns or ()))
        for c in constraints or ()
    )


def _freshness(source: Source) -> tuple[Any, ...]:
    rule = source.freshness
    if rule is None:
        return ()

    def threshold(t: Any) -> tuple[Any, Any]:
        return (t.count, t.period) if t is not None and t.count else (None, None)

    return (threshold(rule.warn_after), threshold(rule.error_after), rule.filter)


def _type(data_type: str | None) -> str:
    return re.sub(r"\s+", "", (data_type or "").lower())


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _canonical(value: Any) -> str:
    """Order-independent text of a meta mapping; string values are compared stripped (YAML
    parsers disagree on trailing newlines of block scalars)."""
    return json.dumps(_stripped(value or {}), sort_keys=True, default=str)


def _stripped(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {str(k): _stripped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stripped(v) for v in value]
    return value
