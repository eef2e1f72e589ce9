"""Counted nouns read as English in every message."""

from __future__ import annotations

import pytest

from dbtgate.wording import code_span, counted, days_from_now, expiry_note, first_few


@pytest.mark.parametrize(
    ("count", "noun", "text"),
    [
        (1, "finding", "1 finding"),
        (0, "finding", "0 findings"),
        (3, "analysis", "3 analyses"),
        (2, "entry", "2 entries"),
        (2, "day", "2 days"),
        (12, "downstream model", "12 downstream models"),
    ],
)
def test_counted(count: int, noun: str, text: str) -> None:
    assert counted(count, noun) == text


@pytest.mark.parametrize(("days", "text"), [(0, "today"), (1, "in 1 day"), (9, "in 9 days")])
def test_days_from_now(days: int, text: str) -> None:
    assert days_from_now(days) == text


@pytest.mark.parametrize(
    ("days_left", "expired", "note"),
    [
        (None, False, ""),
        (3, False, " (expires in 3 days)"),
        (0, False, " (expires today)"),
        (None, True, " (expired)"),
    ],
)
def test_expiry_note_says_only_what_the_gate_judged(days_left, expired, note) -> None:
    assert expiry_note(days_left, expired=expired) == note


def test_first_few_names_some_and_counts_the_rest():
    assert first_few([], 3) == ""
    assert first_few(["a", "b"], 3) == "a, b"
    assert first_few(["a", "b", "c"], 3) == "a, b, c"
    assert first_few(["a", "b", "c", "d", "e"], 3) == "a, b, c and 2 more"


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("orders", "`orders`"),
        ("a`b", "``a`b``"),
        ("`a", "`` `a ``"),
        ("a``", "``` a`` ```"),
        (" a ", "`  a  `"),
        (" a", "` a`"),
        ("  ", "`  `"),
    ],
)
def test_a_code_span_keeps_what_it_holds_whole(text: str, span: str) -> None:
    """As CommonMark reads a span: a fence longer than any backtick run inside, and a space of
    padding where a reader strips one (a leading or trailing backtick, a space at both ends)."""
    assert code_span(text) == span
