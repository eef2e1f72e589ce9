"""Text from a pull request printed to a terminal or a CI log: no control codes, no new lines.

Model names, owners, waiver reasons, dbt's and the warehouse's error messages come from the pull
request. Printed as they are, an escape sequence can erase lines and paint a fake verdict on a
reviewer's terminal, write their clipboard or hide a link, and a line break can start a GitHub
workflow command (`::error file=...::`, `::add-mask::`) in the job's log. So every C0 and C1
control code but the tab is dropped, and line breaks become spaces (`one_line`) or, where a
message has lines of its own (dbt's output after an error), are kept but indented under a bar
that no command starts with (`indented_lines`).
"""

from __future__ import annotations

# Line breaks of every kind (\n \v \f \r, the file/group/record separators, NEL, LS, PS).
_LINE_BREAKS = "\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"
# Unicode's bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069) make
# what follows them display in another order than it is written ("Trojan Source": an owner
# `\u202eevil` showed as "live", a message's counts backwards). Every report shows each as the
# escape it is, which also tells the reader that the text holds one.
BIDI_CONTROLS: dict[int, str] = {
    code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
}
# Dropped: C0 but the tab and the line breaks, DEL, C1 but NEL; line breaks made spaces; the
# bidirectional controls shown as escapes.
CONTROL_CODES: dict[int, str | None] = {
    **dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]),
    **dict.fromkeys(map(ord, _LINE_BREAKS), " "),
    **BIDI_CONTROLS,
}
_KEEP_LINES = {**CONTROL_CODES, ord("\n"): "\n"}
_KEEP_CR_LF = {**_KEEP_LINES, ord("\r"): "\r"}


def visible_bidi(text: str) -> str:
    """`text` with its bidirectional controls shown as escapes (`\\u202e`), for the reports
    that escape the rest of it their own way (HTML, markdown, XML) or not at all (SARIF's and
    GitLab's plain text)."""
    return text if text.isprintable() else text.translate(BIDI_CONTROLS)


def one_line(text: str) -> str:
    """`text` without control codes, its line breaks made spaces."""
    return text if text.isprintable() else text.translate(CONTROL_CODES)


def without_control_codes(text: str) -> str:
    """`text` without control codes but CR and LF (other line breaks become spaces), for where
    those two are escaped next (a workflow command's message, `%0D%0A`): an escape sequence in
    an annotation would still paint the job's log."""
    return text if text.isprintable() else text.translate(_KEEP_CR_LF)


def indented_lines(text: str, prefix: str = "  | ") -> str:
    """`text` without control codes; its second and later lines (only `\\n` breaks a line, the
    others are spaces) start with `prefix`, so none starts with what the input wrote."""
    if text.isprintable():
        return text
    lines = text.replace("\r\n", "\n").translate(_KEEP_LINES).split("\n")
    return "\n".join([lines[0], *(prefix + line for line in lines[1:])])
