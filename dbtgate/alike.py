"""Which earlier file a file is, by its lines: what pairs a file moved with `mv` (git sees a
deleted file and an untracked one until both are staged) with the file it was.

Lint pairs them to count only the lines the move edited; the baseline (`git_renames`), to let a
model's debt follow it. Both judge alike as git's rename detection does: at least half the
lines shared (difflib's ratio on lines). What differs is what each does with a tie, so the tie
is reported, not decided, here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K")

# git's own rename threshold: half the lines shared.
ALIKE = 0.5


@dataclass
class Alike(Generic[K]):
    """The candidate most alike (the first given among those equally so), its text, and
    whether another was as alike (`tied`)."""

    key: K
    text: str
    tied: bool = False


def most_alike(text: str, candidates: Iterable[tuple[K, str]]) -> Alike[K] | None:
    """Of `candidates` (key, text), the one whose text shares most of `text`'s lines, at least
    half (`ALIKE`); None when none does. Candidates are read one at a time (a generator may
    read each text only when it comes), and one that cannot reach the best so far is let go on
    difflib's cheap upper bounds: a folder of 200 models moved at once compares each file with
    one, not with 200."""
    lines = text.splitlines()
    best: Alike[K] | None = None
    ratio_of_best = ALIKE
    for key, before in candidates:
        matcher = difflib.SequenceMatcher(None, before.splitlines(), lines, autojunk=False)
        if matcher.real_quick_ratio() < ratio_of_best or matcher.quick_ratio() < ratio_of_best:
            continue
        ratio = matcher.ratio()
        if ratio < ratio_of_best:
            continue
        if best is None or ratio > ratio_of_best:
            best, ratio_of_best = Alike(key, before), ratio
        else:
            best.tied = True
    return best
