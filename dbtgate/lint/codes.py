"""Docs for the lint family's own code, `lint.unparsable`.

The other lint codes are sqlfluff's (`lint.LT01`): `dbtgate.rules.sqlfluff_docs` explains them
from sqlfluff's own rule docs. `lint.unparsable` is dbtgate's: a file sqlfluff could not
template, lex or parse is a finding rather than a crash or a silent pass, and a user who reads
it in a PR comment needs to know why and what to do (`dbtgate rules lint.unparsable`).
"""

from __future__ import annotations

from dbtgate.codes import CodeDoc, document
from dbtgate.config import LintConfig

document(
    CodeDoc(
        code="lint.unparsable",
        severity=LintConfig().default_severity,
        summary="sqlfluff could not template, lex or parse a changed SQL file.",
        what="sqlfluff stopped on this file before it could lint all of it: the jinja did not "
        "render (a syntax error, or a name the stubbed dbt context does not define), the SQL "
        "did not lex or parse in the configured dialect, or sqlfluff gave up on the file. The "
        "message quotes the first problem; `details.problems` lists every one with its line. "
        "The other files are still linted.",
        why="A file that cannot be parsed cannot be linted: counting it as clean would let any "
        "violation in it through. It often also means the model will not compile in dbt.",
        fix="Read the quoted problem. Jinja: fix the template, or define the missing name "
        "under [sqlfluff:templater:jinja:context] or [sqlfluff:templater:jinja:macros] in "
        ".sqlfluff, or use `lint.templater: dbt` (docs/lint.md). SQL: fix the statement, or "
        "check `lint.dialect` / `dialect` in .sqlfluff. Severity: `lint.severity.unparsable`.",
        example="error  lint.unparsable  sqlfluff could not template or parse this file: "
        "Undefined jinja template variable: 'cents'",
    ),
)
