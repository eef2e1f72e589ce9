"""`dbtgate lint --fix`: the fix a lint finding names works when pasted, also on a model that
calls a project macro or reads `target` (plain `sqlfluff fix` does not know dbtgate's dbt stubs
and stops there), and fixes only the rules asked."""

from __future__ import annotations

import subprocess
import sys
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


def project(root: Path, model: str = "models/fees.sql", config: str = "dbtgate.yml") -> Path:
    files = {
        "dbt_project.yml": "name: demo\nprofile: demo\n",
        config: "version: 1\nlint: {enabled: true, dialect: duckdb}\n",
        "macros/cents.sql": "{% macro cents_to_dollars(c) %}({{ c }} / 100.0){% endmacro %}\n",
        model: MODEL,
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root / model


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


def fix_hints(stdout: str) -> list[str]:
    return [line.split("fix: ", 1)[1] for line in stdout.splitlines() if "fix: dbtgate" in line]


def test_a_hint_pasted_keeps_a_path_with_a_space_and_the_config_it_was_linted_with(tmp_path):
    import shlex

    model = project(tmp_path, "models/my folder/fees.sql", "ci/dbtgate.yml")
    linted = dbtgate("lint", "--all", "--config", "ci/dbtgate.yml", cwd=tmp_path)
    [hint] = [h for h in fix_hints(linted.stdout) if " CP01 " in h]
    assert hint == "dbtgate lint --fix CP01 'models/my folder/fees.sql' --config ci/dbtgate.yml"
    pasted = dbtgate(*shlex.split(hint)[1:], cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in pasted.stdout, pasted.stdout + pasted.stderr
    assert " AS " not in model.read_text()


def test_fix_given_a_file_fixes_every_fixable_rule_there(tmp_path):
    model = project(tmp_path)
    fixed = dbtgate("lint", "--fix", "models/fees.sql", cwd=tmp_path)
    assert "lint --fix: 1 file fixed (models/fees.sql)" in fixed.stdout, fixed.stderr
    assert " AS " not in model.read_text() and "   \n" not in model.read_text()


def test_fixed_file_names_are_printed_as_written_on_a_terminal_too(tmp_path):
    """On a terminal the line and the progress bar go through rich: a `[...]` in a file name of
    the pull request is text, not markup (`[link=...]` would hide a link, `[blink]` vanished)."""
    project(tmp_path, "models/[blink]fees.sql")
    env = {"NO_COLOR": "1", "PATH": "/usr/bin:/bin", "COLUMNS": "200", "TTY_COMPATIBLE": "1"}
    fixed = subprocess.run(
        [sys.executable, "-m", "dbtgate.cli", "lint", "--fix", "CP01", "--all"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert "lint --fix: 1 file fixed (models/[blink]fees.sql)" in fixed.stdout, fixed.stderr
    assert "\x1b[5m" not in fixed.stdout + fixed.stderr  # nor in the progress bar


def test_a_fix_keeps_the_files_crlf_line_endings(tmp_path):
    model = project(tmp_path)
    model.write_bytes(MODEL.replace("\n", "\r\n").encode())
    dbtgate("lint", "--fix", "CP01", "models/fees.sql", cwd=tmp_path)
    fixed = model.read_bytes()
    assert fixed == MODEL.replace(" AS ", " as ").replace("\n", "\r\n").encode()


def test_a_code_sqlfluff_will_not_fix_here_is_exit_2_not_nothing_fixed(tmp_path):
    project(tmp_path)
    (tmp_path / ".sqlfluff").write_text("[sqlfluff]\nexclude_rules = LT01\n")
    off = dbtgate("lint", "--fix", "LT01", "models/fees.sql", cwd=tmp_path)
    assert off.returncode == 2
    assert "--fix: LT01 is off in this project" in off.stderr
    manual = dbtgate("lint", "--fix", "RF04", "models/fees.sql", cwd=tmp_path)
    assert manual.returncode == 2
    assert "--fix: sqlfluff cannot fix RF04" in manual.stderr
