"""Counted nouns read as English in every message."""

from __future__ import annotations

import pytest

from dbtgate.wording import counted


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
