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
LONGEST_DEFAULT_WORD = max(map(len, DEFAULT_WORDS))
# What surrounds a placeholder word without making it a description ("TBD.", "n/a!").
PUNCTUATION = " .!:;\t\n"
_MARKERS = ("todo", "tbd", "tba", "fixme", "xxx")
_LEADING_MARKER = re.compile(rf"^\W*({'|'.join(_MARKERS)})\b", re.IGNORECASE)
# How a marker starts, in any case ("To", "tO").
_MARKER_HEADS = frozenset(
    a + b
    for marker in _MARKERS
    for a in {marker[0], marker[0].upper()}
    for b in {marker[1], marker[1].upper()}
)
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
# What a text may open with and start with no marker: two ASCII letters or digits ("Th") that
# no marker opens with. Listed, so that telling needs one lookup.
PLAIN_HEADS = frozenset(a + b for a in _ALNUM for b in _ALNUM) - _MARKER_HEADS


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
    normalised = lowered.strip(PUNCTUATION)
    if normalised in words or lowered in words:
        return True
    if normalised.replace(" ", "_") == owner_name.lower():
        return True
    return len(text) < min_length


def _starts_with_marker(text: str) -> bool:
    """Whether non-empty `text` starts with TODO, TBD, ... (after punctuation). Asked of every
    description, most of which start with two ASCII letters or digits no marker starts with
    ("Th", "Nu": `PLAIN_HEADS`); after a letter or digit (`\\w`) the regex could only match a
    marker right there, so those skip it (it was half of the check)."""
    return text[:2] not in PLAIN_HEADS and _LEADING_MARKER.match(text) is not None


def is_described(text: str | None, lowered_name: str = "") -> bool:
    """Whether `text` documents what it describes: there, not blank, and no placeholder by the
    default definition. What "documented" means wherever a description is counted rather than
    judged by a policy's own `words`. `lowered_name` (lower case) is given for a model, whose
    description restating its name says nothing; a column's is not: "Customer ID" for
    customer_id is how most projects document a key, and coverage counts it as dbt-coverage
    and dbt-bouncer do (rule `docs.placeholder` flags it, where a team asks for more).

    Asked of every column (110,000 at 10,000 models), so the common case is settled first in
    a few calls: text opening with two letters or digits no marker opens with (nothing leading
    to strip) and longer, without the space and punctuation that may end a placeholder word,
    than any default word and than the name can be none of them. `Project.column_docs` tests
    that case inline for a column (no name), before calling this: keep the two alike."""
    if not text:
        return False
    if text[:2] in PLAIN_HEADS:
        core = len(text.rstrip().rstrip(PUNCTUATION))
        if core > LONGEST_DEFAULT_WORD and core > len(lowered_name):
            return True
    stripped = text.strip()
    return bool(stripped) and not is_placeholder(stripped, lowered_name)
