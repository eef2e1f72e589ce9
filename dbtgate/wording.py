"""Counted nouns in messages: `1 finding`, `3 findings`, never `3 finding(s)`.

Messages are read by people in a CI log, a PR comment and a release report; one function for
every count keeps them plain English in all of them.
"""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """`1 model`, `15 models`, `2 analyses`, `3 entries` (nouns given in the singular)."""
    return f"1 {noun}" if count == 1 else f"{count} {plural(noun)}"


def plural(noun: str) -> str:
    """`models`, `analyses`, `entries`, `leaf models` (the last word made plural)."""
    if noun.endswith("is"):
        return noun[:-2] + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def first_few(items: list[str], shown: int) -> str:
    """`a, b, c and 4 more`: the first `shown` of a list a message names, and how many it
    leaves out (a message names a few, never hundreds)."""
    left = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {left} more" if left > 0 else "")


def acknowledged_words(
    way: str, source: str | None, owner: str | None = None, reason: str | None = None
) -> str:
    """How a breaking change was let through, as the finding, the diff table and the reports say
    it: `acknowledged (label breaking-change-ok)`; with who and why when the reviewer of a
    release must see them: `acknowledged (config dbtgate.yml:39) by @data-platform: "consumers
    migrated in JIRA-42"` (a label's reason only repeats the label)."""
    text = f"acknowledged ({way.replace('_', ' ')}{f' {source}' if source else ''})"
    if owner:
        text += f" by {owner}"
    if reason and way != "label":
        text += f': "{reason}"' if way == "config" else f": {reason}"
    return text


def days_from_now(days: int) -> str:
    """`today`, `in 1 day`, `in 9 days`: when a date `days` ahead comes (an expiry)."""
    return "today" if days == 0 else f"in {counted(days, 'day')}"
