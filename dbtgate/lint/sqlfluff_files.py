"""Which sqlfluff config file says what: for errors that name the file and line to fix.

sqlfluff merges `setup.cfg`, `tox.ini`, `pep8.ini`, `.sqlfluff` and `pyproject.toml` from the
project's folder and every folder above it into one mapping, and its errors lose the file on the
way (a file without a section header is reported as `file: '<string>'`). A one-line error that
says "models/.sqlfluff:1: ..." is what a user can act on, so these functions find the file again.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

# Within one folder, the later ones win (sqlfluff's `load_config_at_path` order).
FILE_NAMES = ("setup.cfg", "tox.ini", "pep8.ini", ".sqlfluff", "pyproject.toml")


def config_files(project_dir: Path) -> Iterator[Path]:
    """The config files sqlfluff may read for `project_dir`, the one that wins first: the
    nearest folder first and, within it, the file read last."""
    start = project_dir.resolve()
    yield from files_in((start, *start.parents))


def files_in(folders: Iterable[Path]) -> Iterator[Path]:
    """The config files of `folders` (the nearest first), the one that wins first."""
    for directory in folders:
        for name in reversed(FILE_NAMES):
            if (directory / name).is_file():
                yield directory / name


def nested_config_files(directory: Path) -> list[Path]:
    """The config files in the folders under `directory`, which sqlfluff reads for the SQL
    files beside and below them."""
    return sorted(path for name in FILE_NAMES for path in directory.rglob(name) if path.is_file())


def unreadable(paths: Iterable[Path]) -> tuple[Path, int | None, str] | None:
    """The first ini-style config file of `paths` sqlfluff cannot read: (file, line, what is
    wrong)."""
    for path in paths:
        if path.name == "pyproject.toml":
            continue
        parser = configparser.ConfigParser(delimiters="=", interpolation=None)
        try:
            parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
        except configparser.MissingSectionHeaderError as exc:
            return path, exc.lineno, "no [sqlfluff] section header above this line"
        except configparser.ParsingError as exc:
            line = exc.errors[0][0] if exc.errors else None
            return path, line, "not a `key = value` line"
        except (configparser.DuplicateSectionError, configparser.DuplicateOptionError) as exc:
            return path, exc.lineno, exc.message.split(": ", 1)[-1]
        except configparser.Error as exc:
            return path, None, exc.message.splitlines()[0]
    return None


def setting_file(project_dir: Path, key: str) -> Path | None:
    """The file whose top-level sqlfluff `key` applies to `project_dir`: the nearest that sets
    it (`[sqlfluff]` in ini files, `[tool.sqlfluff.core]` in pyproject.toml)."""
    return setting_file_among(config_files(project_dir), key)


def setting_file_among(paths: Iterable[Path], key: str) -> Path | None:
    """The first of the config files `paths` (the one that wins first) that sets the top-level
    sqlfluff `key`."""
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.name == "pyproject.toml":
                core = _toml().loads(text).get("tool", {}).get("sqlfluff", {}).get("core", {})
                if key in core:
                    return path
                continue
            parser = configparser.ConfigParser(delimiters="=", interpolation=None)
            parser.read_string(text)
        except (OSError, ValueError, configparser.Error):
            continue
        if parser.has_option("sqlfluff", key):
            return path
    return None


def setting_line(path: Path, key: str) -> int | None:
    """The line of `path` that sets the top-level sqlfluff `key` (under `[sqlfluff]`, or
    `[tool.sqlfluff.core]` in pyproject.toml): the line an error about its value points at."""
    section = "[tool.sqlfluff.core]" if path.name == "pyproject.toml" else "[sqlfluff]"
    setting = re.compile(rf"['\"]?{re.escape(key)}['\"]?\s*=", re.IGNORECASE)
    inside = False
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped.replace(" ", "").lower() == section
        elif inside and setting.match(stripped):
            return number
    return None


def _toml() -> ModuleType:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: sqlfluff depends on tomli there
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib
