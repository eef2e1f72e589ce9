"""`lint.templater: dbt`: sqlfluff's dbt templater compiling the fixture with dbt-duckdb for real.

sqlfluff-templater-dbt pins the exact sqlfluff version it was released with, so it is the optional
`lint-dbt` extra rather than a core dependency; the `dev` extra includes it, so these tests run in
CI (they skip, saying why, in an environment without it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_repos import commit_all, lint_gate, shop_pr_repo

pytest.importorskip(
    "sqlfluff_templater_dbt", reason="sqlfluff-templater-dbt is not installed (docs/lint.md)"
)
pytest.importorskip("dbt.adapters.duckdb", reason="dbt-duckdb is not installed")

pytestmark = pytest.mark.slow  # dbt parses the project: about 15 s per test
PAYMENTS = "models/intermediate/int_order_payments.sql"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture PR in a git repository, with a DuckDB profile and the dbt templater pointed
    at both (profiles_dir and project_dir in the project's .sqlfluff)."""
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    project = shop_pr_repo(tmp_path / "repo")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {tmp_path / 'shop.duckdb'}\n      threads: 1\n"
    )
    (project / ".sqlfluff").write_text(
        f"[sqlfluff:templater:dbt]\nproject_dir = {project}\nprofiles_dir = {profiles}\n"
    )
    commit_all(project, "dbt templater settings")
    return project


def test_dbt_templater_finds_the_same_violations_on_the_same_lines(project):
    result, run = lint_gate(project, templater="dbt")
    assert run.templater == "dbt"
    assert {f.path for f in result.findings} == {PAYMENTS}
    blocking = {(f.code, f.line) for f in result.findings if f.disposition == "blocking"}
    assert blocking == {
        ("lint.LT05", 10),
        ("lint.CP03", 10),
        ("lint.CP01", 10),
        ("lint.LT01", 10),
        ("lint.LT05", 13),
    }
    assert {(f.code, f.line, f.column) for f in result.findings if f.line == 11} == {
        ("lint.LT01", 11, 63),
        ("lint.LT01", 11, 64),
    }
    assert {f.disposition for f in result.findings if f.line == 11} == {"out_of_scope"}


def test_a_model_dbt_cannot_compile_is_unparsable_and_the_run_still_ends(project):
    (project / "models/marts/broken.sql").write_text(
        "select\n    order_id\nfrom {{ ref('fct_orders' }}\n"
    )
    commit_all(project, "a broken model")
    result, run = lint_gate(project, templater="dbt")
    unparsable = {f.path: f for f in result.findings if f.code == "lint.unparsable"}
    broken = unparsable.pop("models/marts/broken.sql")
    assert broken.line == 3
    assert "Compilation Error in model broken (models/marts/broken.sql)" in broken.message
    assert broken.disposition == "blocking"
    # dbt compiles the whole project first, so the other changed files could not be linted:
    # each says so rather than passing silently.
    assert set(unparsable) == {linted.path for linted in run.files} - {"models/marts/broken.sql"}
    assert all(f.message.startswith("not linted: the dbt templater") for f in unparsable.values())
    assert result.decision == "fail"
