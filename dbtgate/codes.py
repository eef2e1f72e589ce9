"""Docs for finding codes that are not policy rules: breaking/risky/safe (diff), run, freshness,
kpi, lint.

A user who reads `breaking.column_removed` in a PR comment runs `dbtgate rules breaking.column_removed`
and must get the same what / why / how-to-fix a policy rule gets. Policy rules document themselves in
their decorator (`dbtgate.rules.registry`); the other families are not rules a config selects, so
each declares its codes as data in a `codes` module of its own, listed in `DOC_MODULES` and imported
only when docs are asked for (`dbtgate rules`, SARIF/HTML rule help).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

# Modules that call `document(...)` at import time, one per family that emits codes.
DOC_MODULES: tuple[str, ...] = (
    "dbtgate.diff.codes",
    "dbtgate.lint.codes",
    "dbtgate.status.codes",
    "dbtgate.waiver_codes",
)


@dataclass(frozen=True)
class CodeDoc:
    """One finding code: the same shape of docs as a rule, minus parameters."""

    code: str
    severity: str  # the severity the code is emitted with by default
    summary: str  # one line, for the `dbtgate rules` table
    what: str
    why: str
    fix: str
    example: str = ""  # a short illustration (YAML, SQL or a console line), optional


CODE_DOCS: dict[str, CodeDoc] = {}


def document(*docs: CodeDoc) -> None:
    """Register docs; a code documented twice is a programming error."""
    for doc in docs:
        if doc.code in CODE_DOCS and CODE_DOCS[doc.code] != doc:
            raise ValueError(f"finding code {doc.code} documented twice")
        CODE_DOCS[doc.code] = doc


@cache
def code_docs() -> dict[str, CodeDoc]:
    """Every documented non-rule code, its family modules imported on first use."""
    for module in DOC_MODULES:
        importlib.import_module(module)
    return dict(sorted(CODE_DOCS.items()))
