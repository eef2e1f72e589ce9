"""Notes and warnings that name files, with where in their text each file's path lies.

A note is prose, shared by the console and the reports, and names a file as the findings and the
reports do: from the root of the repository (`locate.display_root`). Run from a folder below the
root (`cd models/staging && dbtgate check --project-dir ../..`), the console names the findings'
files from the working directory (`locate.console_paths`); its notes must too, or the reader is
sent to `models/staging/stg_orders.sql` from inside `models/staging`. Finding paths in prose by
pattern would rewrite words that only look like paths (`docs.model_description`, `1.5`), so a
note that names files is built here (`naming`), which records the span of each path it names.
The gate keeps the spans beside the plain text (`GateResult.named_files`): the reports get the
text alone, as before, and the console rewrites those spans only (`from_here`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from dbtgate.wording import number

# Where a path lies in a note's text: (start, end), as slicing takes them.
Span = tuple[int, int]


class File(NamedTuple):
    """A path within a note, from the repository's root (a part of `naming`)."""

    path: str


class NamesFiles(str):
    """A note's text (a str, as every note is) with the spans of the paths it names."""

    spans: tuple[Span, ...] = ()


def naming(*parts: str | File) -> str:
    """The note made of `parts`: prose as it is, each `File` as its path, whose span is kept."""
    text: list[str] = []
    spans: list[Span] = []
    at = 0
    for part in parts:
        said = part.path if isinstance(part, File) else part
        if isinstance(part, File):
            spans.append((at, at + len(said)))
        text.append(said)
        at += len(said)
    note = NamesFiles("".join(text))
    note.spans = tuple(spans)
    return note


def few_files(paths: Iterable[str], shown: int) -> list[str | File]:
    """`a, b, c and 4 more` as `naming`'s parts (`wording.first_few`, of paths)."""
    return first_few_named([[File(path)] for path in paths], shown)


def first_few_named(items: Iterable[Sequence[str | File]], shown: int) -> list[str | File]:
    """`a, b, c and 4 more` as `naming`'s parts, of items that are parts themselves: prose
    that names a file among other things (`lint.LT01 on models/a.sql`)."""
    items = list(items)
    parts: list[str | File] = []
    for index, item in enumerate(items[:shown]):
        if index:
            parts.append(", ")
        parts.extend(item)
    if len(items) > shown:
        parts.append(f" and {number(len(items) - shown)} more")
    return parts


def renamed(note: str, paths: Callable[[str], str]) -> str:
    """`note` with each path it names as `paths` names it, its spans moved with the text: a note
    written where only the path as it was given is known (an artifact's warning, by the loader)
    names it as the reports name files once the gate knows the repository's root."""
    if not isinstance(note, NamesFiles) or not note.spans:
        return note
    parts: list[str | File] = []
    at = 0
    for start, end in note.spans:
        parts += [note[at:start], File(paths(note[start:end]))]
        at = end
    parts.append(note[at:])
    return naming(*parts)


def plain_texts(notes: Iterable[str], spans: dict[str, tuple[Span, ...]]) -> list[str]:
    """`notes` as plain strings, for the reports (msgspec encodes no str subclass), the spans of
    those that name files added to `spans`, under their text."""
    plain = []
    for note in notes:
        if isinstance(note, NamesFiles):
            if note.spans:
                spans[str(note)] = note.spans
            note = str(note)
        plain.append(note)
    return plain


def from_here(
    note: str,
    spans: Mapping[str, tuple[Span, ...]],
    paths: Callable[[str], str] | None,
) -> str:
    """`note` with the paths it names (`spans`, by its text) as `paths` names them from the
    working directory; as it is where it names none, or the paths need no rewriting."""
    where = spans.get(note)
    if not where or paths is None:
        return note
    out = []
    at = 0
    for start, end in where:
        out += [note[at:start], paths(note[start:end])]
        at = end
    out.append(note[at:])
    return "".join(out)
