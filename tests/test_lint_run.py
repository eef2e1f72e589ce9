"""Lint behaviour a team relies on: unparsable files, noqa, severities, the project's sqlfluff
config, the dialect, exclusions and the dbt templater's prerequisites."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from cli_support import dbtgate
from lint_repos import commit_all, git, lint_gate, main_then_pr, shop_pr_repo

from dbtgate.artifacts.manifest import Manifest, ManifestMetadata
from dbtgate.config import Config, LintConfig
from dbtgate.errors import DbtgateError
from dbtgate.lint.dbt_project import read_dbt_project
from dbtgate.lint.run import find_dbt_profile, run_lint
from dbtgate.project import Project

PAYMENTS = "models/intermediate/int_order_payments.sql"
CLEAN = "select\n    order_id,\n    amount\nfrom {{ ref('orders') }}\n"


def pr_repo(root: Path, pr_files: dict[str, str], base_files: dict[str, str] | None = None) -> Path:
    """A one-project repository: `base_files` on main, then `pr_files` committed on `pr`."""
    files = {"dbt_project.yml": "name: demo\nprofile: demo\n", **(base_files or {})}
    return main_then_pr(root, files, dict(pr_files))


def test_model_that_cannot_template_is_unparsable_and_the_run_continues(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    (project / "models/marts/broken.sql").write_text(
        "select\n    order_id\nfrom {{ ref('fct_orders' }}\n"
    )
    commit_all(project, "a broken model")
    result, run = lint_gate(project)
    unparsable = [f for f in result.findings if f.code == "lint.unparsable"]
    assert len(unparsable) == 1
    finding = unparsable[0]
    assert finding.path == "models/marts/broken.sql"
    assert finding.line == 3
    assert "Failed to parse Jinja" in finding.message
    assert finding.disposition == "blocking"
    assert finding.details["problems"][0]["code"] == "TMP"
    # The files linted after it still were, and still report their violations.
    paths = [linted.path for linted in run.files]
    assert paths.index("models/marts/broken.sql") < paths.index("models/marts/customer_ltv.sql")
    assert len(paths) == 5
    assert any(f.code == "lint.CP01" and f.path == PAYMENTS for f in result.findings)


def test_undefined_macro_and_unparsable_sql_are_findings_with_the_file(tmp_path):
    project = pr_repo(
        tmp_path / "repo",
        {
            "models/undefined.sql": "select {{ no_such_macro('x') }} as x\nfrom t\n",
            "models/bad_sql.sql": "select a from (select a from t where\n",
            "models/fine.sql": CLEAN,
        },
    )
    result, run = lint_gate(project)
    unparsable = {f.path: f for f in result.findings if f.code == "lint.unparsable"}
    assert set(unparsable) == {"models/undefined.sql", "models/bad_sql.sql"}
    assert (
        "Undefined jinja template variable: 'no_such_macro'"
        in unparsable["models/undefined.sql"].message
    )
    assert "[sqlfluff:templater:jinja:context]" in unparsable["models/undefined.sql"].fix
    assert unparsable["models/bad_sql.sql"].details["problems"][0]["code"] == "PRS"
    assert "duckdb dialect" in unparsable["models/bad_sql.sql"].fix
    assert [f for f in result.findings if f.path == "models/fine.sql"] == []
    assert len(run.files) == 3


def test_noqa_comments_silence_their_line_only(tmp_path):
    model = "select\n    a,b,\n    c,d  -- noqa: LT01\nfrom t\n"
    project = pr_repo(tmp_path / "repo", {"models/m.sql": model})
    result, _ = lint_gate(project)
    spacing = [(f.line, f.column) for f in result.findings if f.code == "lint.LT01"]
    assert spacing == [(2, 7)]


def test_disable_noqa_in_the_project_config_is_honoured(tmp_path):
    model = "select\n    a,b,\n    c,d  -- noqa: LT01\nfrom t\n"
    project = pr_repo(
        tmp_path / "repo",
        {"models/m.sql": model, ".sqlfluff": "[sqlfluff]\ndisable_noqa = True\n"},
    )
    result, _ = lint_gate(project)
    assert sorted(f.line for f in result.findings if f.code == "lint.LT01") == [2, 3]


def test_severity_maps_per_code_name_and_group_most_specific_first(tmp_path):
    project = shop_pr_repo(tmp_path / "repo")
    result, _ = lint_gate(
        project,
        severity={"LT05": "warn", "capitalisation": "info", "capitalisation.functions": "error"},
    )
    seen = {(f.code, f.severity, f.disposition) for f in result.findings if f.line in (10, 13)}
    assert seen == {
        ("lint.LT05", "warn", "advisory"),
        ("lint.CP01", "info", "advisory"),
        ("lint.CP03", "error", "blocking"),
        ("lint.LT01", "error", "blocking"),
    }


def test_a_rendering_failure_sqlfluff_puts_on_line_1_has_no_line(tmp_path):
    """sqlfluff's jinja templater puts a failure while rendering (here a macro the model calls
    on line 3 calls a name no one defines) on line 1, knowing no line: the finding has no line,
    rather than send the reader to line 1, and its hint names none. A syntax error keeps the
    line jinja gives (`test_model_that_cannot_template_is_unparsable_and_the_run_continues`)."""
    project = pr_repo(
        tmp_path / "repo",
        {
            "dbtgate.yml": "scope: changed\nlint: {enabled: true, dialect: duckdb}\n",
            "macros/cents.sql": "{% macro cents(col) %}{{ not_a_macro(col) }}{% endmacro %}\n",
            "models/calls.sql": "select\n    id,\n    {{ cents('amount') }} as d\nfrom t\n",
        },
    )
    result, _ = lint_gate(project)
    [finding] = [f for f in result.findings if f.code == "lint.unparsable"]
    assert "Unrecoverable failure in Jinja templating: 'not_a_macro' is undefined" in (
        finding.message
    )
    assert finding.line is None
    assert finding.details["problems"][0]["line"] is None
    assert "line" not in finding.fix
    cli = dbtgate("lint", "--base-ref", "main", cwd=project)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "models/calls.sql:1" not in cli.stdout
    assert "models/calls.sql" in cli.stdout


def test_default_severity_and_unparsable_severity_are_configurable(tmp_path):
    project = pr_repo(tmp_path / "repo", {"models/bad.sql": "select {{ ref('x' }}\n"})
    result, _ = lint_gate(project, default_severity="warn", severity={"unparsable": "info"})
    assert [(f.code, f.severity, f.disposition) for f in result.findings] == [
        ("lint.unparsable", "info", "advisory")
    ]
    assert result.decision == "pass"


def test_unknown_severity_key_names_the_config_line(tmp_path):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    config = Config(lint=LintConfig(dialect="duckdb", severity={"LT99": "warn"}, line=7))
    config.path = project / "dbtgate.yml"
    with pytest.raises(DbtgateError, match=r"dbtgate.yml:7: lint.severity: 'LT99' is not"):
        run_lint(_project(project), config, base_ref="main")


def test_rules_allowlist_naming_no_rule_is_an_error_not_a_silent_pass(tmp_path):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": "SELECT a,b from t\n"})
    config = Config(lint=LintConfig(dialect="duckdb", rules=["CP01", "LT99"], line=4))
    config.path = project / "dbtgate.yml"
    with pytest.raises(DbtgateError, match=r"dbtgate.yml:4: lint.rules: 'LT99' names no sqlfluff"):
        run_lint(_project(project), config, base_ref="main")
    # Severity keys are checked against every rule, not only the allowlisted ones.
    result, _ = lint_gate(project, rules=["CP*"], severity={"layout": "warn", "CP01": "info"})
    assert {(f.code, f.severity) for f in result.findings} == {("lint.CP01", "info")}


def test_a_rule_in_the_project_sqlfluff_config_that_names_no_rule_is_an_error(tmp_path):
    """sqlfluff lints with no rule at all then (a logged warning) and every file passes."""
    sqlfluff = "[sqlfluff]\ndialect = duckdb\nrules = CP01, LT99\n"
    project = pr_repo(
        tmp_path / "repo", {"models/m.sql": "SELECT a,b from t\n"}, {".sqlfluff": sqlfluff}
    )
    config = Config(lint=LintConfig(line=4))
    config.path = project / "dbtgate.yml"
    with pytest.raises(DbtgateError, match=r"\.sqlfluff:3: rules: 'LT99' names no sqlfluff rule"):
        run_lint(_project(project), config, base_ref="main")
    # dbtgate's lint.rules replaces the project's list.
    result, _ = lint_gate(project, rules=["CP01"])
    assert {f.code for f in result.findings} == {"lint.CP01"}


@pytest.mark.parametrize(
    ("where", "text", "line", "problem"),
    [
        (".", "dialect = duckdb\n[sqlfluff]\n", 1, "no [sqlfluff] section header above this line"),
        (
            ".",
            "[sqlfluff]\ndialect = duckdb\n  indented\nnot a setting\n",
            4,
            "not a `key = value` line",
        ),
        (
            ".",
            "[sqlfluff]\ndialect = duckdb\ndialect = ansi\n",
            3,
            "option 'dialect' in section 'sqlfluff' already exists",
        ),
        # sqlfluff reads one in a subfolder while finding the SQL files
        ("models", "oops\n", 1, "no [sqlfluff] section header above this line"),
    ],
)
def test_a_malformed_sqlfluff_file_is_one_line_naming_the_file_and_line(
    tmp_path, where, text, line, problem
):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    if where != ".":
        (project / ".sqlfluff").write_text("[sqlfluff]\ndialect = duckdb\n")
    (project / where / ".sqlfluff").write_text(text)
    result = dbtgate("lint", "--project-dir", ".", "--all", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    shown = ".sqlfluff" if where == "." else f"{where}/.sqlfluff"
    assert result.stderr == f"dbtgate: error: {shown}:{line}: sqlfluff config: {problem}\n"


def test_project_sqlfluff_config_sets_rules_warnings_and_dialect(tmp_path, monkeypatch):
    model = "SELECT\n    a,b\nFROM t\nwhere a > 1 and b > 2 and a + b < 100 and a * b > 3 and b - a < 40\n"
    sqlfluff = (
        "[sqlfluff]\ndialect = duckdb\nexclude_rules = CP01\nwarnings = LT01\n"
        "max_line_length = 120\n"
    )
    project = pr_repo(tmp_path / "repo", {"models/m.sql": model, ".sqlfluff": sqlfluff})
    monkeypatch.chdir(project)  # where the fix command is pasted
    result, run = lint_gate(project, dialect=None)
    assert run.dialect == "duckdb" and run.dialect_flag == ""
    codes = {(f.code, f.severity) for f in result.findings}
    assert ("lint.LT01", "warn") in codes  # sqlfluff's own `warnings` setting
    assert not any(code in ("lint.CP01", "lint.LT05") for code, _ in codes)
    fix = next(f.fix for f in result.findings if f.code == "lint.LT01")
    assert fix == "dbtgate lint --fix LT01 models/m.sql"


def test_pyproject_and_nested_sqlfluff_configs_apply_as_for_sqlfluff_lint(tmp_path):
    model = "SELECT a, b FROM t where a > 1 and b > 2 and a + b > 3\n"
    pyproject = (
        '[tool.sqlfluff.core]\ndialect = "duckdb"\nmax_line_length = 40\nexclude_rules = "CP01"\n'
    )
    project = pr_repo(
        tmp_path / "repo",
        {
            "pyproject.toml": pyproject,
            "models/m.sql": model,
            "models/legacy/old.sql": model,
            "models/legacy/.sqlfluff": "[sqlfluff]\nexclude_rules = CP01,LT05\n",
        },
    )
    result, run = lint_gate(project, dialect=None)
    assert run.dialect == "duckdb"
    assert [linted.path for linted in run.files] == ["models/legacy/old.sql", "models/m.sql"]
    codes = {(f.path, f.code) for f in result.findings}
    assert ("models/m.sql", "lint.LT05") in codes  # 57 > 40, from pyproject.toml
    assert not any(code == "lint.CP01" for _, code in codes)
    assert not any(path == "models/legacy/old.sql" and code == "lint.LT05" for path, code in codes)


def test_rules_allowlist_from_dbtgate_config(tmp_path):
    model = "SELECT\n    a,b\nfrom t\n"
    project = pr_repo(tmp_path / "repo", {"models/m.sql": model})
    everything, _ = lint_gate(project)
    assert {f.code for f in everything.findings} > {"lint.CP01"}
    result, _ = lint_gate(project, rules=["CP01"])
    assert {f.code for f in result.findings} == {"lint.CP01"}


def test_dialect_comes_from_the_manifest_adapter_when_not_configured(tmp_path):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    manifest = Manifest(metadata=ManifestMetadata(project_name="demo", adapter_type="duckdb"))
    built = Project.from_manifest(manifest, project_dir=project)
    _, run = lint_gate(project, dialect=None, project=built)
    assert (run.dialect, run.dialect_flag) == ("duckdb", "--dialect duckdb ")

    unknown = Manifest(metadata=ManifestMetadata(project_name="demo", adapter_type="weirddb"))
    with pytest.raises(DbtgateError, match="no sqlfluff dialect for dbt adapter 'weirddb'"):
        lint_gate(
            project, dialect=None, project=Project.from_manifest(unknown, project_dir=project)
        )
    with pytest.raises(DbtgateError, match="no SQL dialect to lint with"):
        lint_gate(project, dialect=None)


def test_unknown_dialect_is_a_clear_error(tmp_path):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    with pytest.raises(DbtgateError, match=r"unknown sqlfluff dialect 'nosuch'.*duckdb"):
        lint_gate(project, dialect="nosuch")


def test_an_unknown_configured_dialect_names_its_config_line(tmp_path):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    (project / "dbtgate.yml").write_text("version: 1\nlint:\n  enabled: true\n  dialect: duckbd\n")
    result = dbtgate("lint", "--all", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "dbtgate: error: dbtgate.yml:4: lint.dialect: unknown sqlfluff dialect 'duckbd' (known: "
    )


def test_an_unknown_dialect_or_excluded_rule_in_sqlfluff_config_names_the_file(tmp_path):
    """sqlfluff itself only logs a warning for an unknown `exclude_rules` entry, and lints on
    with the rule the typo meant to turn off."""
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    (project / "dbtgate.yml").write_text("version: 1\nlint: {enabled: true}\n")
    (project / ".sqlfluff").write_text("[sqlfluff]\n# the warehouse\ndialect = duckbd\n")
    result = dbtgate("lint", "--all", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "dbtgate: error: .sqlfluff:3: dialect: unknown sqlfluff dialect 'duckbd' (known: "
    )
    (project / ".sqlfluff").unlink()
    (project / "pyproject.toml").write_text(
        '[tool.sqlfluff.templater]\ndialect = "x"\n\n[tool.sqlfluff.core]\ndialect = "duckbd"\n'
    )
    result = dbtgate("lint", "--all", cwd=project)
    assert result.stderr.startswith(
        "dbtgate: error: pyproject.toml:5: dialect: unknown sqlfluff dialect 'duckbd' (known: "
    )
    (project / "pyproject.toml").unlink()
    assert len(result.stderr.splitlines()) == 1
    (project / ".sqlfluff").write_text("[sqlfluff]\ndialect = duckdb\nexclude_rules = LT01, XX99\n")
    result = dbtgate("lint", "--all", cwd=project)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: .sqlfluff:3: exclude_rules: 'XX99' names no sqlfluff rule (a code like "
        "LT01, a name like layout.spacing, or a group like layout)\n",
    )
    # A misspelt name gets the one it is a typo of, as sqlfluff writes it; with another unknown
    # one beside it, each its own hint, and what a rule is called for the one with none.
    (project / ".sqlfluff").write_text(
        "[sqlfluff]\ndialect = duckdb\nexclude_rules = capitalisation.keyword\n"
    )
    result = dbtgate("lint", "--all", cwd=project)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: .sqlfluff:3: exclude_rules: 'capitalisation.keyword' names no sqlfluff "
        "rule (did you mean capitalisation.keywords?)\n",
    )
    (project / ".sqlfluff").write_text(
        "[sqlfluff]\ndialect = duckdb\nexclude_rules = Capitalisation.Keyword, XX99\n"
    )
    result = dbtgate("lint", "--all", cwd=project)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: .sqlfluff:3: exclude_rules: 'Capitalisation.Keyword' (did you mean "
        "capitalisation.keywords?), 'XX99' names no sqlfluff rule (a code like LT01, a name like "
        "layout.spacing, or a group like layout)\n",
    )


def test_a_rule_that_crashes_on_a_setting_says_so_without_a_traceback(tmp_path):
    """`max_line_length = abc` makes sqlfluff's LT05 raise: sqlfluff logs the traceback and
    reports "Unexpected exception ... open an issue"; the finding names the likely cause."""
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    (project / ".sqlfluff").write_text("[sqlfluff]\ndialect = duckdb\nmax_line_length = abc\n")
    result = dbtgate("lint", "--all", "--json", "-", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "threw an Exception" not in result.stderr
    [crash] = [f for f in json.loads(result.stdout)["findings"] if f["code"] == "lint.LT05"]
    assert crash["message"].startswith(
        "sqlfluff's rule LT05 failed on this file ('<=' not supported between instances of 'str' "
        "and 'int'): is one of its settings in the sqlfluff config of the wrong type?"
    )
    assert crash["fix"].startswith("check the settings of LT05 in the sqlfluff config")


@pytest.mark.parametrize(
    ("pyproject", "said"),
    [
        ("tool = 5\n", "AttributeError: 'int' object has no attribute 'get'"),
        ("tool.sqlfluff = 5\n", "AttributeError: 'int' object has no attribute 'items'"),
        ('[tool.sqlfluff]\ncore = "x"\n', "AssertionError: Expected `core` to be a section"),
    ],
)
def test_a_pyproject_toml_sqlfluff_cannot_read_is_named(tmp_path, pyproject, said):
    """sqlfluff reads the `tool` table of a pyproject.toml beside the project unguarded: one of
    another shape was an internal error of dbtgate's, naming no file."""
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    (project / "pyproject.toml").write_text(pyproject)
    result = dbtgate("lint", "--all", "--json", "-", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        "dbtgate: error: pyproject.toml: sqlfluff config: not in the sections sqlfluff reads ("
        + said
    ), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_malformed_dbt_project_yml_says_what_is_wrong_at_its_line(tmp_path):
    """The lint's error named the line only, where `dbtgate init` on the same file said what
    the mistake is and how to fix it (a tab)."""
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    (project / "dbt_project.yml").write_text("name: demo\n\tprofile: demo\n")
    result = dbtgate("lint", "--all", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.endswith(
        "dbt_project.yml:2: not valid YAML: found character '\\t' that cannot start any token "
        "(YAML indents with spaces, not tabs)\n"
    ), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_exclude_globs_and_sqlfluffignore_leave_files_out(tmp_path):
    bad = "SELECT a FROM t\n"
    project = pr_repo(
        tmp_path / "repo",
        {
            "models/legacy/old.sql": bad,
            "models/staging/ignored.sql": bad,
            "models/staging/kept.sql": bad,
            ".sqlfluffignore": "models/staging/ignored.sql\n",
        },
    )
    _, run = lint_gate(project, exclude=["models/legacy/*"])
    assert [linted.path for linted in run.files] == ["models/staging/kept.sql"]


def test_sql_outside_model_analysis_and_test_paths_is_not_linted(tmp_path):
    project = pr_repo(
        tmp_path / "repo",
        {
            "dbt_project.yml": "name: demo\nmodel-paths: [transform]\n",
            "transform/m.sql": CLEAN,
            "analyses/a.sql": CLEAN,
            "macros/x.sql": "{% macro x() %}1{% endmacro %}\n",
            "scripts/setup.sql": CLEAN,
            # dbt reads generic test definitions as macros; singular tests are SQL.
            "tests/generic/is_even.sql": "{% test is_even(model, column_name) %}\n"
            "select * from {{ model }} where {{ column_name }} % 2 = 1\n{% endtest %}\n",
            "tests/assert_one.sql": CLEAN,
        },
    )
    _, run = lint_gate(project)
    assert [linted.path for linted in run.files] == [
        "analyses/a.sql",
        "tests/assert_one.sql",
        "transform/m.sql",
    ]


def test_no_changed_sql_passes_with_a_note(tmp_path):
    project = pr_repo(tmp_path / "repo", {"README.md": "docs only\n"}, {"models/m.sql": CLEAN})
    result, run = lint_gate(project)
    assert run.files == []
    assert result.decision == "pass"
    assert (
        "lint: no SQL files to lint changed since main (`dbtgate lint --all` lints every file)"
    ) in result.notes


def test_changed_sql_all_excluded_is_said_so(tmp_path):
    """`lint.exclude` leaving out every changed file: "no SQL files changed" was false."""
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN, "models/n.sql": CLEAN})
    result, run = lint_gate(project, exclude=["models/*"])
    assert run.files == [] and run.excluded_changed == 2
    assert (
        "lint: 2 SQL files changed since main, all left out by lint.exclude in the config: no "
        "SQL linted"  # (a Config made in process: no file)
    ) in result.notes


