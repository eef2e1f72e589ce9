"""`dbtgate lint --fix`: the fix a lint finding names works when pasted, also on a model that
calls a project macro or reads `target` (plain `sqlfluff fix` does not know dbtgate's dbt stubs
and stops there), and fixes only the rules asked."""

from __future__ import annotations

from pathlib import Path

from policy_support import dbtgate

MODEL = (
    "select\n"
    "    order_id,\n"
    "    {{ cents_to_dollars('amount') }} AS fee,\n"
    "    '{{ target.schema }}' AS built_in,\n"
    "    SUM(amount) as total\n"
    "from {{ ref('orders') }}   \n"
    "group by order_id\n"
)


def project(root: Path) -> Path:
    files = {
        "dbt_project.yml": "name: demo\nprofile: demo\n",
        "dbtgate.yml": "version: 1\nlint: {enabled: true, dialect: duckdb}\n",
        "macros/cents.sql": "{% macro cents_to_dollars(c) %}({{ c }} / 100.0){% endmacro %}\n",
        "models/fees.sql": MODEL,
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root / "models" / "fees.sql"


def test_the_fix_a_finding_names_works_when_pasted_on_a_model_using_macros(tmp_path):
    model = project(tmp_path)
    linted = dbtgate("lint", "--all", cwd=tmp_path)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    fix = "fix: dbtgate lint --fix CP01 models/fees.sql"
    assert fix in linted.stdout
    pasted = dbtgate(*fix.removeprefix("fix: dbtgate ").split(), cwd=tmp_path)
    assert pasted.returncode in (0, 1), pasted.stderr
    assert "lint --fix: 1 file fixed (models/fees.sql)" in pasted.stdout
    # CP01 (keywords) fixed, in the file as written: the Jinja stays as it was; the trailing
    # spaces (LT01) were not asked for, and are still reported.
    assert model.read_text() == MODEL.replace(" AS ", " as ")
    assert "lint.CP01" not in pasted.stdout and "lint.LT01" in pasted.stdout


def test_from_the_repository_root_the_fix_names_the_project(tmp_path):
    project(tmp_path / "transform")
    linted = dbtgate("lint", "--all", "--project-dir", "transform", cwd=tmp_path)
    fix = "fix: dbtgate lint --fix CP01 transform/models/fees.sql --project-dir transform"
    assert fix in linted.stdout, linted.stdout
    pasted = dbtgate(*fix.removeprefix("fix: dbtgate ").split(), cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in pasted.stdout, pasted.stdout + pasted.stderr


def test_a_file_or_code_that_is_not_there_is_exit_2(tmp_path):
    project(tmp_path)
    missing = dbtgate("lint", "--fix", "CP01", "models/nope.sql", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("dbtgate: error: models/nope.sql: not a SQL file of the")
    unknown = dbtgate("lint", "--fix", "XX99", "--all", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "--fix: 'XX99' names no sqlfluff rule" in unknown.stderr
