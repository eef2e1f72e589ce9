"""The project with its macros as the base had them, for sqlfluff's dbt templater.

The jinja templater is handed the base's macros in its config (`lint.macro_change`). The dbt
templater compiles the project from its folder with dbt itself, so there is no setting to hand
it other macros: a copy of the project is made in a temporary folder, with each macro file the
change edited or deleted written back as the base had it (and one it added left out), and a
second Linter, whose dbt templater compiles that copy, renders a file there. Only a pull request
that edits a macro, under `templater: dbt`, pays for it: the copy (of what dbt reads: other
top-level files, a local DuckDB database among them, are linked), and one more dbt parse of the
project (seconds; the dbt templater parses the project once per Linter).

A folder of dbt_project.yml's path settings outside the project (`../shared_macros`,
`../shared_models`: a monorepo's files shared by its projects) is not in the project's folder,
and from the copy's the same relative path names nothing: the copy's dbt_project.yml names it by
its absolute path instead, and a macro folder's copy beside the copy in place of a macro folder.
Copied, not named where it is: a changed macro file there is written back as the base had it,
which must not change the user's file (nothing is written in the others).

The lint under `templater: dbt` imports dbt already (sqlfluff-templater-dbt does); this module
adds no import of its own, and none on the gate's path without lint.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlfluff.core import FluffConfig, Linter

    from dbtgate.lint.changes import ChangeSet
    from dbtgate.lint.macro_change import MacroChange
    from dbtgate.lint.project_linter import ProjectLinter

# Left out of the copy: git's history, and what dbt writes (the copy writes its own).
_NOT_COPIED = frozenset({".git", "target", "logs"})
# dbt's own files beside dbt_project.yml (packages, selectors, profiles) are copied, not linked.
_YAML = frozenset({".yml", ".yaml"})
_PROJECT_DIR = ("templater", "dbt", "project_dir")
# Where the copy's dbt writes (partial parse, compiled SQL): in the copy, never in a target
# folder the project's sqlfluff config names, which the copy would overwrite.
_TARGET_PATH = ("templater", "dbt", "target_path")


@dataclass
class DbtBase:
    """A copy of the project at `copy` with the base's macros, and the Linter compiling it."""

    project_dir: Path
    copy: Path
    linter: Linter
    root: FluffConfig
    # Kept so that the copy lives as long as this object and is removed with it.
    folder: tempfile.TemporaryDirectory[str]

    def render(self, path: Path, text: str | None = None) -> tuple[str, Any]:
        """The file at `path` (of the project), or `text` in its place, rendered by dbt with the
        base's macros: as the copy's file of the same name, with the sqlfluff config of the
        project's file (that of the copy's would be read from the temporary folder's parents,
        not from the repository's). A file of a folder outside the project (`../shared_models`)
        is its own: the copy names that folder where it is."""
        raw, file_config, encoding = self.linter.load_raw_file_and_config(str(path), self.root)
        _point_at(file_config, self.copy)
        inside = path.is_relative_to(self.project_dir)
        fname = str(self.copy / path.relative_to(self.project_dir) if inside else path)
        if text is not None:
            raw = text
        return raw, self.linter.render_string(raw, fname, file_config, encoding)

    def compile_error(self) -> str | None:
        """dbt's error when it cannot parse the copy (a macro file the change mended, broken at
        the base), else None."""
        from sqlfluff.core.errors import SQLFluffUserError

        try:  # (a generator: ordering no file, it still loads the project)
            list(self.linter.templater.sequence_files([], config=self.root))
        except SQLFluffUserError as exc:
            return str(exc)
        return None


def dbt_base(
    run_linter: ProjectLinter, root: FluffConfig, changes: ChangeSet, found: MacroChange
) -> DbtBase:
    """Copy the project (the run's linter's, `run_linter.project_dir`) with the macro files of
    `found` as the base had them, and a Linter on `root`'s settings whose dbt templater
    compiles the copy."""
    project_dir = run_linter.project_dir
    folder = tempfile.TemporaryDirectory(prefix="dbtgate-base-macros-")
    copy = Path(folder.name) / project_dir.name
    _copy_project(project_dir, copy)
    places = {**_name_outside_folders(project_dir, copy), project_dir: copy}
    for path in found.files:
        original, place = next((o, c) for o, c in places.items() if path.is_relative_to(o))
        target = place / path.relative_to(original)
        _own_path(place, target)
        changed = changes.get(path)
        before = changes.deleted_text(path) if changed is None else changed.base_text
        if (changed is not None and changed.status == "added") or before is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(before, encoding="utf-8")
    base_root = root.copy()
    _point_at(base_root, copy)
    linter = run_linter.sibling(base_root)
    # A templater of its own: a config's copy shares the templater object, and the dbt
    # templater keeps the first project it compiled.
    linter.templater = base_root.get_templater()
    return DbtBase(project_dir, copy, linter, base_root, folder)