def test_dbt_templater_without_the_plugin_is_a_clear_error(tmp_path, monkeypatch):
    # The dev environment has the plugin (tests/test_lint_dbt_templater.py runs it): hide it.
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "sqlfluff_templater_dbt" else find_spec(name, *a),
    )
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    with pytest.raises(DbtgateError, match="sqlfluff-templater-dbt is not installed"):
        lint_gate(project, templater="dbt")


def test_dbt_templater_needs_a_profile(tmp_path, monkeypatch):
    project = pr_repo(tmp_path / "repo", {"models/m.sql": CLEAN})
    files = read_dbt_project(project)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    with pytest.raises(DbtgateError, match=r"there is no dbt profile .*profiles.yml not found"):
        find_dbt_profile(files, None, None)

    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text("other:\n  target: dev\n")
    monkeypatch.setenv("DBT_PROFILES_DIR", str(profiles))
    with pytest.raises(DbtgateError, match="no profile 'demo'"):
        find_dbt_profile(files, None, None)

    (profiles / "profiles.yml").write_text("demo:\n  target: dev\n")
    assert find_dbt_profile(files, None, None) == profiles / "profiles.yml"


def _project(project_dir: Path) -> Project:
    from dbtgate.lint.run import project_without_build

    return project_without_build(project_dir)


