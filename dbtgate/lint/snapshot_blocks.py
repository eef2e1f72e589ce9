"""A file of several SQL snapshot blocks, cut into one text per block for sqlfluff.

dbt allows several `{% snapshot name %} ... {% endsnapshot %}` blocks in one file (each is a
snapshot node of that file; older projects have many). sqlfluff lints a file as one rendering,
where those blocks' bodies are statements with nothing between them: one unparsable section,
about SQL nobody wrote wrong. So each block is linted on its own text: the file with every other
block blanked to its newlines, so that sqlfluff's line numbers are the file's own. Each line of
the file belongs to one block (`Block.lines`): its own lines, and the text between it and the
next block (before the first block, the first's; after the last, the last's), so a finding there
is kept once, from the one rendering that owns the line, and none is lost.

`lint --fix` fixes each block in its own text and puts the block back (`splice`), the last block
first, so that the lines of those above it do not move; a fix that edited the blanked text is
refused, as is one after which the file's blocks are not the same ones.

sqlfluff's dbt templater compiles a file's first node, and renders a snapshot once per dbt
manifest: each block is rendered as its own node, and the bodies given back (`dbt_rendering`).
The node is chosen through the templater's private `_find_node` (sqlfluff-templater-dbt has no
public way): a templater without it (renamed upstream) renders no block, and says so
(`NoSnapshotChoice`), before any rendering; a block rendered in the first snapshot's context
instead would fail on its own `ref`s, or lint another block's compiled SQL.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The dbt templater's method that returns the dbt node of a file (sqlfluff-templater-dbt's
# `DbtTemplater._find_node`, private): `dbt_rendering` replaces it to choose a block's snapshot.
FIND_NODE = "_find_node"

# A SQL snapshot's block: its opening tag (with the snapshot's name), body, and closing tag.
SNAPSHOT_BLOCK = re.compile(
    r"(\{%-?\s*snapshot\s+(\w+)\s*[-+]?%\})(.*?)(\{%-?\s*endsnapshot\s*[-+]?%\})", re.DOTALL
)


@dataclass(frozen=True)
class Block:
    """One snapshot block of a file of several, as sqlfluff lints it."""

    name: str
    # The lines (1-based) whose findings are this block's: from its opening tag's line (line 1
    # for the first block) to the line before the next block's (to the file's end, the empty
    # line after its last newline too, for the last block).
    lines: range
    # The characters of the file those lines hold, [start, end): what a fix may rewrite.
    start: int
    end: int
    own: str  # the text of those lines
    # The file's text before and after them, its blocks blanked to their newlines.
    before: str
    after: str

    @property
    def masked(self) -> str:
        """The file with every other block blanked: what sqlfluff lints, on the file's own
        line numbers."""
        return self.before + self.own + self.after


class SharedLine(ValueError):
    """Two blocks on one line: no text of one block alone keeps the other off that line."""


def blocks(text: str) -> list[Block]:
    """The snapshot blocks of `text`, each with its masked text, when it has more than one; else
    none (a file of one block is linted whole). Raises `SharedLine` when a block's closing tag
    and the next one's opening tag are on the same line."""
    found = list(SNAPSHOT_BLOCK.finditer(text))
    if len(found) < 2:
        return []
    starts = [_line_start(text, match.start()) for match in found]
    for match, after in itertools.pairwise(found):
        if _line_start(text, match.end() - 1) >= _line_start(text, after.start()):
            raise SharedLine(f"snapshots {match.group(2)} and {after.group(2)} share a line")
    cut = [0, *starts[1:], len(text)]
    result = []
    for index, match in enumerate(found):
        start, end = cut[index], cut[index + 1]
        first = 1 if index == 0 else text.count("\n", 0, start) + 1
        last = text.count("\n", 0, end) + (index == len(found) - 1)
        before, after = _blanked(text[:start]), _blanked(text[end:])
        own = text[start:end]
        result.append(Block(match.group(2), range(first, last + 1), start, end, own, before, after))
    return result


def splice(text: str, block: Block, fixed: str) -> str | None:
    """`text` with `block`'s lines as `fixed` (its masked text, fixed) has them; None when the
    fix edited the blanked text around them, which is no text of the file."""
    before, after = block.before, block.after
    if len(fixed) < len(before) + len(after):
        return None
    if not fixed.startswith(before) or not fixed.endswith(after):
        return None
    return text[: block.start] + fixed[len(before) : len(fixed) - len(after)] + text[block.end :]