def _copy_project(project_dir: Path, copy: Path) -> None:
    """Copy the project's folders dbt reads (models, macros, seeds, installed packages, ...)
    and its YAML files into `copy`; link its other top-level files and hidden folders. Those
    are never dbt's to parse and can be large: a local DuckDB database beside dbt_project.yml
    (a common setup), a virtualenv. Folders are copied, not linked: a walk from a resource
    path's root does not enter the links below it."""
    copy.mkdir(parents=True)
    for entry in sorted(project_dir.iterdir()):
        if entry.name in _NOT_COPIED:
            continue
        target = copy / entry.name
        # (A link of the project's own is linked to, not copied: its target may be relative.)
        own = not entry.is_symlink()
        if own and entry.is_dir() and not entry.name.startswith("."):
            shutil.copytree(entry, target, symlinks=True)
        elif own and entry.is_file() and entry.suffix in _YAML:
            shutil.copy2(entry, target)
        else:
            target.symlink_to(entry)


def _name_outside_folders(project_dir: Path, copy: Path) -> dict[Path, Path]:
    """Name in the copy's dbt_project.yml, in place of each path setting's folders outside the
    project, folders the copy's dbt finds: a path that leaves the project relative to it
    (`../shared_models`) names another folder, or nothing, from the copy's. A macro folder is
    copied beside `copy` and named there: a changed macro file is written back in it, which
    must not change the user's (an absolute path would name the user's own; a folder missing
    today is an empty copy: a macro file the change deleted may be written back there). Any
    other (models, seeds, tests, docs, installed packages, ...) is named where it is, by its
    absolute path: dbt only reads it (`dbt deps` is not run), and nothing here writes there. Returns where each macro folder copied is
    (resolved, as `lint.macro_change` names the files in it) -> its copy."""
    import yaml

    from dbtgate.lint.dbt_project import folders_outside, read_path_settings

    places: dict[Path, Path] = {}
    named: dict[str, list[str]] = {}
    for key, relatives in read_path_settings(project_dir).items():
        outside = folders_outside(project_dir, relatives)
        if not outside:
            continue
        paths = named[key] = []
        for index, relative in enumerate(relatives):
            original = outside.get(relative)
            if original is None:
                paths.append(relative)
            elif key == "macro-paths":
                place = copy.parent / f"{copy.name}.macro-paths" / f"{index}-{original.name}"
                if original.is_dir():
                    shutil.copytree(original, place, symlinks=True)
                else:
                    place.mkdir(parents=True)
                places[original.resolve()] = place
                paths.append(str(place))
            else:
                paths.append(str(original))
    if named:
        settings = copy / "dbt_project.yml"
        data = yaml.safe_load(settings.read_text(encoding="utf-8"))
        # (One path, as `packages-install-path` is, stays one.)
        data.update({k: v[0] if isinstance(data[k], str) else v for k, v in named.items()})
        settings.unlink()  # (the project's own link, kept by the copy: not written through)
        settings.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return places


def _own_path(copy: Path, target: Path) -> None:
    """Make each folder from `copy` down to `target` a folder of the copy's own, and `target`
    not a link: the file is written or deleted there, which through a link (the project's own,
    kept by the copy, or one `_copy_project` made) would change the user's files."""
    current = copy
    for part in target.relative_to(copy).parts:
        current = current / part
        if not current.is_symlink():
            continue
        real = current.resolve()
        current.unlink()
        if current != target and real.is_dir():
            shutil.copytree(real, current, symlinks=True)


def _point_at(config: FluffConfig, copy: Path) -> None:
    """Make the dbt templater compile the copy, and write there."""
    config.set_value(list(_PROJECT_DIR), str(copy))
    config.set_value(list(_TARGET_PATH), str(copy / "target"))
