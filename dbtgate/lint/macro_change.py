"""Which models a change to the project's macros re-renders, and the macros as the base had them.

Lint gates the lines a pull request wrote. A macro edited in `macros/` writes no line of the
models that call it, yet their SQL is new: a macro that now emits an upper-case keyword makes
each caller's lower-case ones inconsistent (CP01), one that emits a trailing comma makes them
unparsable. No one reviewed that SQL for lint, so those callers are linted too, each against
itself rendered with the base's macros (`lint.attribution`): what the macro change caused
blocks, the caller's old debt does not.

The callers are found in the text, not the manifest's `depends_on.macros`: `dbtgate lint` needs
no build, and a manifest at hand may predate the change. A macro's name is looked for as a word
in the other macros (transitively) and in the SQL files, with a dispatched macro
(`default__cents`, `duckdb__cents`) found through the name it is dispatched by (`cents`). The
scan only proposes: a caller counts once its rendering with the base's macros differs from its
rendering now (`run._macro_callers`), so a column that shares a macro's name costs a render,
never a finding. A caller's two renderings are the ones its lint lints: rendering (with the
project's macros loaded) is most of a file's lint, and rendering each again doubled it.

The base's macros are given to sqlfluff's jinja templater in place of the changed files (its
`exclude_macros_from_path` and `macros` settings), so nothing is written to disk. The dbt
templater has no such settings: it compiles a copy of the project that has them
(`lint.dbt_base`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dbtgate.lint.changes import ChangeSet

_MACRO = re.compile(r"{%-?\s*macro\s+(\w+)(.*?){%-?\s*endmacro\b", re.DOTALL)
_DEFINED = re.compile(r"{%-?\s*macro\s+(\w+)")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class BaseMacros:
    """The project's macros as the base had them, for sqlfluff's jinja templater: the changed
    files of today left out (`excluded`, absolute paths), the base's text of each changed or
    deleted file given instead (`texts`)."""

    excluded: tuple[str, ...]
    texts: tuple[str, ...]


@dataclass(frozen=True)
class MacroChange:
    """The macro files a change edited (absolute; a deleted one at its old path), the names
    they define before or after, and the base's macros."""

    files: tuple[Path, ...]
    base: BaseMacros
    # Macro name -> the changed files it reaches, directly or through other macros.
    names: dict[str, frozenset[Path]]


def macro_change(changes: ChangeSet, folders: list[Path]) -> MacroChange | None:
    """The change's macro files under `folders` (the project's macro-paths), or None when it
    edited none: the common case, which then costs nothing more."""
    changed = {p: f for p, f in changes.files.items() if _is_macro(p, folders)}
    deleted = [path for path in changes.deleted if _is_macro(path, folders)]
    if not changed and not deleted:
        return None
    excluded, texts, before = [], [], {}
    for path, file in changed.items():
        excluded.append(str(path))
        if file.status != "added" and file.base_text is not None:
            texts.append(file.base_text)
            before[path] = file.base_text
    for path in deleted:
        text = changes.deleted_text(path)
        if text is not None:
            texts.append(text)
            before[path] = text
    files = tuple(sorted({*changed, *deleted}))
    defined: dict[str, set[Path]] = {}
    for path in files:
        now = read_text(path) if path in changed and path.is_file() else ""
        for name in _DEFINED.findall(now) + _DEFINED.findall(before.get(path, "")):
            for key in _called_as(name):
                defined.setdefault(key, set()).add(path)
    names = _through_macros(defined, folders)
    return MacroChange(files, BaseMacros(tuple(sorted(excluded)), tuple(texts)), names)


def callers(change: MacroChange, sql_files: Iterable[Path]) -> dict[Path, frozenset[Path]]:
    """The SQL files that name a changed macro (or a macro calling one), with the changed macro
    files each reaches. A proposal: the renders decide (module docstring)."""
    found: dict[Path, frozenset[Path]] = {}
    for path in sql_files:
        reached: set[Path] = set()
        for word in set(_WORD.findall(read_text(path))) & change.names.keys():
            reached |= change.names[word]
        if reached:
            found[path] = frozenset(reached)
    return found


def _through_macros(
    defined: dict[str, set[Path]], folders: list[Path]
) -> dict[str, frozenset[Path]]:
    """`defined` widened by the project's other macros that call one of its names, until no
    macro adds any: `orders_total` calling `cents` reaches cents.sql too."""
    bodies = [
        (name, set(_WORD.findall(body)))
        for folder in folders
        if folder.is_dir()
        for path in sorted(folder.rglob("*.sql"))
        for name, body in _MACRO.findall(read_text(path))
    ]
    reach = {name: set(paths) for name, paths in defined.items()}
    grew = True
    while grew:
        grew = False
        for name, words in bodies:
            reached = set().union(*(reach[word] for word in words & reach.keys()))
            for key in _called_as(name):
                if not reached <= reach.get(key, set()):
                    reach.setdefault(key, set()).update(reached)
                    grew = True
    return {name: frozenset(paths) for name, paths in reach.items()}


def _called_as(name: str) -> tuple[str, ...]:
    """The names a macro is reached by: its own, and for `<adapter>__x` / `default__x` the `x`
    that `adapter.dispatch('x')` and its callers name."""
    _, dispatched, rest = name.partition("__")
    return (name, rest) if dispatched and rest else (name,)


def read_text(path: Path) -> str:
    """A file as lint reads it (bytes that are not UTF-8 replaced, as sqlfluff would stop there
    with its own finding)."""
    return path.read_text(encoding="utf-8", errors="replace")


def _is_macro(path: Path, folders: list[Path]) -> bool:
    return path.suffix == ".sql" and any(path.is_relative_to(folder) for folder in folders)
