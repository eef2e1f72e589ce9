"""Where a resource is declared: the YAML file and line of a model, column, source, test or macro.

A finding is only useful on the line a person edits. The manifest names the properties file
(`patch_path`) but not the line, so the file is composed with a line-aware YAML parser. This is
done lazily, once per file, and only for resources that have findings: most of a large project
is never looked up. When there is no YAML entry, the SQL file (line 1) is the location. A finding
about one config setting (grants, materialization) is placed on the line that sets it
(`locate_setting`), where the pull request edited it.

The manifest names an installed package's files relative to that package's root
(`ResourceFiles`): they are read and shown where `dbt deps` installed the package, never as the
root project's file of the same name.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from dbtgate.artifacts.manifest import Exposure, Macro, Node, Source, UnitTest, file_path

_RESOURCE_KEYS = {
    "model": "models",
    "seed": "seeds",
    "snapshot": "snapshots",
    "analysis": "analyses",
}

# Where a properties file declares the semantic layer, and a semantic model its elements.
_SEMANTIC_SECTIONS = {
    "semantic_model": "semantic_models",
    "metric": "metrics",
    "saved_query": "saved_queries",
    # (a reader of the semantic layer, where a removal it reads is placed)
    "exposure": "exposures",
}
_ELEMENT_SECTIONS = {"dimension": "dimensions", "measure": "measures", "entity": "entities"}

# The settings a properties entry may set beside `config:` as well as in it: `access:` (dbt
# before 1.7 read it there only), `meta:` and `group:` (properties of their own too).
_BESIDE_CONFIG = ("access", "meta", "group")


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


def console_paths(project_dir: Path | None) -> Callable[[str], str] | None:
    """How the console names a finding's file when dbtgate runs in a folder of the repository
    below its root (`cd models/marts && dbtgate check`): from that folder (`../intermediate/
    x.sql`), a path a terminal or an editor opens from there, as the fix commands' paths are.
    None where the paths shown are already from the working directory (its root, or no
    repository: `display_root`) or it lies outside the repository, where only the root means
    something. The reports (gate.md, SARIF, JSON) keep the paths from the root."""
    root = display_root(project_dir)
    here = Path.cwd().resolve()
    if root not in here.parents:
        return None

    @functools.cache  # a file's findings name it once each
    def from_here(path: str) -> str:
        if os.path.isabs(path):
            return path
        return Path(os.path.relpath(root / path, here)).as_posix()

    return from_here


def pasted_path(path: Path, here: Path) -> str:
    """`path` as a command pasted in `here` names it: relative to it, or for a path outside it
    the shorter of `../`-relative (`../../base/target`, as the user typed it) and absolute
    (`/tmp/base`, not `../../../../tmp/base`). Not shell-quoted."""
    shown = display_path(path, here)
    if Path(shown).is_absolute():
        try:
            return min(shown, Path(os.path.relpath(shown, here)).as_posix(), key=len)
        except ValueError:  # another drive (Windows)
            return shown
    return shown


def command_paths(
    project_dir: Path | None, environ: Mapping[str, str] = os.environ
) -> Callable[[str], str] | None:
    """How the console names the files of a fix that is a command (`dbtgate lint --fix`,
    written in the reports to paste at the repository's root, `display_root`): as a command
    pasted in the working directory names them (`pasted_path`), there or outside the
    repository alike, since it must run from there. None where the reports' command pastes as
    it is: run at the root, or in GitHub Actions, whose job's folder is nowhere in what the
    author reads (the annotations and the PR comment paste from the root)."""
    if environ.get("GITHUB_ACTIONS", "").lower() == "true":
        return None
    root = display_root(project_dir)
    here = Path.cwd().resolve()
    if root == here:
        return None

    @functools.cache  # a file's findings name it once each
    def from_here(path: str) -> str:
        return pasted_path(root / path, here)

    return from_here


def anchor_root(project_dir: Path) -> Path:
    """What the fingerprint of a finding on a file with no dbt resource names the file from:
    the root of the git repository that holds the project, as findings show paths (so the
    baselines written in a repository keep matching), else the project's folder. Never the
    working directory: a baseline written in the project's folder would not match a CI run
    from the folder above."""
    start = project_dir.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def anchoring(project_dir: Path) -> Callable[[str], str]:
    """Turns a finding's path as it is shown (`display_path` from `display_root`) into the path
    its fingerprint names (from `anchor_root`): the same file from whichever folder dbtgate runs
    in. The roots are found once, not once per finding."""
    shown_from = display_root(project_dir)
    root = anchor_root(project_dir)
    if root == shown_from:
        return lambda shown: shown
    return lambda shown: display_path(shown_from / shown, root)


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
    return display_input(path, display_root(path.parent))


def display_input(path: Path, root: Path) -> str:
    """`display_path` of a file given to read (the config, the baseline). A pipe
    (`--config <(...)`) is in no folder: named as given (resolved, it read
    `/proc/123/fd/pipe:[456]`, another name every run)."""
    from dbtgate.pipes import is_pipe

    return str(path) if is_pipe(path) else display_path(path, root)


def repository_folder(project_dir: Path | None) -> str:
    """The dbt project's folder from the root of the git repository that holds it (`analytics`,
    posix): "" for a project at the root, and outside a git repository, where no folder is the
    same from wherever dbtgate runs. What tells apart the sticky comments of two projects of one
    name in a monorepo."""
    if project_dir is None:
        return ""
    root = display_root(project_dir)
    if not (root / ".git").exists():
        return ""
    folder = display_path(project_dir, root)
    return "" if folder == "." or Path(folder).is_absolute() else folder


class Location(Struct, frozen=True):
    path: str
    line: int | None


class CodePlacement(Struct, frozen=True):
    """Where a resource's code (as dbt read it) sits in its file: `start` lines before it
    (None when it cannot be placed), and whether the file on disk differs from it (`stale`: the
    file was edited since the manifest was written)."""

    start: int | None
    stale: bool = False


def place_code(files: ResourceFiles, resource: Any, code: str) -> CodePlacement:
    """Place `code` in the resource's file (`files`: the root project's, or its package's). A
    model's code is its file stripped: placed after the blank lines at the file's top (none
    when the file is absent), stale when the file says something else. A snapshot's or a
    macro's code is a block of its file: found in it, or not placed (stale when the file is
    there but the block is not)."""
    text = files.read(resource, file_path(resource))
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
    return _read(project_dir / path)


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


# dbt_project.yml's keys for where `dbt deps` installs packages: dbt 1.0 on, then before (whose
# default folder was dbt_modules).
_INSTALL_KEYS = ("packages-install-path", "modules-path")
_INSTALL_DEFAULTS = ("dbt_packages", "dbt_modules")


class ResourceFiles(Struct):
    """Where the files the manifest names for a resource (`original_file_path`, `patch_path`)
    are on disk.

    The manifest writes them relative to the project that declares the resource: the root
    project's under `project_dir`; an installed package's under that package's own folder, where
    `dbt deps` put it: `<packages-install-path>/<the package's project name>` (dbt_project.yml's
    `packages-install-path`, default `dbt_packages`; before dbt 1.0 `modules-path`,
    `dbt_modules`). A `local:` package is a symlink there, to its folder in the repository. A
    package's file is only given when it is there: in a CI job that downloaded the artifacts
    without `dbt deps`, a package's resource has no file, rather than the root project's file
    of the same name.

    `root_package` names the root project (`Project.root_package`); unknown, it is read from
    `project_dir`'s dbt_project.yml (`name:`), and failing that every resource is the root's."""

    project_dir: Path | None
    root_package: str | None = None
    _root: str | None = None
    _root_known: bool = False
    # package name -> its folder (install folder resolved, the package's own entry not).
    _packages: dict[str, Path] | None = None

    def package_of(self, resource: Any) -> str:
        """The package whose folder holds the resource's files: "" for the root project."""
        package = getattr(resource, "package_name", "") or ""
        if not package:
            return ""
        if not self._root_known:
            self._root = self.root_package or (
                declared_project_name(self.project_dir) if self.project_dir is not None else None
            )
            self._root_known = True
        return "" if self._root is None or package == self._root else package

    def path(self, package: str, relative: str) -> Path | None:
        """The file `relative` of `package` ("" for the root project): the root project's
        whether it exists or not, a package's only when it is a file; None without a project
        folder or the package installed."""
        if self.project_dir is None:
            return None
        if not package:
            return self.project_dir / relative
        folder = self.packages().get(package)
        if folder is None or not relative:
            return None
        found = folder / relative
        return found if found.is_file() else None

    def read(self, resource: Any, relative: str) -> str | None:
        """The text of the resource's file `relative`, None when it cannot be read."""
        return _read(self.path(self.package_of(resource), relative))

    def packages(self) -> dict[str, Path]:
        """The installed packages by project name, scanned once: each folder of the install
        path by the `name:` of its dbt_project.yml (what dbt loads it as, whatever the
        folder's name), else by the folder's name (`dbt deps` names it after the project)."""
        if self._packages is None:
            self._packages = {}
            if self.project_dir is not None:
                by_folder: dict[str, Path] = {}
                for install in self._install_folders():
                    try:
                        children = sorted(install.resolve().iterdir())
                    except OSError:
                        continue
                    for child in children:
                        if not child.is_dir():
                            continue
                        name = declared_project_name(child)
                        if name:
                            self._packages.setdefault(name, child)
                        by_folder.setdefault(child.name, child)
                for name, child in by_folder.items():
                    self._packages.setdefault(name, child)
        return self._packages

    def _install_folders(self) -> list[Path]:
        assert self.project_dir is not None
        return install_folders(self.project_dir)


