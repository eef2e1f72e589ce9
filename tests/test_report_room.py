"""Dividing the PR comment's room among owners' lists (`dbtgate.report.room`)."""

from __future__ import annotations

from collections.abc import Iterator

from dbtgate.report.room import MeasuredItems, RenderedItems, fair_shares


def items(count: int, size: int, taken: list[int] | None = None) -> Iterator[str]:
    for index in range(count):
        if taken is not None:
            taken.append(index)
        yield "x" * size


def test_lists_that_need_less_than_an_equal_share_get_it_and_the_others_split_the_rest() -> None:
    lists = [MeasuredItems(items(n, 10), overhead=0) for n in (10, 500, 20, 500)]
    # An equal share is 1,000: the first and third need 100 and 200, the others 5,000 each.
    assert fair_shares(4_000, [measured.need for measured in lists]) == [100, 1_850, 200, 1_850]
    # Room for all: each its own need.
    lists = [MeasuredItems(items(n, 10), overhead=5) for n in (10, 500, 20)]
    assert fair_shares(100_000, [measured.need for measured in lists]) == [105, 5_005, 205]
    # None at all, or less than nothing (the breaking changes' lines took it): none.
    assert fair_shares(-50, [lambda cap: 10]) == [0]
    assert fair_shares(0, []) == []


def test_a_long_list_is_rendered_only_a_little_past_its_share_and_then_read_whole() -> None:
    taken: list[int] = []
    measured = MeasuredItems(items(30_000, 100, taken), overhead=50)
    assert fair_shares(1_000, [measured.need]) == [1_000]
    assert len(taken) == 10  # 50 + 10 x 100 is past 1,000: the rest was never rendered
    assert measured.least() == 150
    assert sum(1 for _ in measured) == 30_000  # the items measured, then the rest, once each
    assert len(taken) == 30_000
    assert MeasuredItems(iter([]), overhead=7).least() == 7


def test_rendered_items_render_each_item_once_however_often_they_are_read() -> None:
    """The PR comment renders a section in more than one room: its rows were escaped anew each
    time."""
    made: list[int] = []

    def items() -> Iterator[str]:
        for index in range(5):
            made.append(index)
            yield f"row {index}"

    rendered = RenderedItems(items())
    assert list(zip(range(2), rendered, strict=False)) == [(0, "row 0"), (1, "row 1")]
    assert made == [0, 1]
    assert list(rendered) == [f"row {index}" for index in range(5)]
    assert list(rendered) == [f"row {index}" for index in range(5)] and made == [0, 1, 2, 3, 4]
