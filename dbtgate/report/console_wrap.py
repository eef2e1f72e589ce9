"""The console's finding lines wrapped at word boundaries to a terminal's width, styles kept.

The console writes its lists as rich segments without rich's layout (`console._print_pieces`:
per-line layout cost ~0.3 ms a line), so a terminal wrapped a long finding at its width, mid-word
and at column 0, where the list's indentation was lost. On a terminal the lines are wrapped
here, before they are written: a continuation line is indented under the message (`indent_of`),
and a word wider than the terminal (a long path, a URL) goes whole onto a line of its own, for
the terminal to fold, never cut. A fix that is a command (`fix: dbtgate lint --fix ...`) is one
such word: broken over lines it pasted into a shell as two commands, the first run on its own;
folded by the terminal it copies as one line. A pipe or a CI log is not wrapped: one line per
finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.cells import cell_len

# A piece of a line: its text and a rich style name (None: unstyled), as `console.Piece`.
Piece = tuple[str, str | None]

_WORD = re.compile(r"\S+")
# A fix line whose fix is a command to paste: where the command starts, after its label.
_COMMAND_FIX = re.compile(r" *fix[^:]*: (?=(?:dbtgate|dbt) )")


def indent_of(lead: int) -> int:
    """The hanging indent of a line that starts with `lead` spaces: a finding's line (2) goes on
    under its fix line (8), a fix's or waiver's line (8) two further in; an owner's or a count's
    line (0) by 2."""
    if lead == 0:
        return 2
    if lead < 8:
        return 8
    return lead + 2


def wrapped(pieces: Sequence[Piece], width: int) -> list[Piece]:
    """`pieces` (lines ending in "\\n" anywhere within them) with each line wider than `width`
    broken at spaces, continuation lines indented by `indent_of` its leading spaces. A line
    that fits is passed on as it was."""
    out: list[Piece] = []
    line: list[Piece] = []
    for text, style in pieces:
        while "\n" in text:
            head, text = text.split("\n", 1)
            if head:
                line.append((head, style))
            out += _wrapped_line(line, width)
            out.append(("\n", None))
            line = []
        if text:
            line.append((text, style))
    if line:
        out += _wrapped_line(line, width)
    return out


def _wrapped_line(line: list[Piece], width: int) -> list[Piece]:
    """One line (no line break in it) wrapped at `width`: where it breaks is found on its plain
    text, then the pieces are cut there, so a line keeps about as many pieces (rich segments,
    each styled on output) as it had."""
    text = "".join(piece for piece, _ in line)
    ascii_only = text.isascii()  # a column a character, else a CJK one takes two
    if (len(text) if ascii_only else cell_len(text)) <= width:
        return line
    lead = len(text) - len(text.lstrip(" "))
    indent = indent_of(lead)
    # (start, end, what replaces it): the spaces where a line breaks, and those at the end.
    cuts: list[tuple[int, int, str]] = []
    column = previous = lead
    command = _COMMAND_FIX.match(text)
    words = [
        word.span() for word in _WORD.finditer(text, lead, command.end() if command else len(text))
    ]
    if command:  # the command whole, as one word
        words.append((command.end(), len(text.rstrip(" "))))
    for start, end in words:
        size = end - start if ascii_only else cell_len(text[start:end])
        if previous == lead:  # the first word
            column = lead + size
        elif column + (start - previous) + size <= width:
            column += (start - previous) + size
        else:
            cuts.append((previous, start, "\n" + " " * indent))
            column = indent + size
        previous = end
    if previous < len(text):
        cuts.append((previous, len(text), ""))
    return _cut(line, cuts) if cuts else line


def _cut(line: list[Piece], cuts: list[tuple[int, int, str]]) -> list[Piece]:
    """`line`'s pieces with each cut's span (offsets in their joined text) replaced by its text,
    unstyled; the rest keeps its style."""
    out: list[Piece] = []
    index = 0
    position = 0
    for text, style in line:
        first, last = position, position + len(text)
        position = last
        cursor = first
        while index < len(cuts) and cuts[index][0] < last:
            start, end, replacement = cuts[index]
            if start > cursor:
                out.append((text[cursor - first : start - first], style))
            if start >= first:
                out.append((replacement, None))
            if end > last:  # the spaces go on into the next piece
                cursor = last
                break
            cursor = max(cursor, end)
            index += 1
        if cursor < last:
            out.append((text[cursor - first :], style))
    return [piece for piece in out if piece[0]]
