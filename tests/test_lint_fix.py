"""`dbtgate lint --fix`: the fix a lint finding names works when pasted, also on a model that
calls a project macro or reads `target` (plain `sqlfluff fix` does not know dbtgate's dbt stubs
and stops there), and fixes only the rules asked."""

from __future__ import annotations

import re
from pathlib import Path

from cli_support import dbtgate, gone_before_the_first_line, plain_env
from lint_repos import commit_all, git, init_repo

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
    fix = "dbtgate lint --fix CP01 models/fees.sql"
    assert fix in fix_hints(linted.stdout), linted.stdout
    pasted = dbtgate(*fix.removeprefix("dbtgate ").split(), cwd=tmp_path)
    assert pasted.returncode in (0, 1), pasted.stderr
    assert "lint --fix: 1 file fixed (models/fees.sql: 2 CP01)" in pasted.stdout
    # CP01 (keywords) fixed, in the file as written: the Jinja stays as it was; the trailing
    # spaces (LT01) were not asked for, and are still reported.
    assert model.read_text() == MODEL.replace(" AS ", " as ")
    assert "lint.CP01" not in pasted.stdout and "lint.LT01" in pasted.stdout


def test_from_the_repository_root_the_fix_names_the_project(tmp_path):
    project(tmp_path / "transform")
    linted = dbtgate("lint", "--all", "--project-dir", "transform", cwd=tmp_path)
    fix = "dbtgate lint --fix CP01 transform/models/fees.sql --project-dir transform"
    assert fix in fix_hints(linted.stdout), linted.stdout
    pasted = dbtgate(*fix.removeprefix("dbtgate ").split(), cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in pasted.stdout, pasted.stdout + pasted.stderr


def test_in_github_actions_the_fix_is_pasted_at_the_repository_root(tmp_path):
    """A monorepo's job runs in its project's folder (`working-directory: analytics`), but the
    author reads the hint on the pull request, where every file is named from the repository's
    root: the command is written for the root. Run by hand, it is for where the user is."""
    (tmp_path / ".git").mkdir()  # the repository's root, as `locate.display_root` finds it
    project(tmp_path / "analytics")
    in_ci = dbtgate("lint", "--all", cwd=tmp_path / "analytics", env={"GITHUB_ACTIONS": "true"})
    fix = "dbtgate lint --fix CP01 analytics/models/fees.sql --project-dir analytics"
    assert fix in fix_hints(in_ci.stdout), in_ci.stdout
    by_hand = dbtgate("lint", "--all", cwd=tmp_path / "analytics")
    assert "dbtgate lint --fix CP01 models/fees.sql" in fix_hints(by_hand.stdout), by_hand.stdout
    pasted = dbtgate(*fix.removeprefix("dbtgate ").split(), cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in pasted.stdout, pasted.stdout + pasted.stderr


def test_a_file_or_code_that_is_not_there_is_exit_2(tmp_path):
    project(tmp_path)
    missing = dbtgate("lint", "--fix", "CP01", "models/nope.sql", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == ["dbtgate: error: models/nope.sql: no such file"]
    typo = dbtgate("lint", "models/fee.sql", cwd=tmp_path)
    assert typo.returncode == 2
    assert typo.stderr.splitlines() == [
        "dbtgate: error: models/fee.sql: no such file (did you mean models/fees.sql?)"
    ]
    not_sql = dbtgate("lint", "dbt_project.yml", cwd=tmp_path)
    assert not_sql.returncode == 2
    assert not_sql.stderr.startswith("dbtgate: error: dbt_project.yml: not a SQL file of the")
    folder = dbtgate("lint", "models", cwd=tmp_path)  # as sqlfluff lint models/ is written
    assert folder.returncode == 2
    assert folder.stderr.splitlines() == [
        "dbtgate: error: models: a folder, not a SQL file: name its files (models/*.sql), or lint"
        " every SQL file of the project with --all"
    ]
    unknown = dbtgate("lint", "--fix", "XX99", "--all", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "--fix: 'XX99' names no sqlfluff rule" in unknown.stderr
    typo = dbtgate("lint", "--fix", "CP011", "--all", cwd=tmp_path)
    assert typo.returncode == 2
    assert "--fix: 'CP011' names no sqlfluff rule (did you mean CP01?)" in typo.stderr


def fix_hints(stdout: str) -> list[str]:
    """The commands the console's fix lines print (`fix: ...`, or once for a run of findings
    with one fix, `fix (this and the next 2): ...`)."""
    return re.findall(r"^ +fix(?: \([^)\n]*\))?: (dbtgate .*)$", stdout, re.M)


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
    assert "lint --fix: 1 file fixed (models/fees.sql: 2 CP01, 1 LT01)" in fixed.stdout, (
        fixed.stderr
    )
    assert " AS " not in model.read_text() and "   \n" not in model.read_text()


def test_fixed_file_names_are_printed_as_written_on_a_terminal_too(tmp_path):
    """On a terminal the line and the progress bar go through rich: a `[...]` in a file name of
    the pull request is text, not markup (`[link=...]` would hide a link, `[blink]` vanished)."""
    project(tmp_path, "models/[blink]fees.sql")
    fixed = dbtgate("lint", "--fix", "CP01", "--all", cwd=tmp_path, env={"TTY_COMPATIBLE": "1"})
    assert "lint --fix: 1 file fixed (models/[blink]fees.sql: 2 CP01)" in fixed.stdout, fixed.stderr
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


# A pull request on a legacy incremental model: one line inside the `{% if is_incremental() %}`
# block edited (double spaces, LT01); old debt elsewhere, in the SQL and inside the Jinja
# branches (trailing spaces, `=` without spaces, a branch that is not rendered), untouched.
LEGACY = (
    "{{ config(materialized='incremental', unique_key='order_id') }}\n"
    "select\n"
    "    order_id,\n"
    "    amount as fee,\n"
    "    status   \n"
    "from {{ ref('orders') }}\n"
    "{% if is_incremental() %}\n"
    "where updated_at > (select max(updated_at) from {{ this }})\n"
    "{% else %}\n"
    "where  order_id>0\n"
    "{% endif %}\n"
)
EDITED = LEGACY.replace("    amount as fee,", "    amount  as fee,")


def legacy_pr(root: Path, base: str = LEGACY, edited: str = EDITED) -> Path:
    """A git repository: `base` as models/fees.sql on main, `edited` on the `pr` branch."""
    from lint_repos import commit_all, git, init_repo

    init_repo(root)
    model = project(root)
    (root / "dbtgate.yml").write_text("version: 1\nscope: changed\nlint: {dialect: duckdb}\n")
    model.write_text(base)
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    model.write_text(edited)
    commit_all(root, "pull request")
    return model


def test_the_hint_for_a_changed_line_fixes_that_line_and_leaves_old_debt_and_jinja(tmp_path):
    import shlex

    model = legacy_pr(tmp_path)
    linted = dbtgate("lint", cwd=tmp_path)
    assert linted.returncode == 1, linted.stdout + linted.stderr
    # Scoped to the change (the blocking LT01 on line 4); the old debt's hint fixes the file.
    hints = fix_hints(linted.stdout)
    assert "dbtgate lint --fix LT01 models/fees.sql --base-ref main" in hints
    assert "dbtgate lint --fix LT01 models/fees.sql" in hints
    pasted = dbtgate(*shlex.split(hints[0])[1:], cwd=tmp_path)
    assert "lint --fix: 1 file fixed (models/fees.sql: 1 LT01)" in pasted.stdout, pasted.stdout
    assert model.read_text() == LEGACY
    assert pasted.returncode == 0, pasted.stdout


def test_fix_of_the_change_fixes_what_it_caused_on_other_lines_not_old_debt(tmp_path):
    # An upper-case SELECT makes the untouched `as` and `from` inconsistent: the change's doing.
    model = legacy_pr(tmp_path, edited=LEGACY.replace("select\n", "SELECT\n", 1))
    fixed = dbtgate("lint", "--fix", cwd=tmp_path)
    assert "lint --fix: 1 file fixed (models/fees.sql: 6 CP01)" in fixed.stdout, fixed.stdout
    lines = model.read_text().splitlines()
    assert lines[3:6] == ["    amount AS fee,", "    status   ", "FROM {{ ref('orders') }}"]
    # In both Jinja branches (sqlfluff lints the one not rendered too), the keywords (caused)
    # but not the old debt there: the indent (LT02), the spacing (LT01); the tags as they were.
    assert lines[6:] == [
        "{% if is_incremental() %}",
        "WHERE updated_at > (SELECT max(updated_at) FROM {{ this }})",
        "{% else %}",
        "WHERE  order_id>0",
        "{% endif %}",
    ]
    # The lint after the fix reads the old debt the fix left on the lines it rewrote as old debt
    # (it read "[new with this change, ...]" and blocked: the rewritten lines' text was not the
    # base's), and the change, fixed, passes.
    assert fixed.returncode == 0, fixed.stdout
    assert "new with this change" not in fixed.stdout
    outside = fixed.stdout.split("Outside the change", 1)[1]
    assert "models/fees.sql:10:6" in outside and "models/fees.sql:8:1, 10:1" in outside


def test_after_a_fix_what_the_change_caused_on_a_line_the_fix_rewrote_still_blocks(tmp_path):
    # `t.a` makes the untouched `b` inconsistent (RF03, the change's), and `SELECT` its `as` and
    # `from` (CP01); `b  as c` is old debt (LT01). Fixing CP01 rewrites line 3 and 4.
    base = "select\n    a,\n    b  as c\nfrom t\n"
    model = legacy_pr(tmp_path, base, "SELECT\n    t.a,\n    b  as c\nfrom t\n")
    fixed = dbtgate("lint", "--fix", "CP01", cwd=tmp_path)
    assert model.read_text() == "SELECT\n    t.a,\n    b  AS c\nFROM t\n"
    assert fixed.returncode == 1, fixed.stdout
    blocking, outside = fixed.stdout.split("Outside the change", 1)
    assert blocking.count("lint.RF03") == 2
    assert (
        blocking.count("[new with this change, which edited other lines]  models/fees.sql:3:5") == 2
    )
    assert "lint.LT01" not in blocking
    assert "lint.LT01 Expected only single space before 'AS' keyword." in outside


def test_old_debt_a_fix_moved_onto_the_number_of_a_changed_line_is_still_old_debt(tmp_path):
    # The edited line 1 is split in four by LT09's fix: every line below moves down three, the
    # old debt of line 3 onto line 6, which the change wrote before the fix; its line 6 onto 9.
    base = "select a, b\nfrom t\nwhere x  = 1\n    and y = 2\n    and z = 3\n    and w = 4\n"
    edited = base.replace("select a, b", "select a, b, c").replace("w = 4", "w  = 4")
    model = legacy_pr(tmp_path, base, edited)
    fixed = dbtgate("lint", "--fix", "LT09", cwd=tmp_path)
    assert model.read_text().splitlines()[:6] == [
        "select",
        "a,",
        "b,",
        "c",
        "from t",
        "where x  = 1",
    ]
    blocking, outside = fixed.stdout.split("Outside the change", 1)
    assert "models/fees.sql:6:" not in blocking and "models/fees.sql:6:8" in outside
    # The change's own line, moved, blocks as a line it wrote, not as one it did not.
    assert "(layout.spacing)  models/fees.sql:9:10" in blocking
    assert "new with this change" not in fixed.stdout


def test_a_fix_that_would_reach_an_untouched_line_is_refused_not_applied_in_part(tmp_path):
    base = "select\n    order_id\nfrom {{ ref('orders') }}\n"
    edited = "select\n    order_id\n    , amount\nfrom {{ ref('orders') }}\n"
    model = legacy_pr(tmp_path, base, edited)  # LT04 would move the comma onto line 2
    refused = dbtgate("lint", "--fix", "LT04", cwd=tmp_path)
    assert model.read_text() == edited
    assert (
        "lint --fix: not fixed models/fees.sql: the fixes would also change line 2, which the "
        "change did not touch; fix by hand, or the whole file: dbtgate lint --fix LT04 "
        "models/fees.sql"
    ) in refused.stdout, refused.stdout
    whole = dbtgate("lint", "--fix", "LT04", "models/fees.sql", cwd=tmp_path)
    assert "1 file fixed" in whole.stdout
    assert model.read_text() == "select\n    order_id,\n    amount\nfrom {{ ref('orders') }}\n"


def test_a_fix_after_which_the_file_would_not_parse_is_refused(tmp_path):
    from dbtgate.config import LintConfig
    from dbtgate.lint.dbt_project import read_dbt_project
    from dbtgate.lint.fix import fix_text
    from dbtgate.lint.run import _render, build_linter

    model = project(tmp_path)
    linter, root, _, _ = build_linter(
        read_dbt_project(tmp_path), LintConfig(dialect="duckdb"), None
    )
    raw, rendered = _render(linter, root, model, [str(tmp_path / "macros")])
    broken = linter.render_string("select (\n", str(model), rendered.config, "utf-8")
    outcome = fix_text(linter, rendered, raw, ["CP01"], None, lambda _text: broken)
    assert outcome.fixed is None
    assert outcome.refused == "the fixed file would no longer template or parse"
    assert fix_text(linter, rendered, raw, ["CP01"], None, lambda _text: rendered).fixed


def test_with_a_base_build_in_the_config_the_old_debt_hint_fixes_the_whole_file(tmp_path):
    """The config's `base:` directory makes `dbtgate lint FILE` measure the change, so the hint
    for old debt says --whole: pasted, it fixes the untouched lines too, not only the edit."""
    import json
    import shlex

    from test_lint_build_changes import write_manifest

    model = legacy_pr(tmp_path)
    (tmp_path / "main/models").mkdir(parents=True)
    (tmp_path / "main/models/fees.sql").write_text(LEGACY)
    write_manifest(
        tmp_path / "base_target", tmp_path / "main", {"model.demo.fees": "models/fees.sql"}
    )
    config = tmp_path / "dbtgate.yml"
    config.write_text(config.read_text() + "base: base_target\n")
    linted = dbtgate("lint", "--json", "gate.json", cwd=tmp_path)
    assert linted.returncode == 1, linted.stderr
    findings = json.loads((tmp_path / "gate.json").read_text())["findings"]
    hints = {(f["line"], f["code"]): f["fix"] for f in findings}
    assert hints[(4, "lint.LT01")] == "dbtgate lint --fix LT01 models/fees.sql --base base_target"
    assert hints[(5, "lint.LT01")] == "dbtgate lint --fix LT01 models/fees.sql --whole"
    without = dbtgate(*shlex.split(hints[(5, "lint.LT01")])[1:-1], cwd=tmp_path)
    assert "changed lines since the base build" in without.stdout, without.stdout
    assert "    status   \n" in model.read_text()  # the change fixed, the old debt left
    pasted = dbtgate(*shlex.split(hints[(5, "lint.LT01")])[1:], cwd=tmp_path)
    assert "every line counted as changed" in pasted.stdout, pasted.stdout
    assert "    status\n" in model.read_text() and "where order_id > 0" in model.read_text()


def test_whole_is_for_files_named_and_not_with_a_base(tmp_path):
    legacy_pr(tmp_path)
    alone = dbtgate("lint", "--whole", cwd=tmp_path)
    assert alone.returncode == 2
    assert alone.stderr.strip() == (
        "dbtgate: error: --whole lints the FILEs named whole: name them (or pass --all)"
    )
    both = dbtgate("lint", "--whole", "models/fees.sql", "--base-ref", "main", cwd=tmp_path)
    assert both.returncode == 2
    assert "--whole and --base-ref: the one counts every line" in both.stderr


def test_a_git_ref_given_as_base_measures_the_files_named_as_base_ref_does(tmp_path):
    """`--base REF` is read as --base-ref, with files named too: the edited line blocks, the old
    debt does not; the config's own base (`lint.base_ref`, or a git ref as `base:`, which
    `--base` defaults to) measures them the same, and `--whole` counts their every line."""
    import json

    legacy_pr(tmp_path)

    def dispositions(*args: str) -> dict[int, str]:
        linted = dbtgate("lint", "models/fees.sql", *args, "--json", "gate.json", cwd=tmp_path)
        assert linted.returncode == 1, linted.stderr
        findings = json.loads((tmp_path / "gate.json").read_text())["findings"]
        return {f["line"]: f["disposition"] for f in findings if f["code"] == "lint.LT01"}

    assert dispositions("--base-ref", "main") == {
        4: "blocking",
        5: "out_of_scope",
        10: "out_of_scope",
    }
    assert dispositions("--base", "main") == dispositions("--base-ref", "main")
    config = tmp_path / "dbtgate.yml"
    plain = config.read_text()
    config.write_text(plain.replace("duckdb", "duckdb, base_ref: main"))
    assert dispositions() == dispositions("--base-ref", "main")
    assert set(dispositions("--whole").values()) == {"blocking"}
    # So the old debt's hint, pasted, names --whole to fix the file whole.
    assert dbtgate("lint", "--json", "gate.json", cwd=tmp_path).returncode == 1
    findings = json.loads((tmp_path / "gate.json").read_text())["findings"]
    hints = {(f["line"], f["code"]): f["fix"] for f in findings}
    assert hints[(4, "lint.LT01")] == "dbtgate lint --fix LT01 models/fees.sql --base-ref main"
    assert hints[(5, "lint.LT01")] == "dbtgate lint --fix LT01 models/fees.sql --whole"
    config.write_text(plain + "base: main\n")
    assert dispositions() == dispositions("--base-ref", "main")
    assert set(dispositions("--whole").values()) == {"blocking"}
    config.write_text(plain)  # no base configured: the files named are linted whole
    assert set(dispositions().values()) == {"blocking"}


def test_a_reader_gone_before_the_first_line_leaves_lint_its_verdict(tmp_path):
    """`lint`'s own lines (`lint --fix: ...`, `lint: N files in ...`) came before the verdict
    was made to stand: a reader gone at once (`| head -0`), met by the first of them, turned a
    pass into an exit 1, whether Python buffered the output or not."""
    repo = init_repo(tmp_path / "repo")
    model = project(repo)
    model.unlink()
    commit_all(repo, "the project")
    git(repo, "checkout", "--quiet", "-b", "pr")
    model.write_text(MODEL)
    commit_all(repo, "a model with CP01 and LT01 to fix")
    for unbuffered in ({}, {"PYTHONUNBUFFERED": "1"}):
        env = plain_env(**unbuffered)
        model.write_text(MODEL)
        assert gone_before_the_first_line(["lint", "--all"], repo, env).returncode == 1
        # Fixed: the verdict, with the fix's own line first, is a pass.
        fixing = ["lint", "--fix", "CP01,LT01", "--all"]
        done = gone_before_the_first_line(fixing, repo, env)
        assert (done.returncode, done.stderr) == (0, ""), (unbuffered, done.stderr)
        assert model.read_text() != MODEL  # the fix was made, its line unread
        done = gone_before_the_first_line(["lint", "--all"], repo, env)
        assert (done.returncode, done.stderr) == (0, ""), (unbuffered, done.stderr)
        read = dbtgate("lint", "--all", cwd=repo, env=unbuffered)
        assert read.returncode == 0 and "lint: 1 file in " in read.stdout, read.stdout


# A config with CP01 off: a hint for CP01 pasted where it is read fails (`CP01 is off`).
NO_CP01 = "version: 1\nlint: {enabled: true, dialect: duckdb, rules: [LT01]}\n"


def report_hint(report: Path) -> str:
    """The CP01 hint of a `--json` report (written to paste at the repository's root)."""
    import json

    fixes = {f["fix"] for f in json.loads(report.read_text())["findings"]}
    [hint] = [fix for fix in fixes if fix.startswith("dbtgate lint --fix CP01 ")]
    return hint


def test_a_hint_printed_in_a_folder_of_another_config_names_the_config_the_run_read(tmp_path):
    """Run with --config from a folder holding a config of its own: the console's command,
    pasted there, must not read that folder's config (CP01 off) in place of the run's."""
    init_repo(tmp_path)
    model = project(tmp_path / "analytics", "models/marts/fees.sql")
    marts = model.parent
    (marts / "dbtgate.yml").write_text(NO_CP01)
    report = tmp_path / "lint.json"
    linted = dbtgate(
        "lint", "--all", "--config", "../../dbtgate.yml", "--json", str(report), cwd=marts
    )
    hint = "dbtgate lint --fix CP01 fees.sql --project-dir ../.. --config ../../dbtgate.yml"
    assert hint in fix_hints(linted.stdout), linted.stdout
    # The reports' command pastes at the root, which finds no config: the project's is read.
    assert report_hint(report) == (
        "dbtgate lint --fix CP01 analytics/models/marts/fees.sql --project-dir analytics"
    )
    # Without --config, pasted there, the folder's config is read, and CP01 is off in it.
    unnamed = dbtgate(*hint.split()[1:-2], cwd=marts)
    assert unnamed.returncode == 2 and "CP01 is off" in unnamed.stderr, unnamed.stderr
    pasted = dbtgate(*hint.split()[1:], cwd=marts)
    assert "lint --fix: 1 file fixed (fees.sql: 2 CP01)" in pasted.stdout, pasted.stderr
    assert " AS " not in model.read_text()
    model.write_text(MODEL)
    at_root = dbtgate(*report_hint(report).split()[1:], cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in at_root.stdout, at_root.stdout + at_root.stderr


def test_a_hint_names_no_config_the_folder_it_is_pasted_in_finds_by_itself(tmp_path):
    """The root holds a config of its own (CP01 off) and the project's folder the one read: from
    the project's folder the console's command needs no --config (it finds that one there),
    and the reports' command, pasted at the root, does."""
    init_repo(tmp_path)
    (tmp_path / "dbtgate.yml").write_text(NO_CP01)
    model = project(tmp_path / "analytics")
    report = tmp_path / "lint.json"
    linted = dbtgate("lint", "--all", "--json", str(report), cwd=tmp_path / "analytics")
    assert "dbtgate lint --fix CP01 models/fees.sql" in fix_hints(linted.stdout), linted.stdout
    hint = report_hint(report)
    assert hint == (
        "dbtgate lint --fix CP01 analytics/models/fees.sql --project-dir analytics "
        "--config analytics/dbtgate.yml"
    )
    pasted = dbtgate("lint", "--fix", "CP01", "models/fees.sql", cwd=tmp_path / "analytics")
    assert "lint --fix: 1 file fixed" in pasted.stdout, pasted.stdout + pasted.stderr
    model.write_text(MODEL)
    at_root = dbtgate(*hint.split()[1:], cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in at_root.stdout, at_root.stdout + at_root.stderr


def test_a_run_with_config_in_a_folder_of_two_configs_prints_a_hint_that_runs_there(tmp_path):
    """Two configs in one folder stop a command that looks for one; --config picks one, and so
    does the command the run prints."""
    model = project(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.dbtgate]\nlint = {enabled = true, dialect = 'duckdb', rules = ['LT01']}\n"
    )
    linted = dbtgate("lint", "--all", "--config", "dbtgate.yml", cwd=tmp_path)
    hint = "dbtgate lint --fix CP01 models/fees.sql --config dbtgate.yml"
    assert hint in fix_hints(linted.stdout), linted.stdout + linted.stderr
    pasted = dbtgate(*hint.split()[1:], cwd=tmp_path)
    assert "lint --fix: 1 file fixed" in pasted.stdout, pasted.stdout + pasted.stderr
    assert " AS " not in model.read_text()
