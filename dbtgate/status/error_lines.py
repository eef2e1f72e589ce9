"""Where in its own file a node's failed build is fixed: the line `run.errors` points at.

A model's SQL error is fixed in its SQL file, not in the YAML that declares it: the finding
goes there, on the line the warehouse names when that line can be found, else line 1. The line
number DuckDB or Postgres give (`LINE 6:`) counts lines of the statement dbt sent, wrapped in a
`create table ... as (` and a query comment, and compiled from Jinja: no offset turns it into a
line of the file. The text they quote after it can be found, though: a line of the code as
dbt read it that reads the same, and only one, is where the statement's line came from (a
Jinja loop repeats that same line; a line Jinja wrote, or one the message cuts short with
`...`, matches none, and stays on line 1).

A seed whose CSV did not load is fixed in its data: DuckDB names the record (`CSV Error on
Line: 4`) and quotes it (`Original Line: 3,old`). It counts records, not lines (a quoted value
may hold a line break), so the line is taken only where the file's line reads as the quote
does, or else the one line that does.
"""

from __future__ import annotations

import re

from dbtgate.artifacts.manifest import Node, file_path
from dbtgate.project import Project

# `LINE 6:   no_such_column as y`: the statement's line, as DuckDB and Postgres quote it.
_STATEMENT_LINE = re.compile(r"^\s*LINE \d+:(.*)$", re.MULTILINE)
# DuckDB's CSV reader on a value that does not convert: the record, then its text.
_CSV_RECORD = re.compile(r"CSV Error on Line: (\d+)")
_CSV_QUOTE = re.compile(r"^\s*Original Line: (.*)$", re.MULTILINE)


def code_error_line(project: Project, node: Node, message: str) -> int | None:
    """The line of the model's or snapshot's file to fix the error of dbt's `message` on: the
    statement's line the message quotes, found once in the code, else 1. None when the node's
    file is no SQL or Python file (a snapshot declared in YAML: its entry is the place)."""
    if node.resource_type not in ("model", "snapshot"):
        return None
    if not file_path(node).endswith((".sql", ".py")):
        return None
    quoted = _STATEMENT_LINE.search(message)
    if quoted is None or node.language == "python":
        return 1
    wanted = quoted.group(1).strip()
    code = project.code(node.unique_id)
    start = project.code_start(node.unique_id)
    if not wanted or code is None or start is None:
        return 1
    found = [n for n, line in enumerate(code.splitlines(), 1) if line.strip() == wanted]
    return found[0] + start if len(found) == 1 else 1


def seed_error_line(project: Project, node: Node, message: str) -> int | None:
    """The line of the seed's CSV whose value did not load, None when the message names none
    or the file does not show it (the seed's declaration stays the place)."""
    record, quoted = _CSV_RECORD.search(message), _CSV_QUOTE.search(message)
    if record is None or quoted is None or not quoted.group(1).strip():
        return None
    text = project.files.read(node, file_path(node))
    if text is None:
        return None
    wanted = quoted.group(1).strip()
    lines = [line.strip() for line in text.splitlines()]
    named = int(record.group(1))
    if 0 < named <= len(lines) and lines[named - 1] == wanted:
        return named
    found = [n for n, line in enumerate(lines, 1) if line == wanted]
    return found[0] if len(found) == 1 else None
