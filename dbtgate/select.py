"""Selectors: which resources a policy or a waiver is about, in dbt's own syntax.

Teams already think in `dbt ls --select` terms, so policies use the same language: methods
(`tier:1`, `tag:nightly`, `path:models/marts`, `fqn:shop.marts.*`, `group:`, `access:`,
`config.materialized:`, `resource_type:`, `package:`, `source:`, `exposure:`, `unique_id:`,
`version:`, `test_type:`, `test_name:`, `unit_test:`, `semantic_model:`, `metric:`,
`saved_query:`, `state:new` /
`state:modified` / `state:modified.<part>` against the base build, as dbt selects them:
`state_modified`), bare names and unique_ids, graph operators (`+x`, `2+x`,
`x+`, `x+1`, `@x`), unions (space) and intersections (comma).

A selector is parsed once (a mistake is reported with the config line by the caller) and
evaluated once per policy into a set of unique_ids; each method is one pass over the resources.
Resources are those a policy can gate (models, seeds, snapshots, sources, exposures, macros) of
the root project; `package:` and the graph operators also reach installed packages' resources.
Macros are in no graph (the manifest's edges are between nodes), so an operator on a macro
selects the macro alone; dbt gives them no tags, group, access or config beyond `meta`, and no
fqn but their package and name.

Tests (data tests and unit tests) and the semantic layer (semantic models, metrics, saved
queries) are no policy's subject, yet a waiver or `check --select` may be about them (a failing
`accepted_values` test, the models a semantic model reads, the metrics a pull request changed).
They join an intersection only when one of its parts names them (`test_type:`, `test_name:`,
`unit_test:`, `semantic_model:`, `metric:`, `saved_query:`, their `resource_type:` or
unique_id): then every
part of it judges them as dbt would (`test_type:generic,path:models/marts`), while `*`,
`tag:critical` or `orders+` alone keep selecting what they always did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase
from typing import Any

from msgspec import Struct

from dbtgate.artifacts.manifest import file_path
from dbtgate.project import Project
from dbtgate.state_modified import PARTS, DbtState

SELECTABLE_NODE_TYPES = frozenset({"model", "seed", "snapshot"})
# What a selector selects unless one of its parts names tests or semantic models.
_GATED_TYPES = SELECTABLE_NODE_TYPES | {"source", "exposure", "macro"}
_TEST_TYPES = frozenset({"test", "unit_test"})
_SEMANTIC_TYPES = frozenset({"semantic_model", "metric", "saved_query"})
# What `resource_type:` may name: the types a selector can select (macros are dbtgate's: dbt
# selects none), and dbt's others (dbt-core's NodeType), which are refused saying so.
RESOURCE_TYPES = tuple(sorted(_GATED_TYPES | _TEST_TYPES | _SEMANTIC_TYPES))
_DBT_ONLY_RESOURCE_TYPES = frozenset(
    {"analysis", "doc", "fixture", "function", "group", "operation", "rpc", "sql_operation"}
)
# dbt's `state:` values; `modified.<part>`: dbt's sub-selectors (`state_modified.PARTS`).
STATE_VALUES = ("modified", "new", "old", "unmodified", *(f"modified.{p}" for p in PARTS))
VERSION_VALUES = ("latest", "prerelease", "old", "none")
# dbt's legacy names: `schema` tests are generic ones; `data` tests, since dbt 1.8 renamed
# `tests:` to `data_tests:`, are generic and singular ones (dbt-core's TestTypeSelectorMethod).
# dbt's model access levels: `access:` compares the value with the model's as it is.
ACCESS_VALUES = ("private", "protected", "public")
TEST_TYPE_VALUES = ("generic", "singular", "unit", "data", "schema")
METHODS = (
    "access",
    "config.<key>",
    "exposure",
    "file",
    "fqn",
    "group",
    "metric",
    "package",
    "path",
    "resource_type",
    "saved_query",
    "semantic_model",
    "source",
    "state",
    "tag",
    "test_name",
    "test_type",
    "tier",
    "unique_id",
    "unit_test",
    "version",
)
_SIMPLE_METHODS = frozenset(m for m in METHODS if m != "config.<key>")
# dbt's methods that dbtgate cannot evaluate, and why: said instead of "unknown method".
_UNSUPPORTED_METHODS = {
    "result": "it selects by the results of a previous run (dbt's --state); dbtgate gates this "
    "build's run_results.json, whose failures are findings of their own (run.test_failures, "
    "run.errors, run.skipped: waive those codes, or select the resources)",
    "source_status": "it compares two source freshness runs (dbt's --state); dbtgate judges this "
    "build's sources.json (freshness.warn, freshness.error: waive those codes, or select the "
    "sources with source:)",
}
# As dbt parses a selector: the value may hold `@` and `+` (`config.meta.owner:@finance-eng`); only
# a leading `@`/`N+` and a trailing `+N` are graph operators.
_ATOM_RE = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<body>.+?)(?:\+(?P<down>\d*))?$")
_TIER_RE = re.compile(r"^(<=|>=|<|>|=)?\s*(\d+)$")
# A bare value with these endings is a file name, as in dbt (`orders.sql` is `file:orders.sql`).
_FILE_SUFFIXES = (".sql", ".py", ".csv")
# Fields that the loader folds from `config` to the resource (they may be set in either place).
_FOLDED_CONFIG = frozenset({"meta", "tags", "access", "group", "contract"})


class SelectorError(ValueError):
    """A selector that cannot be parsed or evaluated; callers add the config file and line."""


class Atom(Struct, frozen=True):
    """One selection method with its graph operators: `2+tier:1+` is Atom("tier", "1", 2, -1)."""

    text: str
    method: str  # "" for a bare name, unique_id or path
    value: str
    parents: int | None = None  # None: no operator; -1: all ancestors
    children: int | None = None  # None: no operator; -1: all descendants
    at: bool = False


class Selector(Struct, frozen=True):
    """A union (space) of intersections (comma) of atoms."""

    text: str
    terms: tuple[tuple[Atom, ...], ...]

    @property
    def uses_state(self) -> bool:
        return any(atom.method == "state" for term in self.terms for atom in term)


def parse_selector(text: str) -> Selector:
    """Parse a selector string; raises SelectorError naming the bad part, unless the part is
    the whole selector, which every caller names already (`--select 'tag:': needs a value`,
    not `--select 'tag:': 'tag:': ...`)."""
    terms = []
    whole = text.strip()
    for union_part in text.split():
        atoms = []
        for raw in union_part.split(","):
            if not raw:
                raise SelectorError(f"empty selector part in {union_part!r}")
            try:
                atoms.append(_parse_atom(raw))
            except SelectorError as exc:
                if raw != whole:
                    raise
                raise SelectorError(str(exc).removeprefix(f"{raw!r}: ")) from None
        terms.append(tuple(atoms))
    if not terms:
        raise SelectorError("empty selector")
    return Selector(text, tuple(terms))


def _parse_atom(raw: str) -> Atom:
    match = _ATOM_RE.match(raw)
    if match is None or match.group("body")[0] in "@+":
        raise SelectorError(f"cannot parse {raw!r} (graph operators: +x, 2+x, x+, x+1, @x)")
    body = match.group("body")
    at = bool(match.group("at"))
    up = _depth(match.group("up"))
    down = _depth(match.group("down"))
    if at and (up is not None or down is not None):
        raise SelectorError(f"{raw!r}: `@` cannot be combined with `+`")
    method, sep, value = body.partition(":")
    if not sep:
        method, value = "", body
    elif method in _UNSUPPORTED_METHODS:
        raise SelectorError(f"{raw!r}: {method}: is dbt's, but {_UNSUPPORTED_METHODS[method]}")
    elif not method.startswith("config.") and method not in _SIMPLE_METHODS:
        raise SelectorError(f"unknown selector method {method!r} (known: {', '.join(METHODS)})")
    elif method == "config.":
        raise SelectorError(f"{raw!r}: config. needs a key, e.g. config.materialized:table")
    if not value:
        raise SelectorError(f"{raw!r}: {method}: needs a value")
    _check_value(raw, method, value)
    return Atom(raw, method, value, up, down, at)


def _check_value(raw: str, method: str, value: str) -> None:
    """The values a method cannot take are errors when parsed, not empty selections later."""
    if method == "state" and value not in STATE_VALUES:
        raise SelectorError(f"{raw!r}: state: takes one of {', '.join(STATE_VALUES)}")
    if method == "tier" and not _TIER_RE.match(value):
        raise SelectorError(f"{raw!r}: tier: takes a number, optionally with <, <=, >, >=")
    if method == "version" and value not in VERSION_VALUES:
        raise SelectorError(f"{raw!r}: version: takes one of {', '.join(VERSION_VALUES)}")
    if method == "test_type" and value not in TEST_TYPE_VALUES:
        raise SelectorError(f"{raw!r}: test_type: takes one of {', '.join(TEST_TYPE_VALUES)}")
    if method == "test_name" and "." in value:
        # dbt matches the generic test's own name: its package is no part of it.
        name = value.rsplit(".", 1)[1]
        raise SelectorError(
            f"{raw!r}: test_name: takes the generic test's name without its package "
            f"(test_name:{name})"
        )
    if method == "source" and value.count(".") > 2:
        raise SelectorError(
            f"{raw!r}: source: takes source_name, source_name.table or package.source_name.table"
        )
    if method == "access" and value not in ACCESS_VALUES and not _GLOB_CHARS.intersection(value):
        raise SelectorError(f"{raw!r}: access: takes one of {', '.join(ACCESS_VALUES)}")
    if method == "resource_type" and not _GLOB_CHARS.intersection(value):
        _check_resource_type(raw, value)
    if method in _NAMED_METHODS and value.count(".") > 1:
        raise SelectorError(f"{raw!r}: {method}: takes a name or package.name")


def _check_resource_type(raw: str, value: str) -> None:
    """dbt refuses a type it does not know; one it knows that dbtgate never selects would
    select nothing here, where dbt selects its resources: both are errors."""
    if value in RESOURCE_TYPES:
        return
    if value in _DBT_ONLY_RESOURCE_TYPES:
        raise SelectorError(
            f"{raw!r}: resource_type:{value} is dbt's, but dbtgate selects only "
            f"{', '.join(RESOURCE_TYPES)}"
        )
    raise SelectorError(f"{raw!r}: resource_type: takes one of {', '.join(RESOURCE_TYPES)}")


def _depth(operator: str | None) -> int | None:
    if operator is None:
        return None
    return int(operator) if operator else -1


class Selection:
    """Evaluates selectors against one project (and `state:` against the base build: `state`,
    which a Selection of the base build shares)."""

    def __init__(self, project: Project, state: DbtState | None = None) -> None:
        self.project = project
        self.state = state
        resources: dict[str, Any] = {}
        for uid, node in project.nodes.items():
            if node.resource_type in SELECTABLE_NODE_TYPES:
                resources[uid] = node
        resources.update(project.sources)
        resources.update(project.exposures)
        resources.update(project.macros)
        # Every resource a selection may return, by unique_id: the gated ones, and the tests and
        # semantic models once a selector named them (`_pool`).
        self.resources = resources
        self._gated = resources
        root = project.root_package
        self.universe = {uid for uid, r in resources.items() if r.package_name == root}
        # Resource types -> (their resources of every package, the root project's unique_ids).
        self._pools: dict[frozenset[str], tuple[dict[str, Any], set[str]]] = {
            _GATED_TYPES: (resources, self.universe)
        }
        self._parents = project.parents
        self._children = project.children
        self._cache: dict[str, frozenset[str]] = {}
        self._atoms: dict[tuple[frozenset[str], str], frozenset[str]] = {}

    def select(self, selector: Selector, exclude: Selector | None = None) -> set[str]:
        selected = set(self._evaluate(selector))
        if exclude is not None:
            selected -= self._evaluate(exclude)
        return selected

    def _evaluate(self, selector: Selector) -> frozenset[str]:
        found = self._cache.get(selector.text)
        if found is None:
            result: set[str] = set()
            for term in selector.terms:
                types = _term_types(term)
                current: set[str] | None = None
                for atom in term:
                    matched = self._atom(atom, types)
                    current = set(matched) if current is None else current & matched
                    if not current:
                        break
                result |= current or set()
            found = self._cache[selector.text] = frozenset(result)
        return found

    def _pool(self, types: frozenset[str]) -> tuple[dict[str, Any], set[str]]:
        """The resources of `types`, of every package, and the root project's among them: tests
        and semantic models are read from the project the first time a selector names them."""
        pool = self._pools.get(types)
        if pool is None:
            extras: dict[str, Any] = {}
            if "test" in types:
                nodes = self.project.nodes
                extras.update((uid, n) for uid, n in nodes.items() if n.resource_type == "test")
            manifest = self.project.manifest
            if "unit_test" in types:
                extras.update(manifest.unit_tests or {})
            if "semantic_model" in types:
                extras.update(manifest.semantic_models or {})
                extras.update(manifest.metrics or {})
                extras.update(manifest.saved_queries or {})
            self._join_graph(extras)
            if self.resources is self._gated:
                self.resources = dict(self._gated)
            self.resources.update(extras)
            root = self.project.root_package
            universe = self.universe | {u for u, r in extras.items() if r.package_name == root}
            pool = self._pools[types] = ({**self._gated, **extras}, universe)
        return pool

    def _join_graph(self, extras: dict[str, Any]) -> None:
        """Unit tests and semantic models are in no edge of the project's graph (it is built
        from nodes): they are children of what they depend on here, as in dbt's graph, for
        `+semantic_model:x` and `orders+,test_type:unit`."""
        for uid, resource in extras.items():
            if resource.resource_type == "test" or uid in self._parents:
                continue
            if self._parents is self.project.parents:
                self._parents = dict(self._parents)
                self._children = dict(self._children)
            upstream = list(resource.depends_on.nodes or ()) if resource.depends_on else []
            self._parents[uid] = upstream
            for parent in upstream:
                self._children[parent] = [*self._children.get(parent, ()), uid]

    def _atom(self, atom: Atom, types: frozenset[str]) -> frozenset[str]:
        key = (types, atom.text)
        cached = self._atoms.get(key)
        if cached is not None:
            return cached
        pool, universe = self._pool(types)
        base = self._method(atom, pool, universe)
        result = set(base)
        if atom.at:
            below = self._walk(base, self._children, -1, pool)
            result |= below
            result |= self._walk(base | below, self._parents, -1, pool)
        if atom.parents is not None:
            result |= self._walk(base, self._parents, atom.parents, pool)
        if atom.children is not None:
            result |= self._walk(base, self._children, atom.children, pool)
        found = self._atoms[key] = frozenset(result)
        return found

    def _walk(
        self, start: Iterable[str], edges: dict[str, list[str]], depth: int, pool: dict[str, Any]
    ) -> set[str]:
        """Resources of `pool` reachable from `start` along `edges` within `depth` steps (-1:
        any)."""
        seen: set[str] = set()
        frontier = list(start)
        level = 0
        while frontier and (depth < 0 or level < depth):
            level += 1
            following = []
            for uid in frontier:
                for other in edges.get(uid, ()):
                    if other not in seen:
                        seen.add(other)
                        following.append(other)
            frontier = following
        return {uid for uid in seen if uid in pool}

    # -- methods -------------------------------------------------------------------------------

    def _method(self, atom: Atom, pool: dict[str, Any], universe: set[str]) -> set[str]:
        method, value = atom.method, atom.value
        if method == "":
            return self._bare(value, pool, universe)
        if method == "package":
            if value == "this":  # dbt's name for the root project
                value = self.project.root_package
            return {uid for uid, r in pool.items() if fnmatchcase(r.package_name, value)}
        if method == "state":
            return self._state(value, universe)
        if method == "unique_id":
            if value in pool:
                return {value}
            return self._where(universe, lambda uid, _r: fnmatchcase(uid, value))
        if method == "tier":
            return self._tier(value, universe)
        if method == "path":
            pattern = PathPattern(value)
            return self._where(universe, lambda _uid, r: pattern.matches(r))
        if method == "fqn":
            fqn = FqnPattern(value)
            return self._where(universe, lambda _uid, r: fqn.matches(r))
        if method.startswith("config."):
            keys = method.split(".")[1:]
            return self._where(universe, lambda _uid, r: _config_matches(r, keys, value))
        if method in _ATTRIBUTE_METHODS and not _GLOB_CHARS.intersection(value):
            # A plain value (`resource_type:model`, the selector of most policies) is compared,
            # not matched as a glob resource by resource (fnmatchcase is equality without one of
            # `*?[`): three Python calls less per resource of the project.
            resources = self.resources
            return {
                uid
                for uid in universe
                if (actual := getattr(resources[uid], method, None)) is not None
                and str(actual) == value
            }
        matcher = _MATCHERS[method]
        return self._where(universe, lambda _uid, r: matcher(r, value))

    def _where(self, universe: set[str], predicate: Callable[[str, Any], bool]) -> set[str]:
        resources = self.resources
        return {uid for uid in universe if predicate(uid, resources[uid])}

    def _bare(self, value: str, pool: dict[str, Any], universe: set[str]) -> set[str]:
        """As dbt reads a value without a method: a path when it holds a slash, a file name
        when it ends in .sql, .py or .csv, else a name or fqn (and here also a unique_id)."""
        if value == "*":
            return set(universe)
        if value in pool:
            return {value}
        if "/" in value or "\\" in value:
            pattern = PathPattern(value)
            return self._where(universe, lambda _uid, r: pattern.matches(r))
        if value.lower().endswith(_FILE_SUFFIXES):
            return self._where(universe, lambda _uid, r: _file_matches(r, value))
        pattern = FqnPattern(value)
        return self._where(universe, lambda _uid, r: pattern.matches(r))

    def _tier(self, value: str, universe: set[str]) -> set[str]:
        match = _TIER_RE.match(value)
        assert match is not None  # checked when parsed
        operator, number = match.group(1) or "=", int(match.group(2))
        compare = {
            "=": lambda t: t == number,
            "<": lambda t: t < number,
            "<=": lambda t: t <= number,
            ">": lambda t: t > number,
            ">=": lambda t: t >= number,
        }[operator]
        tier = self.project.tier
        return {uid for uid in universe if (t := tier(uid)) is not None and compare(t)}

    def _state(self, value: str, universe: set[str]) -> set[str]:
        """As dbt's `state:` method: `modified` is what dbt's `state:modified` selects, new
        resources included (`state_modified`), not everything the change set holds."""
        state = self.state
        if state is None:
            raise SelectorError(
                f"state:{value} needs a base build to compare with (pass --base, or set `base`)"
            )
        if value == "new":
            return universe & state.new
        if value == "old":
            return universe - state.new
        if value == "unmodified":
            return universe - state.modified()
        part = value.partition(".")[2] or None
        return universe & state.modified(part)


def _term_types(term: tuple[Atom, ...]) -> frozenset[str]:
    """The resource types an intersection judges: the gated ones, with tests or semantic
    models when one of its parts names them."""
    types = _GATED_TYPES
    for atom in term:
        method, value = atom.method, atom.value
        if method in ("test_type", "test_name", "unit_test"):
            types = types | _TEST_TYPES
        elif method in _SEMANTIC_TYPES:
            types = types | _SEMANTIC_TYPES
        elif method in ("resource_type", "unique_id", ""):
            named = value if method == "resource_type" else value.split(".", 1)[0]
            if named in _TEST_TYPES:
                types = types | _TEST_TYPES
            elif named in _SEMANTIC_TYPES:
                types = types | _SEMANTIC_TYPES
    return types


class PathPattern:
    """dbt's `path:`: the value is a glob of the project's files and folders (`*` within one
    folder, `**` across folders), and a resource is selected when its file, a folder above
    it, or the properties YAML that documents it (its patch_path) is one of those.

    dbt globs the project folder on disk; dbtgate may run where the project is not, so the
    pattern is matched against the paths the manifest names, which are the ones that count.
    """

    def __init__(self, value: str) -> None:
        parts = [p for p in value.replace("\\", "/").split("/") if p not in ("", ".")]
        # As pathlib's glob: a pattern that ends in `**` matches folders only.
        self.folders_only = bool(parts) and parts[-1] == "**"
        pieces = ["(?:[^/]+/)*" if part == "**" else _glob_part(part) + "/" for part in parts]
        self._regex = re.compile("".join(pieces))

    def matches(self, resource: Any) -> bool:
        path = file_path(resource)
        full = self._regex.fullmatch
        if not self.folders_only:
            if full(f"{path}/"):
                return True
            patch = getattr(resource, "patch_path", None)
            if patch and full(patch.replace("\\", "/") + "/"):
                return True
        end = path.rfind("/")
        while end > 0:
            if full(path[: end + 1]):
                return True
            end = path.rfind("/", 0, end)
        return full("") is not None  # the project's root folder: `path:.`


def _glob_part(part: str) -> str:
    """A regular expression for one path segment of a glob, as fnmatch reads it but never
    crossing a slash."""
    pieces = []
    index = 0
    while index < len(part):
        char = part[index]
        index += 1
        if char == "*":
            pieces.append("[^/]*")
        elif char == "?":
            pieces.append("[^/]")
        elif char == "[" and (close := part.find("]", index + 1)) > 0:
            inside = part[index:close]
            negate = inside.startswith("!")
            inside = (inside[1:] if negate else inside).replace("\\", "\\\\")
            pieces.append(f"[^{inside}]" if negate else f"[{inside}]")
            index = close + 1
        else:
            pieces.append(re.escape(char))
    return "".join(pieces)


def _file_matches(resource: Any, value: str) -> bool:
    name = file_path(resource).rsplit("/", 1)[-1]
    return fnmatchcase(name, value) or fnmatchcase(name.rsplit(".", 1)[0], value)


class FqnPattern:
    """dbt's fqn: method (and a bare name's): the node's name, its versioned name (`orders.v2`
    or `orders_v2`), or the leading parts of its fqn, with or without its package
    (`shop.marts`, `marts.finance`); from the first part with a wildcard on, the rest of the
    fqn is one glob (`marts.*` reaches every folder below, `stg_*` also each node's name). A
    port of dbt-core's `is_selected_node`: a source has no fqn to dbt's selectors (`source:`
    selects it), so none matches one.

    The value is split once per selector, not once per resource.
    """

    def __init__(self, value: str) -> None:
        self.value = value
        self.parts = value.split(".")
        self.flat_tail = "_".join(self.parts[-2:])
        self.slurp = next(
            (i for i, part in enumerate(self.parts) if _GLOB_CHARS.intersection(part)), None
        )
        self.rest = ".".join(self.parts[self.slurp :]) if self.slurp is not None else ""

    def matches(self, resource: Any) -> bool:
        if resource.resource_type == "source":
            return False
        fqn = list(getattr(resource, "fqn", None) or [resource.package_name, resource.name])
        versioned = getattr(resource, "version", None) is not None
        return self._selects(fqn, versioned) or self._selects(fqn[1:], versioned)

    def _selects(self, fqn: list[str], versioned: bool) -> bool:
        if len(fqn) < (2 if versioned else 1):
            return False
        if versioned:
            if fqn[-2] == self.value or "_".join(fqn[-2:]) == self.flat_tail:
                return True
        elif fqn[-1] == self.value:
            return True
        flat = [item for segment in fqn for item in segment.split(".")]
        parts = self.parts
        if len(flat) < len(parts):
            return False
        end = len(parts) if self.slurp is None else self.slurp
        if flat[:end] != parts[:end]:
            return False
        if self.slurp is None:
            return True
        if fnmatchcase(".".join(flat[self.slurp :]), self.rest):
            return True
        # A wildcard without a dot also matches the node's own name, however deep it is.
        return len(parts) == 1 and fnmatchcase(fqn[-2] if versioned else fqn[-1], self.value)


def _tags_match(resource: Any, value: str) -> bool:
    return any(fnmatchcase(tag, value) for tag in resource.tags or ())


def _source_matches(resource: Any, value: str) -> bool:
    if resource.resource_type != "source":
        return False
    # dbt's forms: source, source.table, package.source.table (`_check_value` refuses more).
    parts = value.split(".")
    package = parts.pop(0) if len(parts) == 3 else "*"
    source_name, table = parts[0], parts[1] if len(parts) > 1 else "*"
    return (
        fnmatchcase(resource.source_name, source_name)
        and fnmatchcase(resource.name, table)
        and fnmatchcase(resource.package_name, package)
    )


def _attribute_is(name: str) -> Callable[[Any, str], bool]:
    def matches(resource: Any, value: str) -> bool:
        actual = getattr(resource, name, None)
        return actual is not None and fnmatchcase(str(actual), value)

    return matches


def _version_matches(resource: Any, value: str) -> bool:
    """dbt's `version:` of a model: `latest` is its latest_version, `prerelease` above it,
    `old` below it, `none` an unversioned model (every model of a manifest before v9)."""
    if resource.resource_type != "model":
        return False
    version, latest = resource.version, resource.latest_version
    if value == "none":
        return version is None
    if value == "latest":
        return version is not None and version == latest
    if not version or not latest:
        return False
    if value == "prerelease":
        return _version_below(latest, version)
    return _version_below(version, latest)  # old


def _version_below(version: int | float | str, other: int | float | str) -> bool:
    """As dbt orders versions: as numbers when both are, else as text (`v2` < `v10` is false)."""
    try:
        return float(version) < float(other)
    except ValueError:
        return str(version) < str(other)


def _test_type_matches(resource: Any, value: str) -> bool:
    """dbt's test types: a generic test is one from a test block (`unique`, the packages'),
    with test_metadata; a singular test is a SQL file of tests/; unit tests are apart."""
    if resource.resource_type == "unit_test":
        return value == "unit"
    if resource.resource_type != "test":
        return False
    if value == "data":
        return True
    generic = resource.test_metadata is not None
    return generic if value in ("generic", "schema") else value == "singular" and not generic


def _test_name_matches(resource: Any, value: str) -> bool:
    """A generic test's name, without its package (`expression_is_true` for dbt_utils'), or
    a unit test's name."""
    if resource.resource_type == "unit_test":
        return fnmatchcase(resource.name, value)
    metadata = resource.test_metadata if resource.resource_type == "test" else None
    return metadata is not None and fnmatchcase(metadata.name, value)


