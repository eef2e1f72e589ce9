"""Every change code the schema diff can emit explains itself, like a policy rule does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cli_support import plain_env, run_dbtgate

import dbtgate.diff
from dbtgate.codes import DOC_MODULES, code_docs
from dbtgate.diff.check import FIX_HINTS
from dbtgate.diff.classify import TAXONOMY

DIFF_PACKAGE = Path(dbtgate.diff.__file__).parent
CODE_LITERAL = re.compile(r"[\"']((?:breaking|risky|safe)\.[a-z_]+)[\"']")


def codes_in_sources() -> set[str]:
    """Every code written as a literal anywhere in the diff package (emitters, hints, docs)."""
    found: set[str] = set()
    for path in DIFF_PACKAGE.glob("*.py"):
        found.update(CODE_LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_diff_docs_module_is_listed() -> None:
    assert "dbtgate.diff.codes" in DOC_MODULES


def test_every_code_the_diff_can_emit_is_documented() -> None:
    emitted = codes_in_sources()
    # The emitter refuses codes outside the taxonomy, so the taxonomy is what can be emitted.
    assert emitted <= set(TAXONOMY), sorted(emitted - set(TAXONOMY))
    assert len(TAXONOMY) == 54
    documented = code_docs()
    assert set(TAXONOMY) - set(documented) == set()
    # Breaking and risky changes become findings, and every finding carries a fix hint.
    assert set(FIX_HINTS) == {code for code in TAXONOMY if not code.startswith("safe.")}


@pytest.mark.parametrize("code", sorted(TAXONOMY))
def test_each_code_says_what_why_and_how_to_fix(code: str) -> None:
    doc = code_docs()[code]
    klass = code.split(".")[0]
    assert doc.severity == {"breaking": "error", "risky": "warn", "safe": "info"}[klass]
    # The taxonomy's phrase, as a sentence like every other rule's summary.
    assert doc.summary == TAXONOMY[code][0].upper() + TAXONOMY[code][1:] + "."
    for text in (doc.what, doc.why, doc.fix, doc.example):
        assert text.strip() and text == text.strip()
    if code in FIX_HINTS:
        # The hint a finding carries is where the longer fix starts: written once.
        assert doc.fix.startswith(FIX_HINTS[code])
    if klass == "breaking":
        assert "new model version" in doc.fix and "breaking-change-ok" in doc.fix


def test_rules_command_explains_a_diff_code_as_a_user_sees_it(tmp_path: Path) -> None:
    done = run_dbtgate("rules", "breaking.type_changed", cwd=tmp_path, env=plain_env(COLUMNS="100"))
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert text.startswith("breaking.type_changed A" + TAXONOMY["breaking.type_changed"][1:])
    assert FIX_HINTS["breaking.type_changed"] in text
    assert "size or precision changes (varchar(20) -> varchar(50)) are not type changes" in text
