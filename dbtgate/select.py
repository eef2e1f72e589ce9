"""Selectors: which resources a policy or a waiver is about, in dbt's own syntax.

Teams already think in `dbt ls --select` terms, so policies use the same language: methods
(`tier:1`, `tag:nightly`, `path:models/marts`, `fqn:shop.marts.*`, `group:`, `access:`,
`config.materialized:`, `resource_type:`, `package:`, `source:`, `exposure:`, `unique_id:`,
`state:modified` / `state:new` against the base build), bare names and unique_ids, graph
operators (`+x`, `2+x`, `x+`, `x+1`, `@x`), unions (space) and intersections (comma).

A selector is parsed once (a mistake is reported with the config line by the caller) and
evaluated once per policy into a set of unique_ids; each method is one pass over the resources.
Resources are those a policy can gate (models, seeds, snapshots, sources, exposures, macros) of
the root project; `package:` and the graph operators also reach installed packages' resources.
Macros are in no graph (the manifest's edges are between nodes), so an operator on a macro
selects the macro alone; dbt gives them no tags, group, access or config beyond `meta`, and no
fqn but their package and name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from dbtgate.artifacts.manifest import file_path
from dbtgate.project import Project

SELECTABLE_NODE_TYPES = frozenset({"model", "seed", "snapshot"})
STATE_VALUES = ("modified", "new", "old", "unmodified")
METHODS = (
    "access",
    "config.<key>",
    "exposure",
    "file",
    "fqn",
    "group",
    "package",
    "path",
    "resource_type",
    "source",
    "state",
    "tag",
    "tier",
    "unique_id",
)
_SIMPLE_METHODS = frozenset(m for m in METHODS if m != "config.<key>")
# As dbt parses a selector: the value may hold `@` and `+` (`config.meta.owner:@finance-eng`); only
# a leading `@`/`N+` and a trailing `+N` are graph operators.
_ATOM_RE = re.compile(r"^(?P<at>@)?(?:(?P<up>\d*)\+)?(?P<body>.+?)(?:\+(?P<down>\d*))?$")
_TIER_RE = re.compile(r"^(<=|>=|<|>|=)?\s*(\d+)$")
_PATH_SUFFIXES = (".sql", ".py", ".yml", ".yaml", ".csv")
# Fields that the loader folds from `config` to the resource (they may be set in either place).
_FOLDED_CONFIG = frozenset({"meta", "tags", "access", "group", "contract"})


class SelectorError(ValueError):
    """A selector that cannot be parsed or evaluated; callers add the config file and line."""


@dataclass(frozen=True)
class Atom:
    """One selection method with its graph operators: `2+tier:1+` is Atom("tier", "1", 2, -1)."""

    text: str
    method: str  # "" for a bare name, unique_id or path
    value: str
    parents: int | None = None  # None: no operator; -1: all ancestors
    children: int | None = None  # None: no operator; -1: all descendants
    at: bool = False


@dataclass(frozen=True)
class Selector:
    """A union (space) of intersections (comma) of atoms."""

    text: str
    terms: tuple[tuple[Atom, ...], ...]

    @property
    def uses_state(self) -> bool:
        return any(atom.method == "state" for term in self.terms for atom in term)


def parse_selector(text: str) -> Selector:
    """Parse a selector string; raises SelectorError naming the bad part."""
    terms = []
    for union_part in text.split():
        atoms = []
        for raw in union_part.split(","):
            if not raw:
                raise SelectorError(f"empty selector part in {union_part!r}")
            atoms.append(_parse_atom(raw))
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
    elif not method.startswith("config.") and method not in _SIMPLE_METHODS:
        raise SelectorError(f"unknown selector method {method!r} (known: {', '.join(METHODS)})")
    elif method == "config.":
        raise SelectorError(f"{raw!r}: config. needs a key, e.g. config.materialized:table")
    if not value:
        raise SelectorError(f"{raw!r}: {method}: needs a value")
    if method == "state" and value not in STATE_VALUES:
        raise SelectorError(f"{raw!r}: state: takes one of {', '.join(STATE_VALUES)}")
    if method == "tier" and not _TIER_RE.match(value):
        raise SelectorError(f"{raw!r}: tier: takes a number, optionally with <, <=, >, >=")
    return Atom(raw, method, value, up, down, at)


def _depth(operator: str | None) -> int | None:
    if operator is None:
        return None
    return int(operator) if operator else -1


class Selection:
    """Evaluates selectors against one project (and the change set against its base)."""

    def __init__(
        self,
        project: Project,
        new: set[str] | None = None,
        modified: set[str] | None = None,
    ) -> None:
        self.project = project
        self.new = new
        self.modified = modified
        resources: dict[str, Any] = {}
        for uid, node in project.nodes.items():
            if node.resource_type in SELECTABLE_NODE_TYPES:
                resources[uid] = node
        resources.update(project.sources)
        resources.update(project.exposures)
        resources.update(project.macros)
        self.resources = resources
        root = project.root_package
        self.universe = {uid for uid, r in resources.items() if r.package_name == root}
        self._cache: dict[str, frozenset[str]] = {}

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
                current: set[str] | None = None
                for atom in term:
                    matched = self._atom(atom)
                    current = set(matched) if current is None else current & matched
                    if not current:
                        break
                result |= current or set()
            found = self._cache[selector.text] = frozenset(result)
        return found

    def _atom(self, atom: Atom) -> frozenset[str]:
        key = f"\x00{atom.text}"
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        base = self._method(atom)
        result = set(base)
        if atom.at:
            below = self._walk(base, self.project.children, -1)
            result |= below
            result |= self._walk(base | below, self.project.parents, -1)
        if atom.parents is not None:
            result |= self._walk(base, self.project.parents, atom.parents)
        if atom.children is not None:
            result |= self._walk(base, self.project.children, atom.children)
        found = self._cache[key] = frozenset(result)
        return found

    def _walk(self, start: Iterable[str], edges: dict[str, list[str]], depth: int) -> set[str]:
        """Resources reachable from `start` along `edges` within `depth` steps (-1: any)."""
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
        return {uid for uid in seen if uid in self.resources}

    # -- methods -------------------------------------------------------------------------------

    def _method(self, atom: Atom) -> set[str]:
        method, value = atom.method, atom.value
        if method == "":
            return self._bare(value)
        if method == "package":
            return {uid for uid, r in self.resources.items() if fnmatchcase(r.package_name, value)}
        if method == "state":
            return self._state(value)
        if method == "unique_id":
            if value in self.resources:
                return {value}
            return self._where(lambda uid, _r: fnmatchcase(uid, value))
        if method == "tier":
            return self._tier(value)
        if method.startswith("config."):
            keys = method.split(".")[1:]
            return self._where(lambda _uid, r: _config_matches(r, keys, value))
        matcher = _MATCHERS[method]
        return self._where(lambda _uid, r: matcher(r, value))

    def _where(self, predicate: Callable[[str, Any], bool]) -> set[str]:
        resources = self.resources
        return {uid for uid in self.universe if predicate(uid, resources[uid])}

    def _bare(self, value: str) -> set[str]:
        if value == "*":
            return set(self.universe)
        if value in self.resources:
            return {value}
        if "/" in value or value.endswith(_PATH_SUFFIXES):
            return self._where(lambda _uid, r: _path_matches(r, value))
        return self._where(lambda _uid, r: _fqn_matches(r, value))

    def _tier(self, value: str) -> set[str]:
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
        return {uid for uid in self.universe if (t := tier(uid)) is not None and compare(t)}

    def _state(self, value: str) -> set[str]:
        if self.new is None or self.modified is None:
            raise SelectorError(
                f"state:{value} needs a base build to compare with (pass --base, or set `base`)"
            )
        changed = self.new | self.modified
        if value == "new":
            return self.new & self.universe
        if value == "modified":  # as in dbt: new resources count as modified
            return changed & self.universe
        if value == "old":
            return self.universe - self.new
        return self.universe - changed  # unmodified


def _path_matches(resource: Any, value: str) -> bool:
    path = file_path(resource)
    wanted = value.replace("\\", "/").rstrip("/").removeprefix("./")
    return path == wanted or path.startswith(f"{wanted}/") or fnmatchcase(path, wanted)


def _file_matches(resource: Any, value: str) -> bool:
    name = file_path(resource).rsplit("/", 1)[-1]
    return fnmatchcase(name, value) or fnmatchcase(name.rsplit(".", 1)[0], value)


def _fqn_matches(resource: Any, value: str) -> bool:
    """dbt's fqn matching: the name itself, or a prefix of the fqn with or without the package
    (`shop.marts`, `marts.finance`), with glob wildcards; `name.v2` picks a model version."""
    parts = value.split(".")
    if len(parts) == 1 and fnmatchcase(resource.name, value):
        return True
    fqn = list(getattr(resource, "fqn", None) or [resource.package_name, resource.name])
    version = getattr(resource, "version", None)
    if (
        version is not None
        and len(parts) == 2
        and fnmatchcase(resource.name, parts[0])
        and fnmatchcase(f"v{version}", parts[1])
    ):
        return True
    for candidate in (fqn, fqn[1:]):
        if len(parts) <= len(candidate) and all(
            fnmatchcase(segment, part) for segment, part in zip(candidate, parts, strict=False)
        ):
            return True
    return False


def _tags_match(resource: Any, value: str) -> bool:
    return any(fnmatchcase(tag, value) for tag in resource.tags or ())


def _source_matches(resource: Any, value: str) -> bool:
    if resource.resource_type != "source":
        return False
    source_name, _, table = value.partition(".")
    if not fnmatchcase(resource.source_name, source_name):
        return False
    return not table or fnmatchcase(resource.name, table)


def _attribute_is(name: str) -> Callable[[Any, str], bool]:
    def matches(resource: Any, value: str) -> bool:
        actual = getattr(resource, name, None)
        return actual is not None and fnmatchcase(str(actual), value)

    return matches


_MATCHERS: dict[str, Callable[[Any, str], bool]] = {
    "tag": _tags_match,
    "path": _path_matches,
    "file": _file_matches,
    "fqn": _fqn_matches,
    "group": _attribute_is("group"),
    "access": _attribute_is("access"),
    "resource_type": _attribute_is("resource_type"),
    "source": _source_matches,
    "exposure": lambda r, v: r.resource_type == "exposure" and fnmatchcase(r.name, v),
}


def _config_matches(resource: Any, keys: list[str], value: str) -> bool:
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
    for item in values:
        text = str(item).lower() if isinstance(item, bool) else str(item)
        if fnmatchcase(text, value):
            return True
    return False
