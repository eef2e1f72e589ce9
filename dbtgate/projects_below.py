"""The dbt projects in the folders below the working directory, named in the error of a command
run where there is none: at a monorepo's root (the project in `analytics/`) "pass --project-dir"
left the user to find the folder, and `validate` sent them to `dbtgate init` beside a dbtgate.yml
that was there, one folder down. Looked up only on that error path.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from dbtgate.errors import DbtgateError

# Folders that hold no project of the user's: installed dbt packages (their own
# dbt_project.yml), build outputs and Python environments.
_SKIPPED = frozenset(
    {"dbt_packages", "dbt_modules", "node_modules", "target", "logs", "venv", "site-packages"}
)
# How deep a project may lie (`analytics/`, `data/dbt/`, `projects/x/dbt/`): a walk of a large
# repository stays short.
_DEPTH = 3
# The projects named; the others counted.
_SHOWN = 3


def projects_below(here: Path) -> list[Path]:
    """The folders under `here` (relative to it) that hold a dbt_project.yml, at most three
    levels down, sorted; hidden folders, installed packages and build outputs are not walked,
    nor a project's own subfolders."""
    found = []
    for folder, subfolders, files in os.walk(here):
        relative = Path(folder).relative_to(here)
        if relative.parts and "dbt_project.yml" in files:
            found.append(relative)
            subfolders[:] = []
            continue
        keep = len(relative.parts) < _DEPTH
        subfolders[:] = sorted(
            name for name in subfolders if keep and name[:1] != "." and name not in _SKIPPED
        )
    return sorted(found)


def project_dir_hint(here: Path) -> str:
    """`; the dbt project below: `--project-dir analytics`` to end an error with, or ``."""
    return _named(
        [f"--project-dir {shlex.quote(path.as_posix())}" for path in projects_below(here)],
        "the dbt project below",
        "the dbt projects below",
    )


def config_hint(here: Path) -> str:
    """`; the config below: `--config analytics/dbtgate.yml``, else the `dbtgate init` of the
    project below, or ``: where `validate` found no config here."""
    from dbtgate.config import find_config

    projects = projects_below(here)
    configs = []
    for project in projects:
        try:
            found = find_config(here / project)
        except DbtgateError:  # two configs in one folder: `--config` picks one
            found = None
        if found is not None:
            configs.append(f"--config {shlex.quote(found.relative_to(here).as_posix())}")
    if configs:
        return _named(configs, "the config below", "the configs below")
    return _named(
        [f"dbtgate init --project-dir {shlex.quote(p.as_posix())}" for p in projects],
        "the dbt project below has none",
        "the dbt projects below have none",
    )


def _named(flags: list[str], one: str, several: str) -> str:
    if not flags:
        return ""
    shown = ", ".join(f"`{flag}`" for flag in flags[:_SHOWN])
    more = f" and {len(flags) - _SHOWN} more" if len(flags) > _SHOWN else ""
    return f"; {one if len(flags) == 1 else several}: {shown}{more}"
