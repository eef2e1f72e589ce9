"""`dbtgate lint --fix`: sqlfluff's fixes, limited to what the change wrote, never a worse file.

Why not `fix_string()` alone: sqlfluff fixes the whole file, so a pull request that edits one
line of a legacy model would come back with every old violation of the file reformatted, a
diff nobody asked for. With a known change, fixes are computed only for violations on the lines
the change wrote, and for the violations it caused elsewhere (`lint.attribution`): the rest is masked as a `-- noqa` on
them would mask them, inside sqlfluff's own fix loop, so a masked violation's fix is never
applied. A fix of an allowed violation can still reach another line (moving a comma, splitting
a select); the result is then refused rather than written in part, since applying part of a
multi-line fix can break the SQL. A fix after which the file no longer templates or parses as
it did (an edit landing in a Jinja branch the templater did not render) is refused too. A file
of several snapshot blocks is fixed block by block, each in its own text (`fix_blocks`), and
refused whole when one block's fixes are.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlfluff.core import Linter
    from sqlfluff.core.rules import BaseRule

    from dbtgate.lint.changes import ChangedFile

# Line -> the sqlfluff codes whose violations there may be fixed (None: every code).
FixLines = Mapping[int, frozenset[str] | None]
# sqlfluff's codes for "could not template / lex / parse".
_PARSE_CODES = frozenset({"TMP", "LXR", "PRS"})


@dataclass(frozen=True)
class FixOutcome:
    fixed: str | None  # the text to write; None: nothing to write
    refused: str | None = None  # why the fixes found were not written
    # The violations the fixes mend, by code, sorted: what `lint --fix` says it did.
    mended: tuple[tuple[str, int], ...] = ()


def fix_text(
    linter: Linter,
    rendered: Any,
    raw: str,
    codes: Iterable[str],
    lines: FixLines | None,
    render: Callable[[str], Any],
) -> FixOutcome:
    """sqlfluff's fixes of `codes` (every fixable rule when empty) on the rendered file, for
    violations on `lines` only (None: every line; a line maps to the codes allowed there, None
    for all). `render` renders a text as the file was rendered, to check it still parses."""
    from sqlfluff.core.rules import RulePack

    wanted = set(codes)
    pack = linter.get_rulepack(config=rendered.config)
    rules = [rule for rule in pack.rules if not wanted or rule.code in wanted]
    if lines is not None:
        for rule in rules:
            _mask_outside(rule, lines)
    linted = linter.lint_rendered(rendered, RulePack(rules, pack.reference_map), fix=True)
    fixed, _ = linted.fix_string()
    if fixed == raw:
        return FixOutcome(None)
    if lines is not None:
        outside = lines_edited_outside(raw, fixed, lines)
        if outside:
            return FixOutcome(
                None,
                f"the fixes would also change {_lines(outside)}, which the change did not touch",
            )
    before = _parse_problems(linter, rendered)
    after = _parse_problems(linter, render(fixed))
    if after - before:
        return FixOutcome(None, "the fixed file would no longer template or parse")
    mended = Counter(violation.rule_code() for violation in linted.get_violations(fixable=True))
    return FixOutcome(fixed, mended=tuple(sorted(mended.items())))


def fix_blocks(
    linter: Linter,
    raw: str,
    codes: Iterable[str],
    lines: FixLines | None,
    render: Callable[[str, str], Any],
) -> FixOutcome:
    """`fix_text` of a file of several snapshot blocks (`lint.snapshot_blocks`): each block
    fixed in its own text, on the lines it owns (of `lines`), and put back, the last block
    first so that the lines of those above it stay where `lines` has them. The whole file is
    refused when one block's fixes are (written in part, the fixes of one block could leave it
    broken), when they reach the blanked text around the block, or when the file would not
    have the same blocks after them. `render` renders a text as the file's, with the block of
    the name it is given as the snapshot compiled (`snapshot_blocks.dbt_rendering`)."""
    from dbtgate.lint import snapshot_blocks

    text = raw
    mended: Counter[str] = Counter()
    count = len(snapshot_blocks.blocks(raw))
    for index in reversed(range(count)):
        block = snapshot_blocks.blocks(text)[index]
        own: dict[int, frozenset[str] | None] = {
            line: None if lines is None else lines[line]
            for line in block.lines
            if lines is None or line in lines
        }
        if not own:
            continue
        rendered = render(block.masked, block.name)
        outcome = fix_text(
            linter,
            rendered,
            block.masked,
            codes,
            own,
            lambda text, name=block.name: render(text, name),
        )
        if outcome.refused is not None:
            return FixOutcome(None, f"snapshot {block.name}: {outcome.refused}")
        if outcome.fixed is None:
            continue
        spliced = snapshot_blocks.splice(text, block, outcome.fixed)
        if spliced is None:
            return FixOutcome(
                None, f"snapshot {block.name}: the fixes would reach past its block's lines"
            )
        text = spliced
        mended.update(dict(outcome.mended))
    if text == raw:
        return FixOutcome(None)
    if snapshot_blocks.names(text) != snapshot_blocks.names(raw):
        return FixOutcome(None, "the fixed file would not have the same snapshot blocks")
    return FixOutcome(text, mended=tuple(sorted(mended.items())))


def lines_edited_outside(raw: str, fixed: str, lines: Collection[int]) -> list[int]:
    """Lines of `raw` (1-based) outside `lines` that `fixed` replaces or deletes, or next to
    which it inserts with neither neighbour in `lines`."""
    old, new = raw.splitlines(), fixed.splitlines()
    outside: set[int] = set()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            outside.update(line for line in range(start + 1, end + 1) if line not in lines)
        elif tag == "insert" and start not in lines and start + 1 not in lines:
            outside.add(start + 1 if start < len(old) else max(start, 1))
    return sorted(outside)


def through_fix(change: ChangedFile, raw: str, fixed: str) -> ChangedFile:
    """`change` as it reads in the file `fix` rewrote from `raw` to `fixed`, for the lint after
    it: the lines the change wrote, renumbered where the fix added or removed lines, and each
    line the fix rewrote that the change did not write with its text before the fix
    (`ChangedFile.rewritten`). Left as it was, the fix's own edits looked like the change's:
    old debt on a rewritten line read as "new with this change", old debt moved onto the number
    of a changed line blocked, a changed line moved off it did not."""
    if change.lines is None:
        return change  # new: every line is the change's, fixed or not
    old, new = _source_lines(raw), _source_lines(fixed)
    lines: set[int] = set()
    rewritten: dict[int, tuple[str, ...]] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, start, end, new_start, new_end in matcher.get_opcodes():
        for offset, line in enumerate(range(new_start + 1, new_end + 1)):
            # A line kept, or rewritten in a block of as many lines, came from the line at its
            # place; a line of a block that grew or shrank from any of it; an inserted one
            # from none (the fix's alone: matched on its own text).
            one = tag == "equal" or end - start == new_end - new_start
            sources = [start + 1 + offset] if one else list(range(start + 1, end + 1))
            if any(line_ in change.lines for line_ in sources):
                lines.add(line)
            elif tag != "equal" and sources:
                rewritten[line] = tuple(old[source - 1].strip() for source in sources)
    return replace(change, lines=frozenset(lines), rewritten=rewritten)


def _source_lines(text: str) -> list[str]:
    """A file's lines as sqlfluff numbers them (and `run.lint_file` quotes them)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _mask_outside(rule: BaseRule, lines: FixLines) -> None:
    """Make `rule` (a fresh instance, this run's own) skip violations off `lines` (or of other
    codes there), fixes included, by handing its crawl a mask on top of the file's noqa mask."""
    crawl = rule.crawl

    def masked_crawl(*args: Any, **kwargs: Any) -> Any:
        kwargs["ignore_mask"] = _LinesMask(kwargs.get("ignore_mask"), lines)
        return crawl(*args, **kwargs)

    rule.crawl = masked_crawl  # type: ignore[method-assign]


class _LinesMask:
    """sqlfluff's `IgnoreMask` interface, as a rule's crawl uses it: violations off `lines` are
    masked, then the file's own noqa mask applies."""

    def __init__(self, inner: Any, lines: FixLines) -> None:
        self.inner = inner
        self.lines = lines

    def allows(self, violation: Any) -> bool:
        if violation.line_no not in self.lines:
            return False
        codes = self.lines[violation.line_no]
        return codes is None or violation.rule_code() in codes

    def ignore_masked_violations(self, violations: list[Any]) -> list[Any]:
        kept = [violation for violation in violations if self.allows(violation)]
        return self.inner.ignore_masked_violations(kept) if self.inner else kept


def _parse_problems(linter: Linter, rendered: Any) -> set[tuple[str, str]]:
    """The file's template, lex and parse problems (code, description), line-free so that a
    fix moving lines does not make an old problem look new."""
    parsed = linter.parse_rendered(rendered)
    return {
        (error.rule_code(), error.desc())
        for error in parsed.violations
        if error.rule_code() in _PARSE_CODES
    }


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:5])) + (", ..." if len(numbers) > 5 else "")
    return f"line {shown}" if len(numbers) == 1 else f"lines {shown}"
