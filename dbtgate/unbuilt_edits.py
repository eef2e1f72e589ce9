"""Edits the build does not hold: models changed, added or deleted after dbt wrote the manifest,
and properties files (YAML) whose declarations differ from it (`dbtgate.unbuilt_yaml`).

On a laptop the gate reads `target/`, which is whatever dbt last built: after switching branches
or editing a model without rebuilding, the verdict is that of another state of the project (a
model that is not on this branch, YAML lines that moved). The gate says so before its findings.

Cheap by design: a stat per model file of the root project, and a read of the few files newer
than the manifest, compared with the code dbt read (`Project.code`). A checkout in CI of the
commit that was built gives newer files with the same code, and no warning. A newer YAML
file, of which the manifest keeps no copy, is compared by what it declares.
"""

from __future__ import annotations

from pathlib import Path

from dbtgate.locate import declared_project_name, display_input, display_path, display_root
from dbtgate.named_files import File, first_few_named, naming
from dbtgate.project import Project
from dbtgate.status.timestamps import parse_timestamp
from dbtgate.unbuilt_yaml import yaml_edits
from dbtgate.wording import counted

_SHOWN = 3


# A file of the project and what happened to it since the build: `edited`, `deleted`, `added`.
Edit = tuple[str, str]


def unbuilt_edits(project: Project) -> list[Edit]:
    """The root project's model files edited, deleted or added since the manifest was written,
    then its properties files edited, as (path, `edited` / `deleted` / `added`), the path
    relative to the project; [] when the project folder is not this build's project (another
    dbt project, or none)."""
    project_dir = project.project_dir
    metadata = project.manifest.metadata
    written = parse_timestamp(metadata.generated_at if metadata else None)
    if project_dir is None or written is None or not _is_this_project(project_dir, project.name):
        return []
    built_at = written.timestamp()
    edits = []
    for uid, node in sorted(project.nodes.items()):
        if node.resource_type != "model" or node.package_name != project.root_package:
            continue
        path = project_dir / node.original_file_path
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:
            edits.append((node.original_file_path, "deleted"))
            continue
        except OSError:
            continue
        if modified > built_at + 1 and _code_differs(project, uid, path):
            edits.append((node.original_file_path, "edited"))
    folders = _model_paths(project_dir)
    return (
        edits
        + _added_since(project, project_dir, folders, built_at)
        + yaml_edits(project, project_dir, folders, built_at)
    )


def _model_paths(project_dir: Path) -> tuple[str, ...]:
    """The project's model-paths; none when its dbt_project.yml cannot be read."""
    from dbtgate.errors import DbtgateError
    from dbtgate.lint.dbt_project import read_dbt_project

    try:
        return read_dbt_project(project_dir).model_paths
    except DbtgateError:
        return ()


def _added_since(
    project: Project, project_dir: Path, folders: tuple[str, ...], built_at: float
) -> list[Edit]:
    """Model files written after the build that no model of the manifest reads (a new model, a
    branch that adds one). Written after: a disabled model's file, which the manifest does not
    list either, is older than the build."""
    known = {node.original_file_path.replace("\\", "/") for node in project.nodes.values()}
    added = []
    for folder in folders:
        for path in sorted((project_dir / folder).rglob("*")):
            relative = path.relative_to(project_dir).as_posix()
            if (
                path.suffix in (".sql", ".py")
                and relative not in known
                and path.is_file()
                and path.stat().st_mtime > built_at + 1
            ):
                added.append((relative, "added"))
    return added


def unbuilt_edits_warning(project: Project) -> str | None:
    """The warning the reports lead with, or None when the build holds the files on disk. Its
    files (the manifest, the files edited) are named as findings name files, from the root of
    the repository (`locate.display_root`), their spans kept (`named_files`): the reports are
    the same from whichever folder dbtgate ran, and the console names them from the working
    directory."""
    edits = unbuilt_edits(project)
    if not edits or project.project_dir is None:
        return None
    root = display_root(project.project_dir)
    shown = first_few_named(
        ([File(display_path(project.project_dir / path, root)), f" {how}"] for path, how in edits),
        _SHOWN,
    )
    manifest = project.artifacts.manifest.path if project.artifacts else None
    build: tuple[str | File, ...] = (
        ("the build of ", File(display_input(manifest, root))) if manifest else ("the build",)
    )
    return naming(
        *build,
        f" is older than {counted(len(edits), 'file')} of the project (",
        *shown,
        "): the gate reads what dbt built, not these edits; rebuild first (`dbt parse` alone "
        "refreshes the manifest, not the run's results)",
    )


def _is_this_project(project_dir: Path, name: str) -> bool:
    """The folder's dbt_project.yml names the manifest's project: gating another build from
    inside a project must not read that project's files as its edits."""
    return declared_project_name(project_dir) == name


def _code_differs(project: Project, unique_id: str, path: Path) -> bool:
    code = project.code(unique_id)
    if code is None:
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    # dbt keeps a file's CRLF in its code; the file is read with universal newlines.
    return text.strip() != code.replace("\r\n", "\n").strip()
