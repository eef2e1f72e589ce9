"""The note that `scope: changed` has no base to compare with: it must not contradict the lint
findings listed under it as outside the change (lint scoped them itself, from git)."""

from __future__ import annotations

from pathlib import Path

from diff_support import model, write_build

from dbtgate.checks import CheckContext
from dbtgate.config import Config
from dbtgate.findings import Finding
from dbtgate.gate import decide

PREFIX = "scope: changed, but there is no base build to compare with (--base): "


def notes(tmp_path: Path, *, with_lint: bool, lint_scoped: bool = True) -> list[str]:
    context = CheckContext(
        project=write_build(tmp_path, [model("orders")]), config=Config(scope="changed")
    )
    policy = Finding(code="owner.present", severity="error", message="orders has no owner")
    lint = Finding(code="lint.LT01", severity="error", message="spacing", changed=not lint_scoped)
    findings = [policy, lint] if with_lint else [policy]
    decide(findings, context, {id(lint)} if with_lint else set())
    return [note for note in context.notes if note.startswith(PREFIX)]


def test_without_a_base_the_note_excepts_the_lint_findings_git_scoped(tmp_path: Path) -> None:
    assert notes(tmp_path / "lint", with_lint=True) == [
        PREFIX + "findings on every resource are gated (lint's: only on the SQL lines changed "
        "since the base branch)"
    ]
    # Without git, lint counts every line as changed: nothing to except.
    assert notes(tmp_path / "no-git", with_lint=True, lint_scoped=False) == [
        PREFIX + "findings on every resource are gated"
    ]
    assert notes(tmp_path / "policies", with_lint=False) == [
        PREFIX + "findings on every resource are gated"
    ]
