"""Where a resource is declared: the YAML file and line of a model, column, source, test or macro.

A finding is only useful on the line a person edits. The manifest names the properties file
(`patch_path`) but not the line, so the file is composed with a line-aware YAML parser. This is
done lazily, once per file, and only for resources that have findings: most of a large project
is never looked up. When there is no YAML entry, the SQL file (line 1) is the location. A finding
about one config setting (grants, materialization) is placed on the line that sets it
(`locate_setting`), where the pull request edited it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbtgate.artifacts.manifest import Exposure, Macro, Node, Source, file_path

_RESOURCE_KEYS = {
    "model": "models",
    "seed": "seeds",
    "snapshot": "snapshots",
    "analysis": "analyses",
}


def display_root(project_dir: Path | None) -> Path:
    """What finding paths are relative to: the root of the git repository that holds the dbt
    project (code scanning, annotations and GitLab resolve paths from there, whichever folder
    dbtgate runs in), else the working directory."""
    if project_dir is not None:
        start = project_dir.resolve()
        for directory in (start, *start.parents):
            if (directory / ".git").exists():
                return directory
    return Path.cwd().resolve()


def display_path(path: Path, root: Path) -> str:
    """`path` relative to `root` (posix), or absolute when it lies outside `root`: a
    `../../tmp/...` path means nothing to a reader or to code scanning."""
    try:
        relative = os.path.relpath(path.resolve(), root)
    except ValueError:  # another drive (Windows)
        return path.resolve().as_posix()
    if relative == ".." or relative.startswith(f"..{os.sep}"):
        return path.resolve().as_posix()
    return Path(relative).as_posix()


def shown_outside(path: Path, base_ref: dict[str, str] | None, environ: Mapping[str, str]) -> str:
    """How the reports name a build's file outside the repository, whose absolute path (the
    report's `path`) is on no reader's machine: the git ref a base was parsed from (its cached
    build lies in dbtgate's cache), a file in a GitHub Actions runner's temporary folder as the
    workflow names that folder (`$RUNNER_TEMP/base-artifacts/manifest.json`: the base branch's
    downloaded build), else the path as it was given (`../main/target/manifest.json`)."""
    if base_ref:
        sha = base_ref.get("sha", "")[:12]
        return f"{base_ref['ref']} at {sha}" if sha else base_ref["ref"]
    temp = environ.get("RUNNER_TEMP", "").strip()
    if temp and environ.get("GITHUB_ACTIONS", "").lower() == "true":
        try:
            inside = path.resolve().relative_to(Path(temp).resolve())
        except ValueError:
            pass
        else:
            return f"$RUNNER_TEMP/{inside.as_posix()}"
    return path.as_posix()


def repository_path(path: Path) -> str:
    """A file dbtgate reads beside the build (the config, the baseline) as findings and reports
    name it: from the root of the git repository that holds it, wherever dbtgate runs."""
    return display_path(path, display_root(path.parent))


@dataclass(frozen=True)
class Location:
    path: str
    line: int | None


@dataclass(frozen=True)
class CodePlacement:
    """Where a resource's code (as dbt read it) sits in its file: `start` lines before it
    (None when it cannot be placed), and whether the file on disk differs from it (`stale`: the
    file was edited since the manifest was written)."""

    start: int | None
    stale: bool = False


def place_code(project_dir: Path | None, resource: Any, code: str) -> CodePlacement:
    """Place `code` in the resource's file under `project_dir`. A model's code is its file
    stripped: placed after the blank lines at the file's top (none when the file is absent),
    stale when the file says something else. A snapshot's or a macro's code is a block of its
    file: found in it, or not placed (stale when the file is there but the block is not)."""
    text = read_project_file(project_dir, file_path(resource))
    if resource.resource_type == "model":
        if text is None:
            return CodePlacement(0)
        # dbt keeps a file's CRLF in its code; the file is read with universal newlines.
        same = text.strip() == code.replace("\r\n", "\n").strip()
        return CodePlacement(blank_lines_above(text), stale=not same)
    stripped = code.replace("\r\n", "\n").strip()
    found = text.find(stripped) if text is not None and stripped else -1
    if found < 0:
        return CodePlacement(None, stale=text is not None)
    start = text.count("\n", 0, found) - blank_lines_above(code)  # type: ignore[union-attr]
    return CodePlacement(start)


def blank_lines_above(text: str) -> int:
    """How many line breaks come before the text's first non-blank character: the lines dbt
    drops when it strips a file into `raw_code`, so a line of the code is this many lower."""
    return text[: len(text) - len(text.lstrip())].count("\n")


def read_project_file(project_dir: Path | None, path: str) -> str | None:
    """The text of a file of the project, None when there is no project or no such file."""
    if project_dir is None:
        return None
    try:
        return (project_dir / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@dataclass
class Locator:
    """Finds declaration lines under `project_dir`; paths are reported with `path_prefix`."""

    project_dir: Path | None
    path_prefix: str = ""
    _files: dict[str, Any] = field(default_factory=dict)
    # By (resource, column, test, parent) identity: a model with five findings is looked up once.
    # The entries hold the objects too, so an id is never reused while its entry exists.
    _found: dict[tuple[int, str | None, int, int], tuple[Any, ...]] = field(default_factory=dict)
    # id of a composed YAML sequence -> its entries by name (see `_named`).
    _by_name: dict[int, dict[str, Any]] = field(default_factory=dict)
    # By (resource, setting, detail) identity, as `_found`: see `locate_setting`.
    _settings: dict[tuple[int, str, str | None], tuple[Any, Location]] = field(default_factory=dict)
    # SQL file -> the keyword arguments of its `config()` and their lines (`config_arguments`).
    _arguments: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def for_project(cls, project_dir: Path | None) -> Locator:
        """A locator naming files relative to the repository root (`display_root`), as every
        finding does, whichever folder dbtgate runs in."""
        if project_dir is None:
            return cls(None)
        prefix = display_path(project_dir, display_root(project_dir))
        return cls(project_dir, "" if prefix == "." else prefix)

    def display(self, relative: str) -> str:
        relative = relative.replace("\\", "/")
        if not self.path_prefix or self.path_prefix == ".":
            return relative
        return f"{self.path_prefix.rstrip('/')}/{relative}"

    def locate(
        self,
        resource: Node | Source | Exposure | Macro,
        column: str | None = None,
        test: Node | None = None,
        parent: Node | Source | None = None,
    ) -> Location:
        """The declaration of `resource` (or of its `column`, or a macro's argument); for a
        generic `test`, the line of the test entry under the model (`parent`) or column it
        tests."""
        key = (id(resource), column, id(test), id(parent))
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = (
                resource,
                test,
                parent,
                self._locate(resource, column, parent),
            )
        return found[3]

    def locate_setting(self, resource: Node, setting: str, detail: str | None = None) -> Location:
        """The line that sets the config `setting` (`materialized`, `grants`, `access`,
        `contract`) of `resource`, or its `detail` (a grant's privilege) when that has a line
        of its own. Where dbt takes it from: the SQL file's `config(SETTING=...)`, which wins
        over the properties entry's `config: SETTING:` (the version's, then the model's), which
        wins over dbt_project.yml's `+SETTING:` on the model's path. A setting written in none
        of them may come from a `config(**settings)`: its line. A setting the pull request
        deleted has no line: then the resource's own location (`locate`)."""
        key = (id(resource), setting, detail)
        found = self._settings.get(key)
        if found is None:
            found = self._settings[key] = (
                resource,
                self._locate_setting(resource, setting, detail),
            )
        return found[1]

    def locate_constraint(self, resource: Node, kind: str, column: str | None) -> Location:
        """A model-level constraint's item in the resource's `constraints:` (its version's,
        then its own): of type `kind`, on `column` alone, else listing it (with no column, the
        first of the type). Not found (a constraint the pull request deleted, or one set
        elsewhere): the column's or the resource's own location (`locate`)."""
        path = _yaml_path(resource)
        if path:
            for entry in self._entries(path, resource):
                items = [
                    (item, [_scalar(name) for name in _items(_get(item, "columns"))])
                    for item in _items(_get(entry, "constraints"))
                    if (_scalar(_get(item, "type")) or "").lower() == kind.lower()
                ]
                # Of several, the one of this column alone, then one that lists it.
                for item, listed in sorted(items, key=lambda pair: pair[1] != [column]):
                    if column is None or column in listed:
                        return Location(self.display(path), item.start_mark.line + 1)
        return self.locate(resource, column)

    def _locate_setting(self, resource: Node, setting: str, detail: str | None) -> Location:
        # Imported here: compiling its patterns is ~5 ms, and most runs locate no config change.
        from dbtgate.setting_lines import SPREAD, key_line, project_line

        sql_path = file_path(resource)
        # A seed's file is its data (maybe large): only a SQL or Python model has a config()
        # call to read.
        arguments = self._config_arguments(sql_path) if sql_path.endswith((".sql", ".py")) else {}
        line = arguments.get(setting)
        if line is not None:
            return Location(self.display(sql_path), line)
        yaml_path = resource.patch_path
        if yaml_path:
            line = key_line(
                self._entries(yaml_path, resource), setting, detail, setting == "access"
            )
            if line is not None:
                return Location(self.display(yaml_path), line)
        section = _RESOURCE_KEYS.get(resource.resource_type)
        if section and resource.fqn:
            root = self._compose("dbt_project.yml")
            line = project_line(root, section, resource.fqn, setting, detail)
            if line is not None:
                return Location(self.display("dbt_project.yml"), line)
        if SPREAD in arguments:  # `config(**settings)`: set there, or nowhere the gate can read
            return Location(self.display(sql_path), arguments[SPREAD])
        return self.locate(resource)

    def _config_arguments(self, path: str) -> dict[str, int]:
        """Read once per file: a model with four config findings reads its SQL once."""
        found = self._arguments.get(path)
        if found is None:
            from dbtgate.setting_lines import config_arguments

            text = read_project_file(self.project_dir, path)
            found = self._arguments[path] = config_arguments(text) if text else {}
        return found

    def _entries(self, path: str, resource: Node) -> list[Any]:
        """The resource's properties entries, most specific first: its version's, its own."""
        key = _RESOURCE_KEYS.get(resource.resource_type)
        entry = self._named(_get(self._compose(path), key), resource.name) if key else None
        if entry is None:
            return []
        version = None if resource.version is None else _version_entry(entry, resource.version)
        return [entry] if version is None else [version, entry]

    def _locate(
        self,
        resource: Node | Source | Exposure | Macro,
        column: str | None,
        parent: Node | Source | None,
    ) -> Location:
        if isinstance(resource, Node) and resource.resource_type == "test":
            return self._locate_test(resource, parent)
        yaml_path = _yaml_path(resource)
        if yaml_path:
            line = self._find(yaml_path, resource, column)
            if line is not None:
                return Location(self.display(yaml_path), line)
        fallback = resource.original_file_path or yaml_path or ""
        return Location(self.display(fallback), 1 if fallback else None)

    def _locate_test(self, test: Node, parent: Node | Source | None) -> Location:
        """A generic test's entry in its properties file: under its column (`column_name`),
        else under the model's (its version's) or the source table's own `data_tests:` or
        `tests:`; not found, the column's line, else the resource's, else the file's top."""
        path = test.original_file_path
        if parent is None or not path.endswith((".yml", ".yaml")):
            return Location(self.display(path), 1)
        owners = self._test_owners(path, parent)
        column = self._entry(path, parent, test.column_name) if test.column_name else None
        if column is not None and any(column is owner for owner in owners):
            column = None  # the column has no entry: `_entry` fell back to the resource's
        for entry in ([column] if column is not None else []) + owners:
            item = _test_item(
                [item for key in ("data_tests", "tests") for item in _items(_get(entry, key))],
                test,
            )
            if item is not None:
                return Location(self.display(path), item.start_mark.line + 1)
        placed = column if column is not None else (owners[0] if owners else None)
        return Location(self.display(path), placed.start_mark.line + 1 if placed else 1)

    def _test_owners(self, path: str, parent: Node | Source) -> list[Any]:
        """The entries whose own tests list may hold the test: a source table's, a model's
        version's then the model's."""
        if isinstance(parent, Source):
            table = self._entry(path, parent, None)
            return [] if table is None else [table]
        return self._entries(path, parent)

    def _find(
        self, path: str, resource: Node | Source | Exposure | Macro, column: str | None
    ) -> int | None:
        entry = self._entry(path, resource, column)
        return entry.start_mark.line + 1 if entry is not None else None

    def _entry(self, path: str, resource: Any, column: str | None) -> Any:
        root = self._compose(path)
        if root is None:
            return None
        if isinstance(resource, Source):
            src = self._named(_get(root, "sources"), resource.source_name)
            entry = self._named(_get(src, "tables"), resource.name) if src is not None else None
        elif isinstance(resource, Exposure):
            entry = self._named(_get(root, "exposures"), resource.name)
        elif isinstance(resource, Macro):
            entry = self._named(_get(root, "macros"), resource.name)
            if entry is None or column is None:
                return entry
            return self._named(_get(entry, "arguments"), column) or entry
        else:
            key = _RESOURCE_KEYS.get(resource.resource_type)
            entry = self._named(_get(root, key), resource.name) if key else None
            if entry is not None and resource.version is not None:
                version = _version_entry(entry, resource.version)
                if version is not None:
                    if column is None:
                        return version
                    found = self._named(_get(version, "columns"), column)
                    # A column of the model shared by its versions, else the version's own
                    # entry (a removed column has no line; its version's block is the place).
                    return found or self._named(_get(entry, "columns"), column) or version
        if entry is None or column is None:
            return entry
        return self._named(_get(entry, "columns"), column) or entry

    def _named(self, sequence: Any, name: str) -> Any:
        """The entry of a YAML sequence whose `name` is `name` (case-insensitive, unquoted).

        Each sequence is indexed once: a properties file with 2,000 models of 10 columns each
        is asked 20,000 times, and scanning the list each time made locating quadratic."""
        if sequence is None:
            return None
        index = self._by_name.get(id(sequence))
        if index is None:
            index = {}
            for item in _items(sequence):
                value = _scalar(_get(item, "name"))
                if value is not None:
                    index.setdefault(_name_key(value), item)
            # Keyed by id: the composed trees live in `_files` as long as the Locator does.
            self._by_name[id(sequence)] = index
        return index.get(_name_key(name))

    def _compose(self, path: str) -> Any:
        if path in self._files:
            return self._files[path]
        node = None
        text = read_project_file(self.project_dir, path)
        if text is not None:
            import yaml

            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            try:
                node = yaml.compose(text, Loader=loader)
            except yaml.YAMLError:
                node = None
        self._files[path] = node
        return node


def _yaml_path(resource: Node | Source | Exposure | Macro) -> str | None:
    if isinstance(resource, Node | Macro):
        return resource.patch_path
    return resource.original_file_path or None


def _get(mapping: Any, key: str | None) -> Any:
    if key is None or mapping is None or getattr(mapping, "id", None) != "mapping":
        return None
    for key_node, value_node in mapping.value:
        if getattr(key_node, "value", None) == key:
            return value_node
    return None


def _items(sequence: Any) -> list[Any]:
    if sequence is None or getattr(sequence, "id", None) != "sequence":
        return []
    return sequence.value


def _scalar(node: Any) -> str | None:
    return str(node.value) if node is not None and getattr(node, "id", None) == "scalar" else None


def _name_key(name: str) -> str:
    return name.lower().strip('"`')


def _version_entry(model_entry: Any, version: Any) -> Any:
    for item in _items(_get(model_entry, "versions")):
        value = _scalar(_get(item, "v"))
        if value is not None and value == str(version):
            return item
    return None


def _test_entry_name(item: Any) -> str | None:
    """`- unique`, `- relationships: {...}`, or `- name: x  test_name: unique`."""
    if getattr(item, "id", None) == "scalar":
        return str(item.value)
    if getattr(item, "id", None) == "mapping" and item.value:
        test_name = _scalar(_get(item, "test_name"))
        if test_name:
            return test_name
        return _scalar(item.value[0][0])
    return None


def _test_item(items: list[Any], test: Node) -> Any:
    """Of a tests list, the entry declaring `test`: by its generic name (`not_null`,
    `dbt_utils.expression_is_true`); of several, the one its custom `name:` names, else the
    one whose arguments are the test's kwargs, else the first."""
    metadata = test.test_metadata
    kind = metadata.name if metadata else ""
    wanted = {kind, f"{metadata.namespace}.{kind}" if metadata and metadata.namespace else kind}
    named = [item for item in items if _test_entry_name(item) in wanted]
    if len(named) <= 1:
        return named[0] if named else None
    for item in named:
        if _scalar(_get(_test_body(item), "name")) == test.name:
            return item
    kwargs = {
        key: value
        for key, value in ((metadata.kwargs if metadata else None) or {}).items()
        if key not in ("model", "column_name")  # dbt's own: the tested relation and column
    }
    for item in named:
        if _test_arguments(item) == kwargs:
            return item
    return named[0]


_NOT_ARGUMENTS = frozenset({"name", "test_name", "config", "description", "column_name"})


def _test_arguments(item: Any) -> dict[str, Any] | None:
    """The arguments a test entry gives, as dbt reads them: `- kind: {...}` or `- name: x`
    with `test_name:` beside them, under `arguments:` (dbt 1.10+) or not. Only asked when a
    list has several tests of one name, so constructing the values is rare."""
    import yaml

    body = _test_body(item)
    if body is None:
        return {}
    try:
        value = yaml.SafeLoader("").construct_document(body)
    except yaml.YAMLError:
        return None
    if not isinstance(value, dict):
        return {} if value is None else None
    arguments = value.get("arguments")
    if isinstance(arguments, dict):
        return arguments
    return {key: v for key, v in value.items() if key not in _NOT_ARGUMENTS}


def _test_body(item: Any) -> Any:
    """What a test entry sets beside its name: the entry itself (`- name: x` with
    `test_name:`), the value under its name (`- unique: {...}`), None for a bare `- unique`."""
    if getattr(item, "id", None) != "mapping":
        return None
    return item if _get(item, "test_name") is not None else item.value[0][1]
