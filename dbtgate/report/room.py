"""Dividing a report's limited room among lists of unequal length (the PR comment's owners).

An equal count of items each wasted the room: an owner with two findings left the rest of its
share empty, and one whose items were shorter than the guess per item left room that nobody
used, while other owners' findings were cut and the comment stayed far under its limit. Here
each list gets what it needs when that is no more than an equal share, and those that need
more split what is left equally. The lists are measured only as far as a share could reach:
a list of 30,000 findings is rendered a few hundred characters past its share, not whole. A
section rendered in more than one room (`RenderedItems`) renders each of its items once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator


class MeasuredItems:
    """A list's items, rendered as far as a share asks (`need`), then all of them in order
    (`__iter__`): the items measured are not rendered twice."""

    def __init__(self, items: Iterator[str], overhead: int) -> None:
        self._items = items
        self._rendered: list[str] = []
        self._done = False
        # What the list takes besides its items: a heading, a closing line.
        self.overhead = overhead
        self.size = overhead

    def need(self, cap: int) -> int:
        """The room the whole list takes, or some number above `cap` when that is more."""
        while not self._done and self.size <= cap:
            item = next(self._items, None)
            if item is None:
                self._done = True
            else:
                self._rendered.append(item)
                self.size += len(item)
        return self.size

    def least(self) -> int:
        """The room the list takes with its first item alone (its overhead when it has none)."""
        self.need(self.overhead)
        return self.overhead + (len(self._rendered[0]) if self._rendered else 0)

    def __iter__(self) -> Iterator[str]:
        yield from self._rendered
        yield from self._items


def fair_shares(room: int, needs: list[Callable[[int], int]]) -> list[int]:
    """The room each of several lists may take of `room` (characters, or items): its whole need
    when that fits in an equal share of what the lists needing less leave, else that equal
    share. `needs`: each list's need, or any number above the cap it is given when more
    (`MeasuredItems.need`). The same needs and room give the same shares."""
    shares = [0] * len(needs)
    waiting = list(range(len(needs)))
    left = max(room, 0)
    while waiting:
        fair = left // len(waiting)
        measured = {index: needs[index](fair) for index in waiting}
        fitting = [index for index in waiting if measured[index] <= fair]
        if not fitting:
            for index in waiting:
                shares[index] = fair
            break
        for index in fitting:
            shares[index] = measured[index]
            left -= measured[index]
        waiting = [index for index in waiting if measured[index] > fair]
    return shares


class RenderedItems:
    """A list's items, rendered once as far as any pass asks, and iterable again and again:
    the PR comment renders the sections after the blocking findings in more than one room
    (the room they may keep, then what the findings leave), and escaped every row of a table
    it showed anew each time."""

    def __init__(self, items: Iterator[str]) -> None:
        self._items = items
        self._rendered: list[str] = []

    def __iter__(self) -> Iterator[str]:
        index = 0
        while True:
            if index == len(self._rendered):
                item = next(self._items, None)
                if item is None:
                    return
                self._rendered.append(item)
            yield self._rendered[index]
            index += 1