def test_a_symbolic_link_out_of_the_project_is_not_linted(tmp_path):
    """A pull request could point a model file at any file of the CI machine, whose text lint
    would quote in a finding; a link inside the project is linted as the file it names."""
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("GITHUB_TOKEN=ghs_not_for_a_comment\n")
    project = pr_repo(tmp_path / "repo", {"models/kept.sql": CLEAN})
    (project / "models" / "leak.sql").symlink_to(secret)
    (project / "models" / "alias.sql").symlink_to(project / "models" / "kept.sql")
    _, run = lint_gate(project, lint_all=True)
    assert [linted.path for linted in run.files] == ["models/kept.sql"]


def test_a_codes_findings_read_file_by_file_in_line_order(tmp_path):
    """They were ordered by the offending line's text (their fingerprint key): a file's places
    printed as `:4:5, 3:5`, and another file's finding came between two of this one's."""
    sql = "select\n    sum(z) as z,\n    MAX(b) as b,\n    MAX(a) as a\nfrom {{ ref('t') }}\n"
    project = pr_repo(
        tmp_path / "repo",
        {"models/a.sql": sql, "models/b.sql": sql},
        {"dbtgate.yml": "lint: {dialect: duckdb}\n"},
    )
    result, _ = lint_gate(project)
    places = [(f.path, f.line) for f in result.findings if f.code == "lint.CP03"]
    assert places == [
        ("models/a.sql", 3),
        ("models/a.sql", 4),
        ("models/b.sql", 3),
        ("models/b.sql", 4),
    ]
    cli = dbtgate("lint", cwd=project)
    assert "models/a.sql:3:5, 4:5\n" in cli.stdout, cli.stdout