def install_folders(project_dir: Path) -> list[Path]:
    """Where `dbt deps` installs the project's packages: its dbt_project.yml's
    `packages-install-path` (`modules-path` before dbt 1.0), else dbt's defaults, in order."""
    settings = _project_settings(project_dir)
    for key in _INSTALL_KEYS:
        value = settings.get(key)
        # A templated value (`{{ env_var(...) }}`) cannot be rendered here: dbt's default.
        if isinstance(value, str) and value.strip() and "{{" not in value:
            return [project_dir / value.strip()]
    return [project_dir / folder for folder in _INSTALL_DEFAULTS]


def _project_settings(folder: Path) -> dict[str, Any]:
    """A dbt project's dbt_project.yml as a mapping; {} when it cannot be read."""
    text = _read(folder / "dbt_project.yml")
    if text is None:
        return {}
    import yaml

    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


_PROJECT_NAME = re.compile(r"""^name:\s*['"]?([A-Za-z0-9_]+)""", re.MULTILINE)


def declared_project_name(project_dir: Path) -> str | None:
    """The `name:` of the folder's dbt_project.yml (the project's name, which its manifest and
    every package it is installed as go by), found without parsing the YAML: None when there is
    no such file or key."""
    try:
        text = (project_dir / "dbt_project.yml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = _PROJECT_NAME.findall(text)
    return found[-1] if found else None  # as YAML reads a key written twice: the last


def package_display(found: Path, root: Path) -> str:
    """How a package's file (`found`, under the resolved install folder) is named: where it
    really is when that is inside `root` (a `local:` package's symlink followed to its folder in
    the repository: `pkgs/acme_utils/macros/cents.sql`), else where dbt installed it
    (`analytics/dbt_packages/hub_pkg/models/x.sql`), else its absolute path."""
    real = found.resolve()
    for path in (real, found):
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix() or "."
    return real.as_posix()


# A file of the build: its package ("" for the root project) and its path in that package.
_FileKey = tuple[str, str]


class Locator(Struct):
    """Finds declaration lines under `project_dir`; paths are reported with `path_prefix`.

    A file is keyed by its package ("" for the root project) and its path in that package
    (`_FileKey`): an installed package's files are read and named where it is installed
    (`ResourceFiles`), relative to `root` (the repository root; `project_dir` by default)."""

    project_dir: Path | None
    path_prefix: str = ""
    # The root project's package name (`Project.root_package`); see `ResourceFiles`.
    root_package: str | None = None
    root: Path | None = None
    _files: dict[_FileKey, Any] = field(default_factory=dict)
    # By (resource, column, test, parent) identity: a model with five findings is looked up once.
    # The entries hold the objects too, so an id is never reused while its entry exists.
    _found: dict[tuple[int, str | None, int, int], tuple[Any, ...]] = field(default_factory=dict)
    # id of a composed YAML sequence -> its entries by name (see `_named`).
    _by_name: dict[int, dict[str, Any]] = field(default_factory=dict)
    # By (resource, setting, detail) identity, as `_found`: see `locate_setting`.
    _settings: dict[tuple[int, str, str | None], tuple[Any, Location]] = field(default_factory=dict)
    # SQL file -> the keyword arguments of its `config()` and their lines (`config_arguments`).
    _arguments: dict[_FileKey, dict[str, int]] = field(default_factory=dict)
    _resource_files: ResourceFiles | None = None
    # A package's file -> its name in findings (None: not installed), worked out once.
    _package_shown: dict[_FileKey, str | None] = field(default_factory=dict)

    @classmethod
    def for_project(cls, project_dir: Path | None, root_package: str | None = None) -> Locator:
        """A locator naming files relative to the repository root (`display_root`), as every
        finding does, whichever folder dbtgate runs in."""
        if project_dir is None:
            return cls(None, root_package=root_package)
        root = display_root(project_dir)
        prefix = display_path(project_dir, root)
        return cls(project_dir, "" if prefix == "." else prefix, root_package, root)

    @property
    def files(self) -> ResourceFiles:
        files = self._resource_files
        if files is None or files.root_package != self.root_package:
            files = self._resource_files = ResourceFiles(self.project_dir, self.root_package)
        return files

    def display(self, relative: str) -> str:
        """A file of the root project, as findings name it."""
        relative = relative.replace("\\", "/")
        if not self.path_prefix or self.path_prefix == ".":
            return relative
        return f"{self.path_prefix.rstrip('/')}/{relative}"

    def file_of(self, resource: Any, relative: str | None = None) -> str | None:
        """The resource's file `relative` (its own file, `original_file_path`, by default) as
        findings name it: the root project's whether it exists or not; an installed package's
        where it is installed, None when it is not there (no location rather than a wrong
        one)."""
        relative = file_path(resource) if relative is None else relative
        return self._shown(self._key(resource, relative))

    def _key(self, resource: Any, relative: str) -> _FileKey:
        return (self.files.package_of(resource), relative.replace("\\", "/"))

    def _shown(self, key: _FileKey) -> str | None:
        package, relative = key
        if not package:
            return self.display(relative)
        if key not in self._package_shown:
            found = self.files.path(package, relative)
            root = self.root or (self.project_dir.resolve() if self.project_dir else Path.cwd())
            shown = package_display(found, root.resolve()) if found is not None else None
            self._package_shown[key] = shown
        return self._package_shown[key]

    def _at(self, key: _FileKey, line: int | None) -> Location:
        """A location in the file `key`; nowhere (no path, no line) when the file has no name."""
        shown = self._shown(key)
        return Location(shown, line) if shown else Location("", None)

    def locate(
        self,
        resource: Node | Source | Exposure | Macro | UnitTest,
        column: str | None = None,
        test: Node | None = None,
        parent: Node | Source | None = None,
    ) -> Location:
        """The declaration of `resource` (or of its `column`, or a macro's argument); for a
        generic `test`, the line of the test entry under the model (`parent`) or column it
        tests; for a unit test, its entry under `unit_tests:` (`parent`: the model it tests)."""
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

    def locate_source_setting(self, source: Source, setting: str) -> Location:
        """The line of the `SETTING:` (`schema`, `database`) of the source that declares the
        table `source`: a source sets them for all its tables. Not written there, the source's
        own entry: its schema is its name, its database the profile's, and the entry is where
        to write another. Neither found (a file the pull request deleted): the table's entry."""
        path = _yaml_path(source)
        if path:
            key = self._key(source, path)
            entry = self._named(_get(self._compose(key), "sources"), source.source_name)
            if entry is not None:
                written = next(
                    (name for name, _ in entry.value if getattr(name, "value", None) == setting),
                    entry,
                )
                return self._at(key, written.start_mark.line + 1)
        return self.locate(source)

    def locate_constraint(self, resource: Node, kind: str, column: str | None) -> Location:
        """A model-level constraint's item in the resource's `constraints:` (its version's,
        then its own): of type `kind`, on `column` alone, else listing it (with no column, the
        first of the type). Not found (a constraint the pull request deleted, or one set
        elsewhere): the column's or the resource's own location (`locate`)."""
        path = _yaml_path(resource)
        if path:
            key = self._key(resource, path)
            for entry in self._entries(key, resource):
                items = [
                    (item, [_scalar(name) for name in _items(_get(item, "columns"))])
                    for item in _items(_get(entry, "constraints"))
                    if (_scalar(_get(item, "type")) or "").lower() == kind.lower()
                ]
                # Of several, the one of this column alone, then one that lists it.
                for item, listed in sorted(items, key=lambda pair: pair[1] != [column]):
                    if column is None or column in listed:
                        return self._at(key, item.start_mark.line + 1)
        return self.locate(resource, column)

    def semantic_line(self, resource: Any, element: tuple[str, str] | None = None) -> int | None:
        """The line of a semantic model's, metric's, saved query's or exposure's entry in its
        YAML (`semantic_models:`, `metrics:`, `saved_queries:`, `exposures:`), or of its
        `element` (kind, name: `("dimension", "status")`) under it; the entry's when the
        element is not there (the pull request removed it). None when the file no longer
        declares it."""
        section = _SEMANTIC_SECTIONS.get(resource.resource_type)
        if section is None or not resource.original_file_path:
            return None
        key = self._key(resource, resource.original_file_path)
        entry = self._named(_get(self._compose(key), section), resource.name)
        if entry is None:
            return None
        if element is not None:
            kind, name = element
            found = self._named(_get(entry, _ELEMENT_SECTIONS.get(kind)), name)
            if found is not None:
                return found.start_mark.line + 1
        return entry.start_mark.line + 1

    def enclosing_line(self, resource: Node | Source) -> int | None:
        """The line of the entry that holds `resource`'s in its YAML: a source table's source
        (its `- name:` under `sources:`), a model version's model. Where a table or version
        the pull request removed is placed while the pull request keeps the others (its own
        entry is gone): asked with one the pull request kept. None when the file does not
        declare it."""
        path = _yaml_path(resource)
        if not path:
            return None
        key = self._key(resource, path)
        if isinstance(resource, Source):
            entry = self._named(_get(self._compose(key), "sources"), resource.source_name)
        else:
            entry = next(reversed(self._entries(key, resource)), None)
        return entry.start_mark.line + 1 if entry is not None else None

    def _locate_setting(self, resource: Node, setting: str, detail: str | None) -> Location:
        # Imported here: compiling its patterns is ~5 ms, and most runs locate no config change.
        from dbtgate.setting_lines import SPREAD, key_line, project_line

        sql = self._key(resource, file_path(resource))
        # A seed's file is its data (maybe large): only a SQL or Python model has a config()
        # call to read.
        arguments = self._config_arguments(sql) if sql[1].endswith((".sql", ".py")) else {}
        line = arguments.get(setting)
        if line is not None:
            return self._at(sql, line)
        yaml_path = resource.patch_path
        if yaml_path:
            key = self._key(resource, yaml_path)
            line = key_line(
                self._entries(key, resource), setting, detail, setting in _BESIDE_CONFIG
            )
            if line is not None:
                return self._at(key, line)
        section = _RESOURCE_KEYS.get(resource.resource_type)
        if section and resource.fqn:
            # The root project's dbt_project.yml sets a package's resources too (under the
            # package's name), over the package's own dbt_project.yml.
            projects = [("", "dbt_project.yml")]
            if sql[0]:
                projects.append((sql[0], "dbt_project.yml"))
            for key in projects:
                line = project_line(self._compose(key), section, resource.fqn, setting, detail)
                if line is not None:
                    return self._at(key, line)
        if SPREAD in arguments:  # `config(**settings)`: set there, or nowhere the gate can read
            return self._at(sql, arguments[SPREAD])
        return self.locate(resource)

    def _config_arguments(self, key: _FileKey) -> dict[str, int]:
        """Read once per file: a model with four config findings reads its SQL once."""
        found = self._arguments.get(key)
        if found is None:
            from dbtgate.setting_lines import config_arguments

            text = self._read(key)
            found = self._arguments[key] = config_arguments(text) if text else {}
        return found

    def _read(self, key: _FileKey) -> str | None:
        """The text of the file `key`: a package's only from where it is installed."""
        package, relative = key
        if not package:
            return read_project_file(self.project_dir, relative)
        return _read(self.files.path(package, relative))

    def _entries(self, path: _FileKey, resource: Node) -> list[Any]:
        """The resource's properties entries in the file `path`, most specific first: its
        version's, its own."""
        key = _RESOURCE_KEYS.get(resource.resource_type)
        entry = self._named(_get(self._compose(path), key), resource.name) if key else None
        if entry is None:
            return []
        version = None if resource.version is None else _version_entry(entry, resource.version)
        return [entry] if version is None else [version, entry]

    def _locate(
        self,
        resource: Node | Source | Exposure | Macro | UnitTest,
        column: str | None,
        parent: Node | Source | None,
    ) -> Location:
        if isinstance(resource, UnitTest):
            return self._locate_unit_test(resource, parent)
        if isinstance(resource, Node) and resource.resource_type == "test":
            return self._locate_test(resource, parent)
        yaml_path = _yaml_path(resource)
        if yaml_path:
            key = self._key(resource, yaml_path)
            line = self._find(key, resource, column)
            if line is not None:
                return self._at(key, line)
        fallback = resource.original_file_path or yaml_path or ""
        if not fallback:
            return Location("", None)
        return self._at(self._key(resource, fallback), 1)

    def _locate_test(self, test: Node, parent: Node | Source | None) -> Location:
        """A generic test's entry in its properties file: under its column (`column_name`),
        else under the model's (its version's) or the source table's own `data_tests:` or
        `tests:`; not found, the column's line, else the resource's, else the file's top."""
        # The test's file is of the test's package, whichever resource it tests.
        path = self._key(test, test.original_file_path)
        if parent is None or not path[1].endswith((".yml", ".yaml")):
            return self._at(path, 1) if path[1] else Location("", None)
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
                return self._at(path, item.start_mark.line + 1)
        placed = column if column is not None else (owners[0] if owners else None)
        return self._at(path, placed.start_mark.line + 1 if placed else 1)

    def _locate_unit_test(self, unit_test: UnitTest, parent: Node | Source | None) -> Location:
        """A unit test's entry in its properties file's top-level `unit_tests:` (`- name:`),
        of the model it tests when two models' unit tests share the name (`model:`, else the
        tested model's name); not found (the file edited since), the file's top. One entry
        that covers several versions of a model is each version's unit test."""
        path = self._key(unit_test, unit_test.original_file_path)
        if not path[1].endswith((".yml", ".yaml")):
            return self._at(path, 1) if path[1] else Location("", None)
        wanted = _name_key(unit_test.name)
        model = unit_test.model or (parent.name if parent is not None else None)
        named = [
            item
            for item in _items(_get(self._compose(path), "unit_tests"))
            if _name_key(_scalar(_get(item, "name")) or "") == wanted
        ]
        of_model = [
            item
            for item in named
            if model is not None
            and _name_key(_scalar(_get(item, "model")) or "") == _name_key(model)
        ]
        found = (of_model or named or [None])[0]
        return self._at(path, found.start_mark.line + 1 if found is not None else 1)

    def _test_owners(self, path: _FileKey, parent: Node | Source) -> list[Any]:
        """The entries whose own tests list may hold the test: a source table's, a model's
        version's then the model's."""
        if isinstance(parent, Source):
            table = self._entry(path, parent, None)
            return [] if table is None else [table]
        return self._entries(path, parent)

    def _find(
        self, path: _FileKey, resource: Node | Source | Exposure | Macro, column: str | None
    ) -> int | None:
        entry = self._entry(path, resource, column)
        return entry.start_mark.line + 1 if entry is not None else None

    def _entry(self, path: _FileKey, resource: Any, column: str | None) -> Any:
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

    def _compose(self, path: _FileKey) -> Any:
        if path in self._files:
            return self._files[path]
        node = None
        text = self._read(path)
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
