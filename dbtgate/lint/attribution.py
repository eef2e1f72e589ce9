"""Which lint violations on lines a change did not write are still the change's doing.

sqlfluff reports a violation where it sees it, not where it was caused: an edited first
`SELECT` makes every lower-case keyword below it inconsistent (CP01), an edited line that opens
a bracket mis-indents the untouched lines after it (LT02), a removed use of an alias leaves the
alias unused on its own line (AL05). Gating only the lines the change wrote, as `diff-quality`
does, would let such a pull request add violations and pass. Widening the scope to the whole
statement instead would block on old debt, since a dbt model is often one statement.

So the base's version of the file is linted too, and a violation on an untouched line counts as
caused by the change when the base did not have it: the same code on a line with the same text,
counted (two identical lines with the same violation need two in the base). Old debt matches
and stays outside the change; what the change introduced blocks wherever sqlfluff reports it.

`lint --fix` rewrites lines the change did not write (the violations it caused there) and moves
lines: the change's lines are carried through the fix (`fix.through_fix`), and a violation on a
line the fix rewrote is matched on the text the line had before it (`ChangedFile.rewritten`),
so the old debt the fix left there is still old debt, not the change's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbtgate.lint.changes import ChangedFile
    from dbtgate.lint.run import Violation


def needs_base(violations: Sequence[Violation], change: ChangedFile | None) -> bool:
    """Whether telling old debt from new needs the base's violations: some violation is on a
    line the change did not write, and the base's text is known."""
    if change is None or change.lines is None or change.base_text is None:
        return False
    return any(not change.touches(violation.line) for violation in violations)


def attribute(
    violations: Sequence[Violation], change: ChangedFile, before: Sequence[Violation]
) -> tuple[Violation, ...]:
    """`violations` with `caused` set on those on untouched lines that `before` (the base's
    violations of the same file) does not account for."""
    left = Counter((violation.code, violation.line_text) for violation in before)
    attributed = []
    for violation in violations:
        texts = change.rewritten.get(violation.line) or (violation.line_text,)
        anchor = next(((violation.code, t) for t in texts if left[(violation.code, t)] > 0), None)
        if change.touches(violation.line):
            attributed.append(violation)
        elif anchor is not None:
            left[anchor] -= 1
            attributed.append(violation)
        else:
            attributed.append(replace(violation, caused=True))
    return tuple(attributed)
