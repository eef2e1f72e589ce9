"""What lint needs from dbt_project.yml and packages.yml, read without dbt.

Lint runs before (or without) a dbt build, so it cannot ask a manifest where the SQL lives or
which vars a model reads: it reads the project file itself. Only the keys lint uses are read:
the name and profile, the SQL and macro paths, the project's vars, and the namespaces of the
packages the project installs (so `dbt_utils.star(...)` templates without the package).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbtgate.config import yaml_problem
from dbtgate.encoding import read_text
from dbtgate.errors import DbtgateError

# The settings of dbt_project.yml naming folders dbt reads, each a list of paths relative to the
# project's folder, or one (`packages-install-path`, where `dbt deps` installed the packages).
# dbt's defaults are inside it; `source-paths` and `data-paths` are the old names of
# `model-paths` and `seed-paths`, still read by dbt.
PATH_SETTINGS = (
    "model-paths",
    "source-paths",
    "macro-paths",
    "seed-paths",
    "data-paths",
    "test-paths",
    "analysis-paths",
    "snapshot-paths",
    "docs-paths",
    "asset-paths",
    "function-paths",
    "packages-install-path",
)


@dataclass(frozen=True)
class DbtProjectFiles:
    directory: Path
    name: str
    profile: str | None = None
    # Directories (relative to `directory`) whose .sql files are linted: models, analyses,
    # singular tests and SQL snapshots (`{% snapshot %}` blocks). Macros are not linted on their
    # own: they are templated into models.
    sql_paths: tuple[str, ...] = ("models", "analyses", "tests", "snapshots")
    model_paths: tuple[str, ...] = ("models",)
    macro_paths: tuple[str, ...] = ("macros",)
    # `<test-path>/generic`: dbt reads generic test definitions there as macros, not models.
    generic_test_paths: tuple[str, ...] = ("tests/generic",)
    vars: dict[str, Any] = field(default_factory=dict)
    package_namespaces: tuple[str, ...] = ()

    def macro_folders_outside(self) -> dict[str, Path]:
        """The macro-paths that leave the project's folder (`../shared_macros`: a monorepo's
        macros shared by its projects), each -> the folder it names."""
        return folders_outside(self.directory, self.macro_paths)

    def sql_folders_outside(self) -> dict[str, Path]:
        """The model, analysis, test and snapshot paths that leave the project's folder
        (`../shared_models`), each -> the folder it names: their SQL files are the project's,
        linted as those inside it."""
        return folders_outside(self.directory, self.sql_paths)


def folders_outside(directory: Path, paths: tuple[str, ...]) -> dict[str, Path]:
    """Those of `paths` (a path setting of the project at `directory`) that leave the project's
    folder (`../shared_macros`, or absolute), each -> the folder it names (made normal, not
    resolved: as dbt joins it to the project's folder)."""
    inside = Path(os.path.normpath(directory))
    named = {path: Path(os.path.normpath(inside / path)) for path in paths}
    return {path: folder for path, folder in named.items() if not folder.is_relative_to(inside)}


def from_project(path: Path, directory: Path) -> str:
    """`path` relative to the project's folder `directory`, as dbt's path settings and
    `original_file_path` name it: `../shared_models/a.sql` for a file of a folder outside it
    (what `lint.exclude` globs and a base build's manifest are matched against)."""
    return Path(os.path.relpath(path, directory)).as_posix()


def read_path_settings(directory: Path) -> dict[str, tuple[str, ...]]:
    """The path settings (`PATH_SETTINGS`) the dbt_project.yml at `directory` sets, each -> its
    paths (one path given as a string: a list of it); a clear error when one is not a list of
    paths (a setting left empty, `~`, is dbt's default, unset). Read apart from
    `read_dbt_project`: only the project's copy needs them all."""
    path = directory / "dbt_project.yml"
    data = _read_yaml(path, required=True)
    return {
        key: tuple(_paths(data, key, path, []))
        for key in PATH_SETTINGS
        if data.get(key) is not None
    }


def read_dbt_project(directory: Path) -> DbtProjectFiles:
    """dbt_project.yml of the project at `directory`; a clear error when it is missing or bad."""
    path = directory / "dbt_project.yml"
    data = _read_yaml(path, required=True)
    name = str(data.get("name") or directory.name)
    test_paths = _paths(data, "test-paths", path, ["tests"])
    # dbt still reads the name model-paths had before dbt 1.0 when the new one is not set.
    models_key = "model-paths" if "model-paths" in data else "source-paths"
    model_paths = _paths(data, models_key, path, ["models"])
    sql_paths = [
        *model_paths,
        *_paths(data, "analysis-paths", path, ["analyses"]),
        *test_paths,
        *_paths(data, "snapshot-paths", path, ["snapshots"]),
    ]
    return DbtProjectFiles(
        directory=directory,
        name=name,
        profile=str(data["profile"]) if data.get("profile") else None,
        sql_paths=tuple(dict.fromkeys(sql_paths)),
        model_paths=tuple(model_paths),
        macro_paths=tuple(_paths(data, "macro-paths", path, ["macros"])),
        generic_test_paths=tuple(f"{test_path}/generic" for test_path in test_paths),
        vars=_project_vars(data.get("vars"), name),
        package_namespaces=_package_namespaces(directory),
    )


def _read_yaml(path: Path, *, required: bool) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        if required:
            raise DbtgateError(f"{path}: not found (lint needs the dbt project's dbt_project.yml)")
        return {}
    try:
        data = yaml.safe_load(read_text(path))
    except yaml.YAMLError as exc:
        line, problem = yaml_problem(exc)
        where = f":{line}" if line else ""
        raise DbtgateError(f"{path}{where}: not valid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DbtgateError(f"{path}: expected a mapping at the top level")
    return data


def _paths(data: dict[str, Any], key: str, path: Path, default: list[str]) -> list[str]:
    """The directories a path setting names; unset or left empty (`~`), dbt's default."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise DbtgateError(f"{path}: {key}: expected a list of directories, got {value!r}")
    return [item.rstrip("/") for item in value]


def _project_vars(raw: Any, project_name: str) -> dict[str, Any]:
    """Global vars plus the ones scoped to this project (dbt's `vars: {project: {...}}`)."""
    if not isinstance(raw, dict):
        return {}
    values = {k: v for k, v in raw.items() if not isinstance(v, dict)}
    scoped = raw.get(project_name)
    if isinstance(scoped, dict):
        values.update(scoped)
    return values


def _package_namespaces(directory: Path) -> tuple[str, ...]:
    """The macro namespaces of installed packages: hub names, git repository names, and any
    directory under dbt_packages/ (a package's namespace is its project name)."""
    names: set[str] = set()
    for filename in ("packages.yml", "dependencies.yml"):
        data = _read_yaml(directory / filename, required=False)
        for entry in data.get("packages") or []:
            if not isinstance(entry, dict):
                continue
            if isinstance(entry.get("package"), str):
                names.add(entry["package"].rsplit("/", 1)[-1])
            elif isinstance(entry.get("git"), str):
                repo = entry["git"].rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
                names.add(repo.replace("-", "_"))
            elif isinstance(entry.get("local"), str):
                names.add(Path(entry["local"]).name.replace("-", "_"))
    installed = directory / "dbt_packages"
    if installed.is_dir():
        names.update(child.name for child in installed.iterdir() if child.is_dir())
    return tuple(sorted(name for name in names if name.isidentifier()))