def names(text: str) -> list[str]:
    """The snapshots the file's blocks name, in order."""
    return [match.group(2) for match in SNAPSHOT_BLOCK.finditer(text)]


class NoSnapshotChoice(Exception):
    """The dbt templater installed cannot be told which snapshot of a file to compile: why."""


def snapshot_choice_missing(templater: Any) -> str | None:
    """Why `templater` (sqlfluff's dbt templater; any other chooses no node) cannot render one
    block of a file of several as its own snapshot: its class has no `_find_node`
    (`FIND_NODE`) to replace; None when it can."""
    if getattr(templater, "name", None) != "dbt" or callable(
        getattr(type(templater), FIND_NODE, None)
    ):
        return None
    try:
        version = " " + importlib.metadata.version("sqlfluff-templater-dbt")
    except importlib.metadata.PackageNotFoundError:
        version = ""
    return (
        f"the installed sqlfluff-templater-dbt{version} has no `{FIND_NODE}`, the private "
        "method by which dbtgate has dbt compile one snapshot of a file"
    )


@contextlib.contextmanager
def dbt_rendering(templater: Any, snapshot: str | None = None) -> Iterator[None]:
    """A rendering by `templater` (any: only sqlfluff's dbt templater is touched) of a snapshot
    file, with the `snapshot` of its blocks (by name) as the node dbt compiles, and the bodies
    of the snapshots it rendered given back to dbt's manifest after it.

    The dbt templater compiles the first node of the file it finds, and renders the text it is
    handed in that node's context: a block's `ref` to a model the first snapshot does not read
    was dbt's `RefBadContextError`. And it sets the compiled node's `raw_code` to that text (to
    count its trailing newlines), which for a snapshot is the body between its tags: the whole
    text then, tags and all, which dbt's compiler does not read, so the next rendering of the
    same file (its base version, another of its blocks, the check after a fix) failed with
    `Encountered unknown tag 'snapshot'`. Each such node gets its block's body from the file
    again. Raises `NoSnapshotChoice`, rendering nothing, when a `snapshot` is named and the
    templater cannot be told to compile it (`snapshot_choice_missing`)."""
    if getattr(templater, "name", None) != "dbt":
        yield
        return
    if snapshot is not None:
        missing = snapshot_choice_missing(templater)
        if missing is not None:
            raise NoSnapshotChoice(missing)
        find = getattr(templater, FIND_NODE)
        setattr(templater, FIND_NODE, _finding(templater, find, snapshot))
    try:
        yield
    finally:
        vars(templater).pop(FIND_NODE, None)
        _restore_bodies(templater)


def _finding(templater: Any, find: Callable[..., Any], snapshot: str) -> Callable[..., Any]:
    """The dbt templater's `_find_node`, choosing the node of the file named `snapshot`."""

    def find_snapshot(*args: Any, **kwargs: Any) -> Any:
        node = find(*args, **kwargs)
        for other in templater.dbt_manifest.nodes.values():
            if (
                other.resource_type == "snapshot"
                and other.name == snapshot
                and other.original_file_path == node.original_file_path
                and other.package_name == node.package_name
            ):
                return other
        return node

    return find_snapshot


def _restore_bodies(templater: Any) -> None:
    """Each snapshot node whose `raw_code` the dbt templater set to a text with snapshot tags
    gets its block's body from its file again (`dbt_rendering`); a templater that has not loaded
    dbt's manifest has rendered nothing."""
    manifest = vars(templater).get("dbt_manifest")  # sqlfluff's cached_property, once loaded
    if manifest is None:
        return
    for node in manifest.nodes.values():
        if node.resource_type != "snapshot" or not SNAPSHOT_BLOCK.search(node.raw_code or ""):
            continue
        path = Path(templater.project_dir) / node.original_file_path
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        found = (m.group(3) for m in SNAPSHOT_BLOCK.finditer(text) if m.group(2) == node.name)
        body = next(found, None)
        if body is not None:
            node.raw_code = body


def _blanked(text: str) -> str:
    """`text` with each snapshot block in it as its newlines alone: its lines kept, nothing on
    them."""
    return SNAPSHOT_BLOCK.sub(lambda block: "\n" * block.group(0).count("\n"), text)


def _line_start(text: str, offset: int) -> int:
    """Where the line holding the character at `offset` begins."""
    return text.rfind("\n", 0, offset) + 1
