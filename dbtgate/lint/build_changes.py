"""Which SQL files and lines changed against the base build, when there is no git to ask.

`dbtgate check --base DIR` compares the pull request with a previous build's artifacts, and the
project may not be a git checkout at all (`dbtgate demo` builds into a temporary directory; some
CI systems copy the sources without `.git`). The base build's manifest holds each node's SQL as
dbt read it (`raw_code`, the file's text stripped), so a file's changed lines come from a line
diff of that text with the file on disk: the same answer git gives for an edit, and consistent
with the rest of the gate, which measures "changed" against that same base build.

Files match base nodes by unique_id (a model moved to another folder keeps its id, so only its
edited lines count, as for a git rename), else by path. A file the base build does not know is
new. A file neither build knows (a disabled model, say) cannot be placed: it counts as new and
is listed, so the run can say so rather than pass it silently.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbtgate.lint.changes import ChangedFile, ChangeSet, nodes_by_file
from dbtgate.lint.dbt_project import from_project
from dbtgate.lint.snapshot_blocks import SNAPSHOT_BLOCK
from dbtgate.locate import blank_lines_above

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node
    from dbtgate.project import Project


@dataclass(frozen=True)
class BuildChanges:
    changes: ChangeSet
    # Files in neither build's manifest: counted as new, because nothing says otherwise.
    unplaced: tuple[Path, ...]


def changes_against_build(
    project: Project, base: Project, project_dir: Path, sql_files: Iterable[Path]
) -> BuildChanges:
    """The files of `sql_files` (absolute) whose text differs from the base build's SQL, with
    the lines that differ."""
    current_ids = nodes_by_file(project)
    base_by_path = _base_nodes_by_path(base)
    files: dict[Path, ChangedFile] = {}
    unplaced: list[Path] = []
    for path in sql_files:
        relative = from_project(path, project_dir)  # `../shared_models/a.sql`, as dbt names it
        uid = current_ids.get(path)
        previous = base.nodes.get(uid) if uid else None
        if previous is None or previous.package_name != base.root_package:
            previous = base_by_path.get(relative)
        if previous is None:
            files[path] = ChangedFile(path, "added", None)
            if uid is None:
                unplaced.append(path)
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if _same_checksum(text, previous):
            continue
        before = base.code(previous.unique_id)
        if before is not None and previous.resource_type == "snapshot":
            before = snapshot_file_at_base(text, _snapshot_bodies(base, previous))
        status = "modified" if previous.original_file_path == relative else "renamed"
        if status == "modified" and before is not None and before.strip() == text.strip():
            continue  # the same SQL; only the checksum's dbt version differs
        lines = None if before is None else changed_lines(before, text)
        files[path] = ChangedFile(
            path,
            status,
            lines,
            previous_path=None
            if status == "modified"
            else Path(os.path.normpath(project_dir / previous.original_file_path)),
            base_text=before,
        )
    manifest = base.artifacts.manifest.path if base.artifacts else None
    changes = ChangeSet(repo_root=project_dir, files=files, base_manifest=manifest)
    return BuildChanges(changes, tuple(sorted(unplaced)))


def changed_lines(before: str, text: str) -> frozenset[int]:
    """Lines of `text` (1-based) that a line diff with `before` (dbt's stripped raw_code)
    marks as added or replaced. dbt strips the file, so blank lines at its top shift it."""
    stripped = text.strip()
    offset = blank_lines_above(text)
    old, new = before.strip().splitlines(), stripped.splitlines()
    lines: set[int] = set()
    opcodes = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for index, (tag, _, _, start, end) in enumerate(opcodes):
        if tag == "insert":
            start, end = _slid_down(new, start, end, opcodes[index + 1 : index + 2])
        if tag in ("replace", "insert"):
            lines.update(range(start + 1 + offset, end + 1 + offset))
    return frozenset(lines)


def _slid_down(
    new: list[str], start: int, end: int, after: list[tuple[str, int, int, int, int]]
) -> tuple[int, int]:
    """Lines inserted before lines equal to their first ones (a snapshot block added between
    two, whose closing tag and blank line the block before it ends with too) as git places
    them: as far down as the same lines go, where difflib puts them as far up."""
    limit = after[0][4] if after and after[0][0] == "equal" else end
    while end < limit and new[start] == new[end]:
        start, end = start + 1, end + 1
    return start, end


def snapshot_file_at_base(text: str, bodies: dict[str, str]) -> str:
    """The snapshot file `text` as the base had it, from the base's bodies of its snapshots
    (name -> raw_code): dbt keeps only the body between `{% snapshot name %}` and
    `{% endsnapshot %}` of a SQL snapshot, so each block of today's file gets the base's body,
    by its name, or a block the change renamed the body of the base's snapshot gone from the
    file that it is most like, under the base's name; a block the base did not have is left
    out with the text after it. Compared with the body alone, the tags read as lines the
    change wrote, and the base version linted, a file without its block, has other violations
    (the body's indent); a renamed block read as new, where git says the tag line. A file of
    several blocks is linted block by block (`lint.snapshot_blocks`), each against this text:
    the order of its blocks at the base is not looked for (dbt keeps none), so blocks the change
    only moved are not lines it wrote."""
    blocks = list(SNAPSHOT_BLOCK.finditer(text))
    names = _base_names(blocks, bodies)
    edges = [0, *(edge for block in blocks for edge in block.span()), len(text)]
    gaps = [text[edges[index] : edges[index + 1]] for index in range(0, len(edges), 2)]
    parts = [gaps[0]]
    for index, (block, name) in enumerate(zip(blocks, names, strict=True)):
        if name is not None:  # else a block the base did not have, with the text after it
            parts += [_renamed(block, name) + bodies[name] + block.group(4), gaps[index + 1]]
    return "".join(parts)


def _base_names(blocks: list[re.Match[str]], bodies: dict[str, str]) -> list[str | None]:
    """The base's name of each of today's `blocks`: its own when the base has it, else, for a
    block the change renamed, that of the base's snapshot gone from the file whose body is most
    like its body; None for a block the base did not have."""
    names: list[str | None] = [
        block.group(2) if block.group(2) in bodies else None for block in blocks
    ]
    gone = [name for name in bodies if name not in names]
    pairs = sorted(
        (
            (-difflib.SequenceMatcher(None, block.group(3), bodies[name]).ratio(), index, name)
            for index, block in enumerate(blocks)
            if names[index] is None
            for name in gone
        )
    )
    for _, index, name in pairs:
        if names[index] is None and name in gone:
            names[index] = name
            gone.remove(name)
    return names


def _renamed(block: re.Match[str], name: str) -> str:
    """The block's opening tag naming the snapshot `name`."""
    tag, start = block.group(1), block.start(1)
    return tag[: block.start(2) - start] + name + tag[block.end(2) - start :]


def _snapshot_bodies(base: Project, snapshot: Node) -> dict[str, str]:
    """The base's snapshots of the file that defines `snapshot`, name -> body (raw_code)."""
    bodies = {}
    for uid, node in base.nodes.items():
        if node.resource_type == "snapshot" and (
            node.original_file_path == snapshot.original_file_path
            and node.package_name == snapshot.package_name
        ):
            code = base.code(uid)
            if code is not None:
                bodies[node.name] = code
    return bodies


def _same_checksum(text: str, previous: Node) -> bool:
    """dbt's checksum of a SQL file is the sha256 of its stripped text: a match means the
    file is unchanged whatever dbt version built the base (a mismatch proves nothing, since
    versions hash differently, so the raw code decides then)."""
    checksum = previous.checksum
    if checksum is None or checksum.name != "sha256":
        return False
    return hashlib.sha256(text.strip().encode()).hexdigest() == checksum.checksum


def _base_nodes_by_path(base: Project) -> dict[str, Node]:
    root = base.root_package
    found: dict[str, Node] = {}
    for uid in sorted(base.nodes, reverse=True):  # the smallest id wins, as in nodes_by_file
        node = base.nodes[uid]
        if node.package_name == root and node.original_file_path.endswith(".sql"):
            found[node.original_file_path] = node
    return found
