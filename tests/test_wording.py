"""Counted nouns read as English in every message."""

from __future__ import annotations

import pytest

from dbtgate.wording import counted, days_from_now


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
