"""A sqlfluff Linter that lints the dbt project's SQL files outside its folder with its config.

sqlfluff reads a file's config from the folders above the file (and between it and the working
directory), so a model of `model-paths: [models, ../shared_models]` would be linted with the
repository's config, not the project's `.sqlfluff`: other rules, no dialect, and, under the dbt
templater, no `project_dir` or `profiles_dir` (dbt then looks for the profile in `~/.dbt`, fails,
and its global settings fail every file after). dbtgate lints such a file as the project's: with
the project's config (the run's root config), under the config files of the outside folder's
own folders (`shared_models/.sqlfluff`, `shared_models/legacy/.sqlfluff`: the nearer wins, as
sqlfluff nests them), and the file's own inline `-- sqlfluff:` settings.

Imported only when lint runs (it imports sqlfluff).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlfluff.core import FluffConfig, Linter
from sqlfluff.core.config import load_config_at_path
from sqlfluff.core.helpers.dict import nested_combine


class ProjectLinter(Linter):
    """sqlfluff's Linter, but a file outside `project_dir` gets the root config, with the config
    files of its own folders outside the project on top."""

    def __init__(
        self,
        *,
        config: FluffConfig,
        project_dir: Path,
        configs: Mapping[str, Any],
        overrides: Mapping[str, Any],
    ) -> None:
        super().__init__(config=config)
        self.project_dir = project_dir.resolve()
        # The project's sqlfluff config as read (`load_config_up_to_path`) and dbtgate's
        # overrides of it: what a config of an outside folder is layered on.
        self.configs = dict(configs)
        self.overrides = dict(overrides)
        self._outside: dict[Path, FluffConfig | None] = {}

    def sibling(self, config: FluffConfig) -> ProjectLinter:
        """A ProjectLinter of the same project on another root config (`lint.dbt_base`)."""
        return ProjectLinter(
            config=config,
            project_dir=self.project_dir,
            configs=self.configs,
            overrides=self.overrides,
        )

    def load_raw_file_and_config(  # type: ignore[override]
        self, fname: str, root_config: FluffConfig
    ) -> tuple[str, FluffConfig, str]:
        """The file's text, its config and its encoding, as sqlfluff loads them for a file of
        the project's folder; for one outside, the project's config (`root_config`) under its
        own folders' config files."""
        path = Path(fname).resolve()
        if path.is_relative_to(self.project_dir):
            return Linter.load_raw_file_and_config(fname, root_config)
        # sqlfluff's loading, from the config this file gets: its own walk would read the
        # config files above the outside folder (no dialect of the project's .sqlfluff: an
        # error) only to have them replaced, and its encoding and size limit from them.
        own = self.outside_config(path.parent) or root_config
        return Linter.load_raw_file_and_config(fname, _Fixed(own))  # type: ignore[arg-type]

    def own_folders(self, folder: Path) -> list[Path]:
        """The folders whose config files a file of `folder` (resolved) gets on top of the
        project's: `folder` and those above it below the project's folder (`models/legacy`,
        `models`), or, outside the project, below the folder it shares with the project
        (`../shared_models/legacy`, `../shared_models`); the nearest first."""
        stop = (
            self.project_dir
            if folder.is_relative_to(self.project_dir)
            else Path(os.path.commonpath([folder, self.project_dir]))
        )
        between = [folder, *folder.parents]
        return between[: between.index(stop)] if stop in between else between

    def folder_config(self, folder: Path) -> FluffConfig:
        """The config a SQL file of `folder` (resolved, holding or below a config file of its
        own folders) is linted with, but for its inline settings: what an error in one of
        those config files fails to build (`KeyError` for an unknown dialect)."""
        if folder.is_relative_to(self.project_dir):
            return self.config.make_child_from_path(str(folder))
        return self.outside_config(folder) or self.config

    def outside_config(self, folder: Path) -> FluffConfig | None:
        """The config of a folder outside the project (resolved): the project's, under the
        config files of `folder` and the folders above it below the one it shares with the
        project (that one and those above it are the project's too); None when there are none.
        Made once per folder."""
        if folder not in self._outside:
            found = [load_config_at_path(str(step)) for step in reversed(self.own_folders(folder))]
            found = [configs for configs in found if configs]
            self._outside[folder] = (
                FluffConfig(configs=nested_combine(self.configs, *found), overrides=self.overrides)
                if found
                else None
            )
        return self._outside[folder]


class _Fixed:
    """A root config whose child for any file is a copy of `config`: what sqlfluff's
    `load_raw_file_and_config` asks of the root config it is given (`make_child_from_path`)."""

    def __init__(self, config: FluffConfig) -> None:
        self.config = config

    def make_child_from_path(self, path: str) -> FluffConfig:
        return self.config.copy()
