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

A fix that is a command (`dbtgate lint --fix CP01 models/a.sql --project-dir analytics`) is
written, in the reports, to paste at the repository's root; the console rewrites it to paste
where it ran. Its files are shell words (`Arg`): quoted as the shell needs, and an option naming
the folder the command runs in (`--project-dir .`) is left out, wherever the command is pasted;
so is `--config` where the command, pasted there, finds that config by itself (`Arg.written`).
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

from dbtgate.wording import number

# Where a path lies in a note's text: (start, end), as slicing takes them; a command's argument
# (`Arg`): (start, end, flag, path), its text rewritten whole from its path; plus, for an option
# written in some folders only (`Arg.written`), whether the console's command has it.
Span = tuple[int, int] | tuple[int, int, str, str] | tuple[int, int, str, str, bool]


class File(NamedTuple):
    """A path within a note, from the repository's root (a part of `naming`)."""

    path: str


class Arg(NamedTuple):
    """A file or folder a command names, from the repository's root (a part of `naming`): as a
    shell word, or with `flag` as ` FLAG PATH`, which is left out where the path is `.`, the
    folder the command runs in (`--project-dir`: a project found there needs none)."""

    path: str
    flag: str = ""
    # An option the command finds for itself in some folders (`--config`: the config it looks
    # for there): whether it is written in the command pasted where `path` is from (`naming`),
    # and in the console's, pasted where dbtgate ran (`from_here`). None: written wherever its
    # path is not `.`.
    written: tuple[bool, bool] | None = None


def arg_text(path: str, flag: str, written: bool = True) -> str:
    """An `Arg`'s text in a command pasted where `path` is from: none where it is not
    `written` there."""
    if not flag:
        return shlex.quote(path)
    return "" if path == "." or not written else f" {flag} {shlex.quote(path)}"


class NamesFiles(str):
    """A note's text (a str, as every note is) with the spans of the paths it names."""

    spans: tuple[Span, ...] = ()


def naming(*parts: str | File | Arg) -> str:
    """The note made of `parts`: prose as it is, each `File` as its path and each `Arg` as its
    shell text, whose span is kept."""
    text: list[str] = []
    spans: list[Span] = []
    at = 0
    for part in parts:
        if isinstance(part, File):
            said = part.path
            spans.append((at, at + len(said)))
        elif isinstance(part, Arg):
            if part.written is None:
                said = arg_text(part.path, part.flag)
                spans.append((at, at + len(said), part.flag, part.path))
            else:
                said = arg_text(part.path, part.flag, part.written[0])
                spans.append((at, at + len(said), part.flag, part.path, part.written[1]))
        else:
            said = part
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
    parts: list[str | File | Arg] = []
    at = 0
    for span in note.spans:
        start, end = span[0], span[1]
        if len(span) == 5:  # written in the text where it has length, as it was
            parts += [note[at:start], Arg(paths(span[3]), span[2], (end > start, span[4]))]
        elif len(span) == 4:
            parts += [note[at:start], Arg(paths(span[3]), span[2])]
        else:
            parts += [note[at:start], File(paths(note[start:end]))]
        at = end
    parts.append(note[at:])
    return naming(*parts)


def plain_texts(notes: Iterable[str], spans: dict[str, tuple[Span, ...]]) -> list[str]:
    """`notes` as plain strings, for the reports (msgspec encodes no str subclass), the spans of
    those that name files added to `spans`, under their text."""
    return [kept(note, spans) for note in notes]


def kept(note: str, spans: dict[str, tuple[Span, ...]]) -> str:
    """`note` as a plain string, its spans, if it names files, added to `spans` under its text:
    a finding's fix, which the reports encode as the notes (`plain_texts`)."""
    if not isinstance(note, NamesFiles):
        return note
    if note.spans:
        spans[str(note)] = note.spans
    return str(note)


def from_here(
    note: str,
    spans: Mapping[str, tuple[Span, ...]],
    paths: Callable[[str], str] | None,
) -> str:
    """`note` with the paths it names (`spans`, by its text) as `paths` names them from the
    working directory, a command's arguments (`Arg`) as a command pasted there names them; as
    it is where it names none, or the paths need no rewriting."""
    where = spans.get(note)
    if not where or paths is None:
        return note
    out = []
    at = 0
    for span in where:
        start, end = span[0], span[1]
        if len(span) == 2:
            said = paths(note[start:end])
        else:
            said = arg_text(paths(span[3]), span[2], span[4] if len(span) == 5 else True)
        out += [note[at:start], said]
        at = end
    out.append(note[at:])
    return "".join(out)
