"""Scale a real dbt build up to N models: a base build and a pull-request build with known changes.

The speed targets are set at 10,000 and 20,000 models, and no public project that size ships its
artifacts. So this takes a real build (manifest, catalog, run_results: by default the corpus's
bouncer-dbt112) and stacks copies of it: copy k renames every resource (`orders` becomes
`orders_c0003`), moves its files into a folder of their own (`models/marts/finance/c0003/...`) and
rewrites everything that points at a resource (unique_ids, refs, sources, depends_on, tests'
attached_node and kwargs, fqn, aliases, relation names, parent/child maps, catalog and run_results
entries), so the result is one consistent manifest with the source's density of tests, sources,
exposures and columns per model. Copy 0 is the source unchanged; the last copy is cut to a
parent-closed subset so the model count is exactly N. Copies belong to the root project, even
those of resources the source has from installed packages: a 10,000-model project is 10,000 models
its team owns and a gate judges, not 64% vendored package code.

The pull-request build is the base with a seeded set of models changed the ways a schema diff must
catch (a column removed, a warehouse type changed, a description removed); `truth.json` records
each change, so a test can hold the diff to it. The base was parsed a day before the pull request,
as two CI builds are parsed apart: every resource's `created_at` is a day earlier in base/. The
same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import msgspec

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO_ROOT.parent / "shared" / "corpus" / "bouncer-dbt112"
ARTIFACTS = ("manifest.json", "catalog.json", "run_results.json")

# Manifest sections whose resources are copied; macros, docs, groups and selectors belong to the
# project as a whole and stay single.
COPIED_SECTIONS = (
    "nodes",
    "sources",
    "exposures",
    "metrics",
    "semantic_models",
    "saved_queries",
    "unit_tests",
    "functions",
)
# A project has its hooks once, however many models it has.
PROJECT_WIDE_TYPES = frozenset({"operation"})
CHANGE_KINDS = ("column_removed", "type_changed", "description_removed")

_REF_CALL = re.compile(r"""\bref\(\s*(['"])([^'"]+)\1(?:\s*,\s*(['"])([^'"]+)\3)?""")
_SOURCE_CALL = re.compile(r"""\bsource\(\s*(['"])([^'"]+)\1\s*,\s*(['"])([^'"]+)\3""")
_YAML_SUFFIXES = (".yml", ".yaml")

Json = dict[str, Any]


class GenerateError(Exception):
    """A problem with the arguments or the source build, reported as one line."""


@dataclass(frozen=True)
class Build:
    manifest: Json
    catalog: Json
    run_results: Json


@dataclass(frozen=True)
class Names:
    """What a reference can point at in the source, so a rename touches only real resources."""

    refable: frozenset[str]
    source_tables: frozenset[tuple[str, str]]
    metrics: frozenset[str]


@dataclass
class Change:
    unique_id: str
    change: str
    column: str | None
    old: str | None
    new: str | None

    def as_json(self) -> Json:
        return {
            "unique_id": self.unique_id,
            "change": self.change,
            "column": self.column,
            "old": self.old,
            "new": self.new,
        }


@dataclass
class Summary:
    models: int
    copies: int
    counts: dict[str, int] = field(default_factory=dict)
    changes: int = 0


def read_json(path: Path, missing_hint: str) -> Json:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise GenerateError(f"{path}: not found ({missing_hint})") from None
    except (OSError, ValueError) as error:
        raise GenerateError(f"{path}: cannot read it as JSON: {error}") from None


def load_build(source: Path, run_results: Path | None = None) -> Build:
    """The source build; with `run_results`, that file's results replace the source's.

    The corpus's dbt-core builds wrote run_results.json with `dbt docs generate` (everything
    compiled, nothing run), so a benchmark of run-status gating needs the results of a real
    `dbt build` of the same project (bouncer-dbt20's): results for ids the source's manifest
    does not have are dropped.
    """
    hint = f"the source must hold {', '.join(ARTIFACTS)}"
    manifest, catalog, results = (read_json(source / name, hint) for name in ARTIFACTS)
    if run_results is not None:
        results = read_json(run_results, "--run-results names a run_results.json")
        known = {uid for section in COPIED_SECTIONS for uid in manifest.get(section) or {}}
        results = {**results, "results": [r for r in results["results"] if r["unique_id"] in known]}
    return Build(manifest, catalog, results)


def copied_resources(manifest: Json) -> list[tuple[str, str, Json]]:
    """(section, unique_id, resource) for every resource that gets a copy, in manifest order."""
    return [
        (section, uid, resource)
        for section in COPIED_SECTIONS
        for uid, resource in (manifest.get(section) or {}).items()
        if resource.get("resource_type") not in PROJECT_WIDE_TYPES
    ]


def depends_on(resource: Json) -> list[str]:
    return (resource.get("depends_on") or {}).get("nodes") or []


def topological_order(resources: list[tuple[str, str, Json]]) -> list[str]:
    """Unique ids, parents first, ties in manifest order (the cut copy is the same every time)."""
    by_uid = {uid: resource for _, uid, resource in resources}
    order: list[str] = []
    state: dict[str, bool] = {}  # False while on the stack, True once placed
    for _, start, _ in resources:
        if start in state:
            continue
        stack = [(start, iter(depends_on(by_uid[start])))]
        state[start] = False
        while stack:
            uid, parents = stack[-1]
            parent = next((p for p in parents if p in by_uid and p not in state), None)
            if parent is None:
                stack.pop()
                state[uid] = True
                order.append(uid)
            else:
                state[parent] = False
                stack.append((parent, iter(depends_on(by_uid[parent]))))
    return order


def partial_copy(resources: list[tuple[str, str, Json]], models: int) -> set[str]:
    """The first `models` models in parents-first order, plus whatever else has all its parents."""
    by_uid = {uid: resource for _, uid, resource in resources}
    kept: set[str] = set()
    taken = 0
    for uid in topological_order(resources):
        resource = by_uid[uid]
        if any(p in by_uid and p not in kept for p in depends_on(resource)):
            continue
        if resource.get("resource_type") == "model":
            if taken == models:
                continue
            taken += 1
        kept.add(uid)
    return kept


def renamed_uid(uid: str, resource: Json, suffix: str, project: str) -> str:
    parts = uid.split(".")
    parts[1] = project
    kind = resource.get("resource_type")
    if kind == "source":
        parts[-1] += suffix  # source.package.source_name.table: the table is the resource
    elif kind == "unit_test":
        parts[2] += suffix  # unit_test.package.model.test: both are renamed in a copy
        parts[3] += suffix
    else:
        parts[2] += suffix
    return ".".join(parts)


def renamed_prefix(value: str, name: str, suffix: str) -> str:
    """`customers_v3` -> `customers_c0001_v3`: the suffix goes right after the resource's name."""
    if value.startswith(name):
        return name + suffix + value[len(name) :]
    return value + suffix


def replaced_last(text: str, old: str, new: str) -> str:
    at = text.rfind(old)
    return text[:at] + new + text[at + len(old) :] if at >= 0 else text


def moved_file(path: str, name: str, suffix: str, folder: str) -> str:
    """A copy's files live in a folder of their own; a resource's own SQL/CSV file is renamed."""
    head, _, base = path.rpartition("/")
    if not base.endswith(_YAML_SUFFIXES):  # YAML files hold many resources: moved, not renamed
        base = renamed_prefix(base, name, suffix) if base.startswith(name) else base
    return f"{head}/{folder}/{base}" if head else f"{folder}/{base}"


class Copier:
    """Makes copy `index` of the source's resources, catalog entries and run results."""

    def __init__(
        self, index: int, project: str, names: Names, included: Iterable[tuple[str, Json]]
    ) -> None:
        self.project = project
        self.suffix = f"_c{index:04d}"
        self.folder = f"c{index:04d}"
        self.names = names
        self.uids: dict[str, str] = {}
        # (old, new) table identifier and relation name per unique_id, worked out before any
        # resource is copied: a child's compiled SQL names its parents' relations.
        self.identifiers: dict[str, tuple[str, str]] = {}
        self.relations: dict[str, tuple[str, str]] = {}
        for uid, resource in included:
            self.uids[uid] = renamed_uid(uid, resource, self.suffix, project)
            self._plan_relation(uid, resource)

    def uid(self, uid: str) -> str:
        return self.uids.get(uid, uid)

    def rewrite_calls(self, text: str) -> str:
        """ref('x') / ref('pkg', 'x') / source('s', 't') inside Jinja or SQL text."""
        if "ref(" in text:
            text = _REF_CALL.sub(self._ref_call, text)
        if "source(" in text:
            text = _SOURCE_CALL.sub(self._source_call, text)
        return text

    def _ref_call(self, match: re.Match[str]) -> str:
        group = 4 if match.group(4) else 2
        return self._replace_group(match, group, self.ref_name(match.group(group)))

    def _source_call(self, match: re.Match[str]) -> str:
        table = match.group(4)
        if (match.group(2), table) not in self.names.source_tables:
            return match.group(0)
        return self._replace_group(match, 4, table + self.suffix)

    @staticmethod
    def _replace_group(match: re.Match[str], group: int, value: str) -> str:
        start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
        whole = match.group(0)
        return whole[:start] + value + whole[end:]

    def ref_name(self, name: str) -> str:
        return name + self.suffix if name in self.names.refable else name

    def refs(self, refs: list[Any]) -> list[Any]:
        out = []
        for ref in refs:
            # A copy lives in the root project, so an explicit package now names that.
            if isinstance(ref, dict):
                package = self.project if ref.get("package") else ref.get("package")
                out.append({**ref, "name": self.ref_name(ref["name"]), "package": package})
            else:  # manifests before v10 write refs as [package?, name]
                out.append([self.project] * (len(ref) - 1) + [self.ref_name(ref[-1])])
        return out

    def sources(self, sources: list[list[str]]) -> list[list[str]]:
        return [
            [s, t + self.suffix] if (s, t) in self.names.source_tables else [s, t]
            for s, t in sources
        ]

    def metrics(self, metrics: list[list[str]]) -> list[list[str]]:
        return [
            [*m[:-1], m[-1] + self.suffix] if m[-1] in self.names.metrics else list(m)
            for m in metrics
        ]

    def fqn(self, fqn: list[str], renamed: set[str], is_source: bool) -> list[str]:
        # The copy's folder goes where the file's folder would show in the fqn: before the name
        # (for sources, before the source's name), so `fqn:pkg.marts` still selects every copy.
        if is_source:
            at = max(len(fqn) - 2, 1)
        else:
            at = next((i for i in range(1, len(fqn)) if fqn[i] in renamed), len(fqn) - 1)
        out = [part + self.suffix if part in renamed else part for part in fqn]
        out[0] = self.project
        out.insert(at, self.folder)
        return out

    def resource(self, resource: Json) -> Json:
        new = dict(resource)  # nested objects that do not change are shared, never mutated
        name = resource["name"]
        kind = resource.get("resource_type")
        new["name"] = name + self.suffix
        new["unique_id"] = self.uid(resource["unique_id"])
        if "package_name" in resource:
            new["package_name"] = self.project
        renamed = {name}
        if kind == "unit_test" and isinstance(resource.get("model"), str):
            renamed.add(resource["model"])
            new["model"] = resource["model"] + self.suffix
        if resource.get("fqn"):
            new["fqn"] = self.fqn(resource["fqn"], renamed, kind == "source")
        self._move_files(resource, new, name)
        self._rename_relation(resource, new)
        for key, rewrite in self._reference_fields.items():
            if resource.get(key):
                new[key] = rewrite(self, resource[key])
        if resource.get("depends_on"):
            new["depends_on"] = {
                **resource["depends_on"],
                "nodes": [self.uid(p) for p in depends_on(resource)],
            }
        if resource.get("attached_node"):
            new["attached_node"] = self.uid(resource["attached_node"])
        if resource.get("file_key_name"):
            section, _, key_name = resource["file_key_name"].partition(".")
            new["file_key_name"] = f"{section}.{self.ref_name(key_name)}"
        if resource.get("test_metadata"):
            metadata = resource["test_metadata"]
            kwargs = {
                k: self.rewrite_calls(v) if isinstance(v, str) else v
                for k, v in (metadata.get("kwargs") or {}).items()
            }
            new["test_metadata"] = {**metadata, "kwargs": kwargs}
        if resource.get("compiled_code") and self.relations:
            new["compiled_code"] = self._relations_in(resource["compiled_code"], resource)
        extra = EXTRA_REWRITES.get(kind or "")
        if extra:
            extra(self, resource, new)
        return new

    def _move_files(self, resource: Json, new: Json, name: str) -> None:
        for key in ("path", "original_file_path"):
            if resource.get(key):
                new[key] = moved_file(resource[key], name, self.suffix, self.folder)
        original = resource.get("original_file_path") or ""
        if resource.get("resource_type") == "test" and original.endswith(_YAML_SUFFIXES):
            # A generic test's path is a file name under its YAML file, which already moved.
            new["path"] = new["path"].rpartition("/")[2]
        if resource.get("patch_path"):
            _, sep, path = resource["patch_path"].rpartition("://")
            prefix = self.project + sep if sep else ""
            new["patch_path"] = prefix + moved_file(path, name, self.suffix, self.folder)
        for key in ("compiled_path", "build_path"):
            value = resource.get(key)
            if not value or not original or original not in value:
                continue
            head, _, rest = value.partition(original)
            package = resource.get("package_name")
            if package:
                head = head.replace(f"/{package}/", f"/{self.project}/")
            if rest == "/" + resource.get("path", ""):
                rest = "/" + new["path"]
            new[key] = head + new["original_file_path"] + rest

    @staticmethod
    def _identifier_key(resource: Json) -> str:
        return "identifier" if resource.get("resource_type") == "source" else "alias"

    def _plan_relation(self, uid: str, resource: Json) -> None:
        old = resource.get(self._identifier_key(resource))
        if not old:
            return
        new = renamed_prefix(old, resource["name"], self.suffix)
        self.identifiers[uid] = (old, new)
        relation = resource.get("relation_name")
        if relation and old in relation:
            self.relations[uid] = (relation, replaced_last(relation, old, new))

    def _rename_relation(self, resource: Json, new: Json) -> None:
        uid = resource["unique_id"]
        if uid in self.identifiers:
            new[self._identifier_key(resource)] = self.identifiers[uid][1]
            config = resource.get("config")
            if isinstance(config, dict) and config.get("alias"):
                new["config"] = {**config, "alias": self.identifiers[uid][1]}
        if uid in self.relations:
            new["relation_name"] = self.relations[uid][1]
        node_relation = resource.get("node_relation")
        if isinstance(node_relation, dict) and node_relation.get("alias"):
            alias = node_relation["alias"]
            renamed = next(
                (
                    self.identifiers[p][1]
                    for p in depends_on(resource)
                    if self.identifiers.get(p, ("",))[0] == alias
                ),
                alias + self.suffix,
            )
            new_relation = {**node_relation, "alias": renamed}
            if node_relation.get("relation_name"):
                new_relation["relation_name"] = replaced_last(
                    node_relation["relation_name"], alias, renamed
                )
            new["node_relation"] = new_relation

    def _relations_in(self, code: str, resource: Json) -> str:
        # Compiled SQL names its parents' relations; point them at this copy's parents.
        for parent in depends_on(resource):
            if parent in self.relations:
                old, new = self.relations[parent]
                code = code.replace(old, new)
        return code

    def catalog_entry(self, uid: str, entry: Json) -> Json:
        new = {**entry, "unique_id": self.uid(uid)}
        metadata = entry.get("metadata")
        if isinstance(metadata, dict) and uid in self.identifiers:
            old, renamed = self.identifiers[uid]
            table = metadata.get("name")
            if isinstance(table, str):
                table = renamed if table.lower() == old.lower() else table + self.suffix
            new["metadata"] = {**metadata, "name": table}
        return new

    def run_result(self, result: Json) -> Json:
        uid = result["unique_id"]
        new = {**result, "unique_id": self.uid(uid)}
        if result.get("relation_name") and uid in self.relations:
            new["relation_name"] = self.relations[uid][1]
        return new

    _reference_fields: ClassVar[dict[str, Callable[[Copier, Any], Any]]] = {
        "refs": refs,
        "sources": sources,
        "metrics": metrics,
        "raw_code": rewrite_calls,
        "raw_sql": rewrite_calls,
    }


def semantic_model_ref(copier: Copier, resource: Json, new: Json) -> None:
    if isinstance(resource.get("model"), str):
        new["model"] = copier.rewrite_calls(resource["model"])


def unit_test_inputs(copier: Copier, resource: Json, new: Json) -> None:
    given = resource.get("given")
    if isinstance(given, list):
        new["given"] = [
            {**g, "input": copier.rewrite_calls(g["input"])}
            if isinstance(g, dict) and isinstance(g.get("input"), str)
            else g
            for g in given
        ]


EXTRA_REWRITES: dict[str, Callable[[Copier, Json, Json], None]] = {
    "semantic_model": semantic_model_ref,
    "unit_test": unit_test_inputs,
}


def source_names(manifest: Json) -> Names:
    refable = set()
    for resource in (manifest.get("nodes") or {}).values():
        if resource.get("resource_type") not in PROJECT_WIDE_TYPES | {"test"}:
            refable.add(resource["name"])
    sources = {(s["source_name"], s["name"]) for s in (manifest.get("sources") or {}).values()}
    metrics = {m["name"] for m in (manifest.get("metrics") or {}).values()}
    return Names(frozenset(refable), frozenset(sources), frozenset(metrics))


def models_per_copy(manifest: Json) -> int:
    return sum(1 for n in manifest["nodes"].values() if n.get("resource_type") == "model")


def scale(build: Build, models: int) -> tuple[Build, Summary]:
    """The source stacked to exactly `models` models (project-wide resources kept once)."""
    manifest = build.manifest
    per_copy = models_per_copy(manifest)
    if per_copy == 0:
        raise GenerateError("the source manifest has no models to copy")
    full, rest = divmod(models, per_copy)
    copies = full + (1 if rest else 0)
    resources = copied_resources(manifest)
    partial = partial_copy(resources, rest) if rest else None
    names = source_names(manifest)
    project = (manifest.get("metadata") or {}).get("project_name") or ""
    if not project:
        raise GenerateError("the source manifest has no metadata.project_name")

    out: Json = {key: value for key, value in manifest.items()}
    for section in COPIED_SECTIONS:
        if section in manifest:
            out[section] = {}
    for uid, node in manifest["nodes"].items():
        if node.get("resource_type") in PROJECT_WIDE_TYPES:
            out["nodes"][uid] = node
    catalog: dict[str, Json] = {"nodes": {}, "sources": {}}
    results: list[Json] = [
        r
        for r in build.run_results["results"]
        if r["unique_id"] in manifest["nodes"]
        and manifest["nodes"][r["unique_id"]].get("resource_type") in PROJECT_WIDE_TYPES
    ]

    for index in range(copies):
        kept = [
            (section, uid, res)
            for section, uid, res in resources
            if index < full or partial is None or uid in partial
        ]
        kept_uids = {uid for _, uid, _ in kept}
        # Copy 0 is the source build itself.
        copier = (
            Copier(index, project, names, ((uid, res) for _, uid, res in kept)) if index else None
        )
        for section, _, res in kept:
            new = copier.resource(res) if copier else res
            out[section][new["unique_id"]] = new
        for key, entries in catalog.items():
            for uid, entry in build.catalog[key].items():
                if uid in kept_uids:
                    new_uid = copier.uid(uid) if copier else uid
                    entries[new_uid] = copier.catalog_entry(uid, entry) if copier else entry
        results.extend(
            copier.run_result(r) if copier else r
            for r in build.run_results["results"]
            if r["unique_id"] in kept_uids
        )

    out["parent_map"], out["child_map"] = lineage_maps(out)
    if "group_map" in manifest:
        out["group_map"] = group_map(out)
    run_results = {**build.run_results, "results": results}
    summary = Summary(models=models, copies=copies)
    for section in COPIED_SECTIONS:
        summary.counts[section] = len(out.get(section) or {})
    summary.counts["tests"] = sum(
        1 for n in out["nodes"].values() if n.get("resource_type") == "test"
    )
    summary.counts["catalog"] = len(catalog["nodes"]) + len(catalog["sources"])
    summary.counts["run_results"] = len(results)
    return Build(out, {**build.catalog, **catalog}, run_results), summary


def lineage_maps(manifest: Json) -> tuple[Json, Json]:
    """parent_map and child_map as dbt writes them: every resource, sorted id lists."""
    parents: Json = {}
    for section in COPIED_SECTIONS:
        for uid, resource in (manifest.get(section) or {}).items():
            parents[uid] = sorted(depends_on(resource))
    children: dict[str, list[str]] = {uid: [] for uid in parents}
    for uid, ids in parents.items():
        for parent in ids:
            children.setdefault(parent, []).append(uid)
    return parents, {uid: sorted(ids) for uid, ids in children.items()}


def group_map(manifest: Json) -> Json:
    groups: dict[str, list[str]] = {}
    for uid, node in manifest["nodes"].items():
        group = (node.get("config") or {}).get("group") or node.get("group")
        if group:
            groups.setdefault(group, []).append(uid)
    return {name: sorted(ids) for name, ids in sorted(groups.items())}


def columns_in_use(manifest: Json) -> set[tuple[str, str]]:
    """(model id, lower-case column) pairs that tests or semantic models name.

    Removing one of these in a real pull request would break the build, so the generator only
    removes columns nothing else refers to: the pull request then differs from the base by the
    recorded changes alone.
    """
    used: set[tuple[str, str]] = set()
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "test":
            continue
        kwargs = (node.get("test_metadata") or {}).get("kwargs") or {}
        columns = [node.get("column_name"), kwargs.get("column_name"), kwargs.get("field")]
        columns += kwargs.get("column_list") or kwargs.get("combination_of_columns") or []
        for parent in depends_on(node):
            used.update((parent, c.lower()) for c in columns if isinstance(c, str))
    for semantic in (manifest.get("semantic_models") or {}).values():
        items = [
            *(semantic.get("entities") or []),
            *(semantic.get("dimensions") or []),
            *(semantic.get("measures") or []),
        ]
        names = [i.get("expr") or i.get("name") for i in items] + [i.get("name") for i in items]
        for parent in depends_on(semantic):
            used.update((parent, n.lower()) for n in names if isinstance(n, str))
    return used


def changed_checksum(node: Json) -> Json | Any:
    checksum = node.get("checksum")
    if not isinstance(checksum, dict) or not checksum.get("checksum"):
        return checksum
    digest = hashlib.sha256((checksum["checksum"] + ":pr").encode()).hexdigest()
    return {**checksum, "checksum": digest}


class PullRequest:
    """The base build with chosen models changed; each change is recorded as it is made."""

    def __init__(self, base: Build) -> None:
        self.base = base
        self.nodes = dict(base.manifest["nodes"])
        self.catalog_nodes = dict(base.catalog["nodes"])
        self.changes: list[Change] = []

    def _manifest_column(self, uid: str, column: str) -> str | None:
        for key in self.nodes[uid].get("columns") or {}:
            if key.lower() == column.lower():
                return key
        return None

    def remove_column(self, uid: str, column: str) -> None:
        node = self.nodes[uid]
        entry = self.catalog_nodes[uid]
        old_type = entry["columns"][column].get("type")
        kept = [c for name, c in entry["columns"].items() if name != column]
        entry_columns = {c["name"]: {**c, "index": i} for i, c in enumerate(kept, start=1)}
        self.catalog_nodes[uid] = {**entry, "columns": entry_columns}
        declared = self._manifest_column(uid, column)
        columns = {k: v for k, v in (node.get("columns") or {}).items() if k != declared}
        self.nodes[uid] = {**node, "columns": columns, "checksum": changed_checksum(node)}
        self.changes.append(Change(uid, "column_removed", column, old_type, None))

    def change_type(self, uid: str, column: str) -> None:
        node = self.nodes[uid]
        entry = self.catalog_nodes[uid]
        old_type = entry["columns"][column].get("type") or ""
        textual = old_type.upper().startswith(("VARCHAR", "TEXT", "STRING", "CHAR"))
        new_type = "INTEGER" if textual else "VARCHAR"
        columns = {**entry["columns"], column: {**entry["columns"][column], "type": new_type}}
        self.catalog_nodes[uid] = {**entry, "columns": columns}
        declared = self._manifest_column(uid, column)
        new_node = {**node, "checksum": changed_checksum(node)}
        if declared and node["columns"][declared].get("data_type"):
            # A contracted model declares its types: the pull request changes the YAML too.
            new_node["columns"] = {
                **node["columns"],
                declared: {**node["columns"][declared], "data_type": new_type.lower()},
            }
        self.nodes[uid] = new_node
        self.changes.append(Change(uid, "type_changed", column, old_type, new_type))

    def remove_description(self, uid: str, column: str | None) -> None:
        node = self.nodes[uid]
        if column is None:
            self.nodes[uid] = {**node, "description": ""}
            old = node.get("description")
        else:
            old = node["columns"][column].get("description")
            columns = {**node["columns"], column: {**node["columns"][column], "description": ""}}
            self.nodes[uid] = {**node, "columns": columns}
        self.changes.append(Change(uid, "description_removed", column, old, ""))

    def build(self, invocation_id: str) -> Build:
        manifest = {**self.base.manifest, "nodes": self.nodes}
        catalog = {**self.base.catalog, "nodes": self.catalog_nodes}
        return with_invocation(Build(manifest, catalog, self.base.run_results), invocation_id)


def candidates(base: Build) -> dict[str, list[tuple[str, list[str | None]]]]:
    """Per change kind, the models it can apply to and the columns it can pick (sorted)."""
    used = columns_in_use(base.manifest)
    out: dict[str, list[tuple[str, list[str | None]]]] = {kind: [] for kind in CHANGE_KINDS}
    for uid, node in base.manifest["nodes"].items():
        if node.get("resource_type") != "model":
            continue
        entry = base.catalog["nodes"].get(uid)
        warehouse = sorted((entry or {}).get("columns") or {})
        removable = [c for c in warehouse if (uid, c.lower()) not in used]
        if removable:
            out["column_removed"].append((uid, list(removable)))
        if warehouse:
            out["type_changed"].append((uid, list(warehouse)))
        described: list[str | None] = [None] if node.get("description") else []
        described += sorted(
            k for k, c in (node.get("columns") or {}).items() if c.get("description")
        )
        if described:
            out["description_removed"].append((uid, described))
    return out


def pull_request(base: Build, changes: int, seed: int) -> tuple[Build, list[Change]]:
    rng = random.Random(seed)
    pools = candidates(base)
    for pool in pools.values():
        rng.shuffle(pool)
    pr = PullRequest(base)
    touched: set[str] = set()
    apply = {
        "column_removed": pr.remove_column,
        "type_changed": pr.change_type,
        "description_removed": pr.remove_description,
    }
    for i in range(changes):
        kind = CHANGE_KINDS[i % len(CHANGE_KINDS)]
        pool = pools[kind]
        while pool and pool[-1][0] in touched:
            pool.pop()
        if not pool:
            continue
        uid, columns = pool.pop()
        touched.add(uid)
        apply[kind](uid, rng.choice(columns))
    truth = sorted(pr.changes, key=lambda c: (c.unique_id, c.change, c.column or ""))
    return pr.build(invocation_id(seed, "pr")), truth


def invocation_id(seed: int, build: str) -> str:
    digest = hashlib.sha256(f"dbtgate-benchmark:{seed}:{build}".encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def with_invocation(build: Build, invocation: str) -> Build:
    """One dbt invocation writes all three artifacts: they share its id."""

    def stamped(artifact: Json) -> Json:
        return {**artifact, "metadata": {**artifact["metadata"], "invocation_id": invocation}}

    return Build(stamped(build.manifest), stamped(build.catalog), stamped(build.run_results))


# How long before the pull request's build dbt parsed the base's: a day.
BASE_PARSED_EARLIER = 86_400.0


def parsed_earlier(build: Build, seconds: float) -> Build:
    """The build as a parse `seconds` earlier wrote it: every resource's parse time
    (`created_at`) that much less. Two builds parsed apart, as CI's always are (the base from
    main, the pull request from its branch), stamp each resource with their own; one copied into
    both would measure a case no user runs (every node's record equal to its base's)."""

    def shifted(resource: Any) -> Any:
        if isinstance(resource, dict) and isinstance(resource.get("created_at"), (int, float)):
            return {**resource, "created_at": resource["created_at"] - seconds}
        return resource

    manifest = dict(build.manifest)
    for section, entries in build.manifest.items():
        if section == "disabled" and isinstance(entries, dict):
            manifest[section] = {
                uid: [shifted(r) for r in versions] for uid, versions in entries.items()
            }
        elif section != "metadata" and isinstance(entries, dict):
            manifest[section] = {uid: shifted(r) for uid, r in entries.items()}
    return Build(manifest, build.catalog, build.run_results)


def write_build(build: Build, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, artifact in zip(
        ARTIFACTS, (build.manifest, build.catalog, build.run_results), strict=True
    ):
        (folder / name).write_bytes(msgspec.json.encode(artifact))


def generate(
    source: Path,
    models: int,
    out: Path,
    seed: int,
    changes: int | None = None,
    run_results: Path | None = None,
) -> Summary:
    if models < 1:
        raise GenerateError(f"--models must be at least 1, got {models}")
    scaled, summary = scale(load_build(source, run_results), models)
    base = with_invocation(scaled, invocation_id(seed, "base"))
    wanted = max(3, models // 100) if changes is None else changes
    pr, truth = pull_request(base, wanted, seed)
    base = parsed_earlier(base, BASE_PARSED_EARLIER)
    write_build(base, out / "base")
    write_build(pr, out / "pr")
    (out / "truth.json").write_text(json.dumps([c.as_json() for c in truth], indent=1) + "\n")
    summary.changes = len(truth)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, required=True, help="models in the result")
    parser.add_argument("--out", type=Path, required=True, help="writes base/, pr/, truth.json")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="a real dbt build")
    parser.add_argument("--seed", type=int, default=0, help="picks the changed models")
    parser.add_argument(
        "--changes", type=int, default=None, help="models changed in pr/ (default: 1%%, min 3)"
    )
    parser.add_argument(
        "--run-results",
        type=Path,
        default=None,
        help="take the run results from this run_results.json (a `dbt build` of the same project)",
    )
    args = parser.parse_args(argv)
    try:
        summary = generate(
            args.source, args.models, args.out, args.seed, args.changes, args.run_results
        )
    except GenerateError as error:
        print(f"generate.py: {error}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{k} {v}" for k, v in summary.counts.items() if v)
    print(
        f"{args.out}: {summary.models} models in {summary.copies} copies ({counts}); "
        f"{summary.changes} changes in pr/"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