def test_a_change_to_a_macro_is_named_in_the_notes_with_the_callers_linted(tmp_path):
    """A pull request of a macro alone said only "no SQL files to lint changed": the reader
    could not tell the macro was seen. The notes name it and the callers it re-rendered
    (tests/test_lint_macro_change.py has what is gated there)."""
    macro = "{% macro cents(col) %}{{ col }} / 100{% endmacro %}\n"
    model = "select\n    {{ cents('amount') }} as dollars\nfrom {{ ref('t') }}\n"
    project = pr_repo(
        tmp_path / "repo",
        {"macros/cents.sql": macro.replace("100", "100.0")},
        {
            "dbtgate.yml": "lint: {dialect: duckdb}\n",
            "macros/cents.sql": macro,
            "models/a.sql": model,
        },
    )
    cli = dbtgate("lint", cwd=project)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert (
        "note: lint: 1 macro changed (macros/cents.sql): 1 SQL file calling them renders "
        "differently, linted too (models/a.sql); only what the macro change caused there blocks\n"
    ) in cli.stdout
    # The caller edited too is linted as the pull request's own file, once.
    (project / "models/a.sql").write_text(model.replace("select", "SELECT"))
    _, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/a.sql"]
    assert run.files[0].change.status == "modified"
    assert run.notes == [
        "lint: 1 macro changed (macros/cents.sql): no SQL file calling them that the change left "
        "as it was renders differently"
    ]


