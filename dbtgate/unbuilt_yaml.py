"""Properties files (YAML) edited since the build: a test added, a description written, a
column declared, none of which the gate sees until dbt parses them again.

The manifest keeps no copy of a YAML file to compare with (a model's SQL is in it, `raw_code`),
and a file's time alone says nothing (a CI job that checks the built commit out again gives
every file a new time and the same text). So a file newer than the build is read, and what it
declares is compared with what the manifest holds from it: the models, seeds and snapshots it
describes (`patch_path`), their descriptions and columns, the source tables it declares, and
how many generic tests it defines (their nodes name it as `original_file_path`, enabled or
among the manifest's disabled nodes). Only what can be compared for sure counts: a description
with Jinja in it (`{{ doc('x') }}`, rendered in the manifest) and a versioned model's entry
(its versions take columns and tests apart) are left out, and an entry naming no resource of
the build (a disabled model, a new model: its SQL file says so) is described by its tests
alone. A file that no longer parses differs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dbtgate.project import Project

# The keys of a properties file whose entries patch a node, and the node's resource type.
_PATCHED = {"models": "model", "seeds": "seed", "snapshots": "snapshot"}
_TEST_KEYS = ("data_tests", "tests")

Fact = tuple[str, ...]


def yaml_edits(
    project: Project, project_dir: Path, folders: Iterable[str], built_at: float
) -> list[tuple[str, str]]:
    """(path, `edited`) for each properties file of the root project, newer than the build,
    whose declarations differ from the manifest's; relative to the project, sorted. `folders`: the
    project's model paths, searched for YAML files the manifest names nothing from."""
    root = project.root_package
    files = {_properties_file(node) for node in project.nodes.values() if node.package_name == root}
    files.update(s.original_file_path for s in project.sources.values() if s.package_name == root)
    for folder in folders:
        for pattern in ("*.yml", "*.yaml"):
            files.update(
                path.relative_to(project_dir).as_posix()
                for path in (project_dir / folder).rglob(pattern)
            )
    newer = sorted(
        relative for relative in files if relative and _newer(project_dir / relative, built_at)
    )
    if not newer:
        return []
    by_file, known = _manifest_facts(project), _known_resources(project)
    return [
        (relative, "edited")
        for relative in newer
        if _file_facts(project_dir / relative, known) != by_file.get(relative, _EMPTY)
    ]


def _newer(path: Path, built_at: float) -> bool:
    """Written after the build; a deleted file is not (its models' SQL files say so)."""
    try:
        return path.stat().st_mtime > built_at + 1
    except OSError:
        return False


_EMPTY: tuple[frozenset[Fact], int] = (frozenset(), 0)


def _known_resources(project: Project) -> set[tuple[str, str]]:
    """(resource type, name) of the root project's patchable nodes, and ("source", "src.table")."""
    root = project.root_package
    known = {
        (node.resource_type, node.name)
        for node in project.nodes.values()
        if node.package_name == root and node.resource_type in _PATCHED.values()
    }
    known.update(
        ("source", f"{source.source_name}.{source.name}")
        for source in project.sources.values()
        if source.package_name == root
    )
    return known


def _manifest_facts(project: Project) -> dict[str, tuple[frozenset[Fact], int]]:
    """By properties file: what the build holds from it, and how many generic tests it
    defined, enabled or disabled, on resources whose tests `_file_facts` counts (not a
    versioned model's)."""
    root = project.root_package
    facts: dict[str, set[Fact]] = {}
    versioned: set[str] = set()
    for uid, node in project.nodes.items():
        path = _properties_file(node)
        if node.package_name != root or not path or node.resource_type not in _PATCHED.values():
            continue
        into = facts.setdefault(path, set())
        into.add(("resource", node.resource_type, node.name))
        if node.version is not None:
            versioned.add(uid)
            continue
        into.update(_described(node.resource_type, node.name, node.description, node.columns))
    for source in project.sources.values():
        if source.package_name == root and source.original_file_path:
            into = facts.setdefault(source.original_file_path, set())
            into.add(("resource", "source", f"{source.source_name}.{source.name}"))
    disabled = _disabled_nodes(project)
    versioned.update(node.unique_id for node in disabled if node.version is not None)
    tests: Counter[str] = Counter()
    for node in (*project.nodes.values(), *disabled):
        if (
            node.resource_type == "test"
            and node.package_name == root
            and node.test_metadata is not None
            and node.attached_node not in versioned
        ):
            tests[node.original_file_path] += 1
    return {
        path: (frozenset(facts.get(path, ())), tests.get(path, 0))
        for path in set(facts) | set(tests)
    }


def _properties_file(node: Any) -> str | None:
    """The YAML file that describes the node: its patch, or the file it is defined in when
    that is YAML (a snapshot defined in a properties file, dbt 1.9+)."""
    if node.patch_path:
        return node.patch_path
    defined_in = node.original_file_path or ""
    return defined_in if defined_in.endswith((".yml", ".yaml")) else None


def _disabled_nodes(project: Project) -> list[Any]:
    """The manifest's disabled nodes: a map of variants (v4+) or a list (v1-v3)."""
    disabled = project.manifest.disabled
    if isinstance(disabled, dict):
        return [node for variants in disabled.values() for node in variants]
    return list(disabled or ())


def _described(kind: str, name: str, description: Any, columns: Any) -> Iterator[Fact]:
    """An unversioned entry's description and columns, as facts to compare."""
    if _plain(description):
        yield ("description", kind, name, _text(description))
    for column_name, column in (columns or {}).items():
        yield ("column", kind, name, column_name)
        text = column.get("description") if isinstance(column, dict) else column.description
        if _plain(text):
            yield ("column description", kind, name, column_name, _text(text))


def _plain(text: Any) -> bool:
    """Text the manifest holds as written: not Jinja, which dbt renders."""
    return "{{" not in _text(text) and "{%" not in _text(text)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _file_facts(path: Path, known: set[tuple[str, str]]) -> tuple[frozenset[Fact], int] | None:
    """What the file declares of the resources the build has, and how many generic tests it
    defines, as `_manifest_facts` says them; None when it cannot be read or parsed (it is not
    what dbt built from)."""
    import yaml

    try:
        data = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return _EMPTY
    facts: set[Fact] = set()
    tests: list[Any] = []
    for key, kind in _PATCHED.items():
        for entry in _entries(data.get(key)):
            name = str(entry.get("name"))
            if (kind, name) in known:
                facts.add(("resource", kind, name))
            if entry.get("versions"):
                continue
            tests += _tests(entry)
            if (kind, name) in known:
                columns = {
                    str(column.get("name")): column for column in _entries(entry.get("columns"))
                }
                facts.update(_described(kind, name, entry.get("description"), columns))
    for source in _entries(data.get("sources")):
        for table in _entries(source.get("tables")):
            name = f"{source.get('name')}.{table.get('name')}"
            if ("source", name) in known:
                facts.add(("resource", "source", name))
            tests += _tests(table)
    return frozenset(facts), len(tests)


def _entries(value: Any) -> list[dict[str, Any]]:
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _tests(entry: dict[str, Any]) -> list[Any]:
    """The generic tests an entry and its columns define."""
    found = [test for key in _TEST_KEYS for test in entry.get(key) or ()]
    for column in _entries(entry.get("columns")):
        found += [test for key in _TEST_KEYS for test in column.get(key) or ()]
    return found
