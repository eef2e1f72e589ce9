"""Which files and which lines a change touched, from git, and which dbt nodes those files are.

Lint blocks only on what a pull request wrote, so it needs the changed lines, not just the
changed files. The change is everything between the merge base of the base ref and the working
tree: the branch's commits (`git diff <merge-base>...HEAD`) plus what is staged, unstaged or not
yet added, which is what an engineer running dbtgate before pushing expects. A file git sees as
renamed is not new: only the lines the rename edited count, also where the file was moved
with `mv` and neither side is staged yet (`_moved_by_hand`). Other untracked files are new
files, except under pre-commit, where the change is the commit (`in_commit_hook`).

Files map to dbt nodes by `original_file_path`, which is relative to the dbt project; the project
may live in a subdirectory of the repository, so paths are compared as absolute paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dbtgate.alike import most_alike
from dbtgate.errors import DbtgateError
from dbtgate.git_refs import missing_ref_hint

if TYPE_CHECKING:
    from git import Repo

    from dbtgate.project import Project

# Tried in order when no base ref is configured. In a GitHub pull request GITHUB_BASE_REF names
# the target branch (the CLI puts `origin/<it>` first).
DEFAULT_BASE_REFS = ("origin/HEAD", "origin/main", "origin/master", "main", "master")
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


@dataclass(frozen=True)
class ChangedFile:
    path: Path  # absolute
    # "macro": the file is as the base had it, but a macro it calls changed (`lint.macro_change`)
    status: Literal["added", "modified", "renamed", "macro"]
    # Line numbers (1-based, in the current file) the change wrote; None: the file is new, so
    # every line is changed.
    lines: frozenset[int] | None
    previous_path: Path | None = None
    # The file's text at the base (None: new, or unknown). A violation on a line the change
    # did not write may still be the change's doing (a keyword's case set above it, an indent
    # opened by an edited line): linting this text tells old debt from new (`lint.attribution`).
    base_text: str | None = field(default=None, repr=False)
    # For a "macro" file: the changed macro files it calls (as shown), which its findings name.
    via_macros: tuple[str, ...] = ()
    # Lines `lint --fix` rewrote that the change did not write (numbered as fixed) -> the text
    # they had before the fix: a violation there is matched with the base's on that text
    # (`lint.attribution`), so old debt the fix left on its line is still old debt.
    rewritten: Mapping[int, tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def touches(self, line: int | None) -> bool:
        """Whether `line` was written by the change (a whole-file problem: any line was)."""
        if self.lines is None:
            return True
        if line is None:
            return bool(self.lines)
        return line in self.lines


@dataclass(frozen=True)
class ChangeSet:
    """The changed files, and what they were measured against: a git ref (from its merge base
    with HEAD), or a base build's manifest (`dbtgate.lint.build_changes`)."""

    repo_root: Path  # the git root, or the dbt project when measured against a build
    files: dict[Path, ChangedFile]  # by absolute path
    base_ref: str | None = None
    merge_base: str | None = None
    base_manifest: Path | None = None
    # The files the change deleted (absolute) -> their base blob, read only when asked
    # (`deleted_text`): a macro file deleted still rendered its callers at the base.
    deleted: dict[Path, Any] = field(default_factory=dict, repr=False)

    def get(self, path: Path) -> ChangedFile | None:
        return self.files.get(path)

    def deleted_text(self, path: Path) -> str | None:
        """The base's text of a file the change deleted."""
        return _blob_text(self.deleted.get(path))