def _named(resource_type: str) -> Callable[[Any, str], bool]:
    """`name` or `package.name`, with wildcards: dbt's unit_test:, semantic_model:, metric:
    and saved_query:."""

    def matches(resource: Any, value: str) -> bool:
        package, _, name = value.rpartition(".")
        return (
            resource.resource_type == resource_type
            and fnmatchcase(resource.name, name)
            and (not package or fnmatchcase(resource.package_name, package))
        )

    return matches


# Methods that match one attribute of the resource as a glob (`_attribute_is`), and the
# characters that make a value a glob.
_ATTRIBUTE_METHODS = frozenset({"group", "access", "resource_type"})
_GLOB_CHARS = frozenset("*?[")

_MATCHERS: dict[str, Callable[[Any, str], bool]] = {
    "tag": _tags_match,
    "file": _file_matches,
    "group": _attribute_is("group"),
    "access": _attribute_is("access"),
    "resource_type": _attribute_is("resource_type"),
    "source": _source_matches,
    "exposure": _named("exposure"),
    "version": _version_matches,
    "test_type": _test_type_matches,
    "test_name": _test_name_matches,
    "unit_test": _named("unit_test"),
    "semantic_model": _named("semantic_model"),
    "metric": _named("metric"),
    "saved_query": _named("saved_query"),
}
# The methods that take a name or `package.name`.
_NAMED_METHODS = frozenset({"exposure", "unit_test", "semantic_model", "metric", "saved_query"})


def _config_matches(resource: Any, keys: list[str], value: str) -> bool:
    """dbt's config.<key>: `true`/`false` in any case match a boolean, and a test's severity
    is matched in any case (`config.severity:ERROR`); dbtgate also takes globs and matches a
    number by its text (`config.meta.tier:1`), where dbt compares exactly."""
    first, rest = keys[0], keys[1:]
    if first in _FOLDED_CONFIG:
        current: Any = getattr(resource, first, None)
    else:
        config = getattr(resource, "config", None)
        current = getattr(config, first, None) if config is not None else None
    for key in rest:
        current = current.get(key) if isinstance(current, dict) else getattr(current, key, None)
    if current is None:
        return False
    values = current if isinstance(current, list | tuple) else [current]
    anycase = keys == ["severity"]
    for item in values:
        if isinstance(item, bool) or anycase:
            if str(item).lower() == value.lower():
                return True
        elif fnmatchcase(str(item), value):
            return True
    return False