def test_the_pr_comment_of_a_lint_without_a_build_does_not_date_a_manifest(tmp_path):
    """`dbtgate lint` reads no manifest: its comment said "the gate of the build whose
    manifest dbt wrote at unknown"."""
    project = pr_repo(
        tmp_path / "repo", {"models/a.sql": CLEAN}, {"dbtgate.yml": "lint: {dialect: duckdb}\n"}
    )
    cli = dbtgate("lint", "--format", "md", "--out", "reports", cwd=project)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    comment = (project / "reports" / "gate.md").read_text()
    assert "Config digest: `" in comment
    assert "; no dbt build's manifest was read.\n" in comment
    assert "wrote at" not in comment


def test_the_console_says_what_the_changed_lines_were_measured_against(tmp_path):
    """`dbtgate lint` finds its base itself (main, origin/main, ...): which one it took, and
    the dialect it chose, were said nowhere, so a newcomer could not tell a lint of the change
    from one of every line."""
    project = pr_repo(
        tmp_path / "repo", {"models/a.sql": CLEAN}, {"dbtgate.yml": "lint: {dialect: duckdb}\n"}
    )
    merge_base = git(project, "rev-parse", "--short=7", "main").strip()
    first = dbtgate("lint", cwd=project).stdout.splitlines()[0]
    assert first.endswith(
        f"; changed lines measured against main (merge base {merge_base}), dialect duckdb"
    ), first
    (project / ".git").rename(project / "not-git")
    first = dbtgate("lint", "--all", cwd=project).stdout.splitlines()[0]
    assert first.endswith("; no base: every line counts as changed, dialect duckdb"), first
