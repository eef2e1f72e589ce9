"""What a placeholder description is: "TODO", "TBD", "n/a", the resource's own name.

The one definition that rule `docs.placeholder` (with its default words) and the scorecard's
`docs_models` share, so a model the rule calls undocumented in substance is not one the KPI
counts as documented. The KPI asks for every model on every check: one set lookup and one
precompiled match per description.
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
_LEADING_MARKER = re.compile(r"^\W*(todo|tbd|tba|fixme|xxx)\b", re.IGNORECASE)


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
    normalised = text.lower().strip(" .!:;\t\n")
    if normalised in words or text.lower().strip() in words:
        return True
    if _LEADING_MARKER.match(text):
        return True
    if normalised.replace(" ", "_") == owner_name.lower():
        return True
    return len(text) < min_length