def open_repo(start: Path) -> Repo:
    """The git repository holding `start`; a clear error outside one or without git."""
    try:
        import git
    except ImportError as exc:  # gitpython imports fine but needs the git executable
        raise DbtgateError(f"git is needed to find the changed files: {exc}") from None
    try:
        return git.Repo(start, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise DbtgateError(
            f"{start}: not inside a git repository, so the changed files are unknown "
            "(pass --base with a previous build's target directory to measure them against "
            "its SQL, or --all to lint every file)"
        ) from None


def resolve_base_ref(repo: Repo, candidates: Iterable[str]) -> str | None:
    """The first candidate ref that names a commit in `repo`."""
    import git

    for ref in candidates:
        try:
            repo.commit(ref)
        except (git.BadName, git.GitCommandError, ValueError):
            continue
        return ref
    return None


def changes_against(
    repo: Repo,
    base_ref: str,
    within: Path | None = None,
    *,
    untracked: bool = True,
    also: Iterable[Path] = (),
) -> ChangeSet:
    """Files and lines changed since the merge base of `base_ref` and HEAD, working tree included.

    `within` limits the diff to a directory (the dbt project), which keeps it fast in a monorepo;
    `also` adds folders outside it (the project's macro-paths outside its folder: a change to
    shared macros re-renders the project's models), those of the repository.
    Untracked files are new files, unless `untracked` is false: a commit (`in_commit_hook`)
    holds none of them, so they are not its change.
    """
    import git

    root = Path(repo.working_tree_dir or ".").resolve()
    try:
        head = repo.head.commit
    except ValueError:
        raise DbtgateError(f"{root}: the repository has no commits yet") from None
    try:
        bases = repo.merge_base(base_ref, head)
    except git.GitCommandError:
        raise DbtgateError(
            # As `--base REF` says it (`missing_ref_hint`): the fetch where the ref names a
            # remote, else the refs with a close name.
            f"{root}: base ref {base_ref!r} is not known to git{missing_ref_hint(repo, base_ref)}"
        ) from None
    if not bases:
        raise DbtgateError(
            f"{root}: {base_ref!r} and HEAD have no common ancestor (a shallow clone? in CI use "
            "actions/checkout with fetch-depth: 0)"
        )
    merge_base = bases[0]
    scopes = [within.resolve() if within is not None else root]
    # (A folder outside the repository has no change git could see.)
    scopes += [folder.resolve() for folder in also if _relative(folder.resolve(), root)]
    relatives = [_relative(scope, root) for scope in scopes]
    paths = None if None in relatives or "." in relatives else relatives
    files: dict[Path, ChangedFile] = {}
    deleted: dict[Path, Any] = {}
    # Against the working tree (None): committed, staged and unstaged edits in one diff.
    for diff in merge_base.diff(None, paths=paths, create_patch=True, unified=0):
        if diff.deleted_file or diff.b_path is None:
            if diff.a_path is not None:
                deleted[root / diff.a_path] = diff.a_blob
            continue
        path = root / diff.b_path
        patch = diff.diff if isinstance(diff.diff, bytes) else (diff.diff or "").encode()
        if diff.new_file:
            files[path] = ChangedFile(path, "added", None)
        elif diff.renamed_file and diff.rename_from:
            files[path] = ChangedFile(
                path,
                "renamed",
                changed_lines(patch),
                previous_path=root / diff.rename_from,
                base_text=_blob_text(diff.a_blob),
            )
        else:
            files[path] = ChangedFile(
                path, "modified", changed_lines(patch), base_text=_blob_text(diff.a_blob)
            )
    base_texts: dict[Path, str] = {}  # the deleted files' texts, read once (`_most_alike`)
    for added in repo.untracked_files if untracked else ():
        path = root / added
        if any(path.is_relative_to(scope) for scope in scopes):
            moved = _moved_by_hand(path, deleted, base_texts)
            files[path] = moved or ChangedFile(path, "added", None)
    return ChangeSet(root, files, base_ref=base_ref, merge_base=merge_base.hexsha, deleted=deleted)


def in_commit_hook(environ: Mapping[str, str]) -> bool:
    """Run by pre-commit (which sets PRE_COMMIT=1 and stashes the unstaged edits): what is
    linted is what is being committed, not a scratch file beside it."""
    return environ.get("PRE_COMMIT") == "1"


def changed_lines(patch: bytes) -> frozenset[int]:
    """Lines of the new file that a zero-context patch adds or replaces."""
    lines: set[int] = set()
    for match in _HUNK.finditer(patch):
        start = int(match.group(1))
        count = int(match.group(2)) if match.group(2) is not None else 1
        lines.update(range(start, start + count))
    return frozenset(lines)


def nodes_by_file(project: Project) -> dict[Path, str]:
    """Absolute SQL file path -> unique_id, for the root project's nodes that have a SQL file.

    One file can define several nodes only in legacy snapshot blocks; the smallest id wins so
    the mapping is deterministic."""
    if project.project_dir is None:
        return {}
    base = project.project_dir.resolve()
    root_package = project.root_package
    mapping: dict[Path, str] = {}
    for uid in sorted(project.nodes, reverse=True):
        node = project.nodes[uid]
        if node.package_name != root_package or not node.original_file_path.endswith(".sql"):
            continue
        # (Made normal: a model of a folder outside the project is `../shared_models/a.sql`.)
        mapping[Path(os.path.normpath(base / node.original_file_path))] = uid
    return mapping


def snapshot_ids(project: Project, path: Path) -> dict[str, str]:
    """The root project's snapshots defined in the SQL file `path` (absolute), name -> unique_id:
    a file of several snapshot blocks is several nodes (`nodes_by_file` names one of them)."""
    if project.project_dir is None:
        return {}
    base = project.project_dir.resolve()
    return {
        node.name: uid
        for uid, node in sorted(project.nodes.items())
        if node.resource_type == "snapshot"
        and node.package_name == project.root_package
        and Path(os.path.normpath(base / node.original_file_path)) == path
    }


def _moved_by_hand(
    path: Path, deleted: dict[Path, Any], texts: dict[Path, str]
) -> ChangedFile | None:
    """An untracked file that is a tracked file the change deleted, moved with `mv` rather
    than `git mv` (git sees a rename only once both are staged): the deleted file of the same
    kind whose lines it shares most, at git's own threshold (half), makes it a rename, whose
    lines the move did not write are old. Read as new, its whole old debt blocked. A deleted
    file of the same name is looked at first (a folder moved keeps its files' names), and the
    others only through difflib's cheap upper bounds: a folder of 200 models moved at once
    compares each file with one, not with 200."""
    candidates = sorted(old for old in deleted if old.suffix == path.suffix)
    if not candidates:
        return None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    same_name = [old for old in candidates if old.name == path.name]
    for group in (same_name, candidates):
        found = _most_alike(text, group, deleted, texts)
        if found is not None:
            old, before = found
            from dbtgate.lint.build_changes import changed_lines as lines_changed_from

            return ChangedFile(
                path,
                "renamed",
                lines_changed_from(before, text),
                previous_path=old,
                base_text=before,
            )
    return None


def _most_alike(
    text: str, candidates: list[Path], deleted: dict[Path, Any], texts: dict[Path, str]
) -> tuple[Path, str] | None:
    """The candidate whose base text shares most of `text`'s lines, at least half (the first
    in path order among equals), with that text; None when none does. `texts` keeps each
    deleted file's text once read, and a text is read only when its candidate's turn comes."""

    def read(old: Path) -> str:
        if old not in texts:
            texts[old] = _blob_text(deleted[old]) or ""
        return texts[old]

    found = most_alike(text, ((old, read(old)) for old in candidates))
    return None if found is None else (found.key, found.text)


def _blob_text(blob: Any) -> str | None:
    """A base blob's text, as lint reads a file (undecodable bytes replaced)."""
    if blob is None:
        return None
    return blob.data_stream.read().decode("utf-8", errors="replace")


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return None
