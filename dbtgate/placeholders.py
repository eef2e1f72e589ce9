"""What a placeholder description is: "TODO", "TBD", "n/a", the resource's own name.

The one definition that rule `docs.placeholder` (with its default words), the scorecard's
`docs_models` and `docs_columns` and rule `docs.column_coverage` share (`is_described`), so a
model or column the rule calls undocumented in substance is not one the KPIs or the coverage
rule count as documented. They ask for every model and column on every check: at most two set
lookups and one precompiled match per description, and for most only a few length checks.
"""

from __future__ import annotations

import re

DEFAULT_PLACEHOLDERS = [
    "todo",
    "tbd",
    "tba",
    "fixme",
    "xxx",
    "wip",
    "description",
    "placeholder",
    "n/a",
    "na",
    "none",
    "null",
    "-",
    "...",
    "?",
    "lorem ipsum",
]
DEFAULT_WORDS = frozenset(DEFAULT_PLACEHOLDERS)
_LONGEST_DEFAULT_WORD = max(map(len, DEFAULT_WORDS))
# What surrounds a placeholder word without making it a description ("TBD.", "n/a!").
_PUNCTUATION = " .!:;\t\n"
_MARKERS = ("todo", "tbd", "tba", "fixme", "xxx")
_LEADING_MARKER = re.compile(rf"^\W*({'|'.join(_MARKERS)})\b", re.IGNORECASE)
# How a marker starts: text starting with two other ASCII letters or digits needs no regex.
_MARKER_HEADS = frozenset(marker[:2] for marker in _MARKERS)


def is_placeholder(
    text: str,
    owner_name: str,
    words: frozenset[str] | set[str] = DEFAULT_WORDS,
    min_length: int = 0,
) -> bool:
    """Whether `text` (a description, stripped) says nothing: one of `words` (lower case;
    surrounding punctuation ignored), text starting with TODO/TBD/FIXME, the name of what it
    describes (`owner_name`, spaces for underscores), or shorter than `min_length`. Empty text
    is not a placeholder: a missing description is the other docs rules' business."""
    if not text:
        return False
    if _starts_with_marker(text):
        return True
    lowered = text.lower()
    normalised = lowered.strip(_PUNCTUATION)
    if normalised in words or lowered in words:
        return True
    if normalised.replace(" ", "_") == owner_name.lower():
        return True
    return len(text) < min_length


def _starts_with_marker(text: str) -> bool:
    """Whether non-empty `text` starts with TODO, TBD, ... (after punctuation). Asked of every
    description, most of which start with two ASCII letters or digits no marker starts with
    ("Th", "Nu"); after a letter or digit (`\\w`) the regex could only match a marker right
    there, so those skip it (it was half of the check)."""
    head = text[:2]
    if head.isascii() and head.isalnum() and head.lower() not in _MARKER_HEADS:
        return False
    return _LEADING_MARKER.match(text) is not None


def is_described(text: str | None, owner_name: str) -> bool:
    """Whether `text` documents what it describes (`owner_name`: a model, a column): there, not
    blank, and no placeholder by the default definition. What "documented" means wherever a
    description is counted rather than judged by a policy's own `words`.

    Asked of every column (110,000 at 10,000 models), so text longer, without its surrounding
    punctuation, than any default word and than the lowered name skips the lowering and
    comparing: lowering never shortens text, so only a leading marker can make it one."""
    if not text:
        return False
    stripped = text.strip()
    if not stripped:
        return False
    core = len(stripped.strip(_PUNCTUATION))
    if core > _LONGEST_DEFAULT_WORD and core > len(owner_name.lower()):
        return not _starts_with_marker(stripped)
    return not is_placeholder(stripped, owner_name)
