"""A violation the change caused on a line it did not write blocks; old debt does not, and
`--fix` scoped to the change fixes the first and leaves the second, on real git repositories."""

from __future__ import annotations

from pathlib import Path

from lint_repos import commit_all, git, init_repo, lint_gate

CONFIG = "version: 1\nscope: changed\nlint: {enabled: true, dialect: duckdb}\n"
BASE = (
    "select\n"
    "    order_id,\n"
    "    amount as fee,\n"
    "    status   \n"  # old debt: trailing whitespace (LT01), on a line nobody edits
    "from {{ ref('orders') }}\n"
)


def pr_repo(root: Path, base: str, edited: str, model: str = "models/fees.sql") -> Path:
    """`base` committed on main, `edited` in its place on the checked-out `pr` branch."""
    init_repo(root)
    files = {"dbt_project.yml": "name: demo\nprofile: demo\n", "dbtgate.yml": CONFIG, model: base}
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    (root / model).write_text(edited)
    commit_all(root, "pull request")
    return root


def test_a_violation_the_change_caused_below_it_blocks_and_old_debt_does_not(tmp_path):
    # An upper-case SELECT makes the untouched lower-case `as` and `from` inconsistent (CP01):
    # new with the change, reported on lines it did not write.
    project = pr_repo(tmp_path, BASE, BASE.replace("select\n", "SELECT\n", 1))
    result, _ = lint_gate(project, scope="changed")
    cp01 = {f.line: f for f in result.findings if f.code == "lint.CP01"}
    assert sorted(cp01) == [3, 5]
    for finding in cp01.values():
        assert finding.disposition == "blocking"
        assert finding.details["caused_by_change"] is True
        assert "new with this change, which edited other lines" in finding.message
    [debt] = [f for f in result.findings if f.code == "lint.LT01"]
    assert (debt.line, debt.disposition) == (4, "out_of_scope")
    assert debt.details["caused_by_change"] is False


def test_the_same_old_violation_on_a_moved_line_is_still_old_debt(tmp_path):
    # A line inserted above shifts the old debt down: same text, same code, so not new.
    edited = BASE.replace("    order_id,\n", "    order_id,\n    customer_id,\n")
    project = pr_repo(tmp_path, BASE, edited)
    result, _ = lint_gate(project, scope="changed")
    assert [f.disposition for f in result.findings] == ["out_of_scope"]
    assert result.decision == "pass"


def test_against_a_base_build_the_manifests_sql_tells_old_debt_from_new(tmp_path):
    from dbtgate.config import LintConfig
    from dbtgate.lint.build_changes import changed_lines
    from dbtgate.lint.changes import ChangedFile
    from dbtgate.lint.dbt_project import read_dbt_project
    from dbtgate.lint.run import build_linter, lint_changed_file

    edited = BASE.replace("select\n", "SELECT\n", 1)
    project = pr_repo(tmp_path, BASE, edited)
    path = project / "models/fees.sql"
    before = BASE.strip()  # the base manifest's raw_code: the file, stripped
    change = ChangedFile(path, "modified", changed_lines(before, edited), base_text=before)
    lint_config = LintConfig(enabled=True, dialect="duckdb")
    linter, root, _, _ = build_linter(read_dbt_project(project), lint_config, None)
    violations = lint_changed_file(linter, root, path, [], change).violations
    assert {(v.code, v.line, v.caused) for v in violations} == {
        ("CP01", 3, True),
        ("CP01", 5, True),
        ("LT01", 4, False),
    }
