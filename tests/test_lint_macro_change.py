"""A pull request that edits a macro lints the SQL files whose rendering it changed, and blocks
only on what the macro change caused there, on real git repositories (and, for which files call
a macro, against dbt's own `depends_on.macros`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate
from lint_repos import (
    commit_all,
    dbt_lint_report,
    dbt_templater_sqlfluff,
    duckdb_profiles,
    git,
    init_repo,
    lint_gate,
    main_then_pr,
    needs_dbt_templater,
)

from dbtgate.base import find_dbt

CONFIG = "scope: changed\nlint: {enabled: true, dialect: duckdb}\n"
CENTS = (
    "{% macro cents(col) %}{{ adapter.dispatch('cents')(col) }}{% endmacro %}\n"
    "{% macro default__cents(col) %}{{ col }} / 100{% endmacro %}\n"
)
# RF03: once the macro qualifies its column (`t.amount`), the model's own unqualified `id` is
# inconsistent, on a line of the model no one edited. `id  as x` is the model's old debt (LT01).
DIRECT = "select\n    {{ cents('amount') }} as dollars,\n    id  as x\nfrom {{ ref('t') }} as t\n"
# Through another macro: dollars() calls cents().
DOLLARS = "{% macro dollars(col) %}round({{ cents(col) }}, 2){% endmacro %}\n"
THROUGH = "select\n    {{ dollars('amount') }} as d,\n    id\nfrom {{ ref('t') }} as t\n"
# Names `cents` as a column: the scan proposes it, its rendering does not change.
NAMESAKE = "select\n    cents,\n    id\nfrom {{ ref('t') }} as t\n"
UNRELATED = "select\n    amount,\n    id\nfrom {{ ref('t') }} as t\n"
FILES = {
    "dbt_project.yml": "name: demo\nversion: '1.0'\nprofile: demo\n",
    "dbtgate.yml": CONFIG,
    "macros/cents.sql": CENTS,
    "macros/dollars.sql": DOLLARS,
    "models/direct.sql": DIRECT,
    "models/through.sql": THROUGH,
    "models/namesake.sql": NAMESAKE,
    "models/unrelated.sql": UNRELATED,
    "models/t.sql": "select 1 as id, 100 as amount, 1 as cents\n",
}


def macro_pr(
    root: Path, edits: dict[str, str | None], settings: dict[str, str] | None = None
) -> Path:
    """FILES (`settings` in place of or beside theirs) on main, then `edits` (None: deleted)
    committed on the checked-out `pr` branch."""
    return main_then_pr(root, FILES | (settings or {}), edits)


QUALIFIED = CENTS.replace("{{ col }} / 100", "t.{{ col }} / 100")


def test_a_macro_change_lints_its_callers_and_blocks_only_what_it_caused(tmp_path):
    project = macro_pr(tmp_path, {"macros/cents.sql": QUALIFIED})
    result, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/direct.sql", "models/through.sql"]
    assert run.notes == [
        "lint: 1 macro changed (macros/cents.sql): 2 SQL files calling them render differently, "
        "linted too (models/direct.sql, models/through.sql); only what the macro change caused "
        "there blocks"
    ]
    found = sorted((f.path, f.line, f.code, f.disposition) for f in result.findings)
    assert found == [
        ("models/direct.sql", 3, "lint.RF03", "blocking"),
        ("models/direct.sql", 3, "lint.RF03", "blocking"),
        ("models/through.sql", 3, "lint.RF03", "blocking"),
        ("models/through.sql", 3, "lint.RF03", "blocking"),
    ]
    for finding in result.findings:
        assert finding.details["caused_by_change"] is True
        assert finding.message.endswith(
            "[new with this change to macros/cents.sql, which this file calls]"
        )
    # The console says it as the reader sees it, the fix measured against the same base.
    cli = dbtgate("lint", cwd=project)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "2 SQL files calling them render differently" in cli.stdout
    assert "fix: dbtgate lint --fix RF03 models/direct.sql --base-ref main\n" in cli.stdout


def test_a_caller_is_rendered_twice_today_and_with_the_bases_macros(tmp_path, monkeypatch):
    """The two renderings that tell a caller's SQL changed are the ones its lint lints: direct.sql
    has violations, so both are linted; neither is made again (it was rendered four times)."""
    from sqlfluff.core import Linter

    project = macro_pr(tmp_path, {"macros/cents.sql": QUALIFIED})
    rendered: list[str] = []
    render_string = Linter.render_string

    def counted(self, in_str, fname, config, encoding):
        rendered.append(Path(fname).name)
        return render_string(self, in_str, fname, config, encoding)

    monkeypatch.setattr(Linter, "render_string", counted)
    result, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/direct.sql", "models/through.sql"]
    assert rendered.count("direct.sql") == 2 and rendered.count("through.sql") == 2
    assert {f.code for f in result.findings} == {"lint.RF03"}


def test_a_fix_of_the_callers_lints_them_as_fixed_and_leaves_their_old_debt_old(tmp_path):
    """`lint --fix RF03` qualifies the callers' `id` (as the changed macro does); the lint after
    it renders them as fixed, and the old debt on the line the fix rewrote (`t.id  as x`, LT01)
    is the caller's, not the macro change's."""
    project = macro_pr(tmp_path, {"macros/cents.sql": QUALIFIED})
    fixed = dbtgate("lint", "--fix", "RF03", cwd=project)
    assert "lint --fix: 2 files fixed" in fixed.stdout, fixed.stdout
    assert (project / "models/direct.sql").read_text() == DIRECT.replace("    id", "    t.id")
    assert fixed.returncode == 0, fixed.stdout
    assert "PASS — no blocking findings, 0 non-blocking" in fixed.stdout


def test_with_all_the_callers_old_debt_is_listed_outside_the_change(tmp_path):
    project = macro_pr(tmp_path, {"macros/cents.sql": QUALIFIED})
    result, _ = lint_gate(project, lint_all=True)
    [debt] = [f for f in result.findings if f.code == "lint.LT01"]
    assert (debt.path, debt.line, debt.disposition) == ("models/direct.sql", 3, "out_of_scope")
    caused = {(f.path, f.disposition) for f in result.findings if f.code == "lint.RF03"}
    assert caused == {("models/direct.sql", "blocking"), ("models/through.sql", "blocking")}


def test_a_macro_change_that_breaks_its_callers_sql_blocks_as_unparsable(tmp_path):
    # A stray keyword in the macro: both callers stop parsing; before, they parsed.
    broken = CENTS.replace("{{ col }} / 100", "{{ col }} / 100 from")
    project = macro_pr(tmp_path, {"macros/cents.sql": broken})
    result, _ = lint_gate(project)
    unparsable = {f.path: f for f in result.findings if f.code == "lint.unparsable"}
    assert sorted(unparsable) == ["models/direct.sql", "models/through.sql"]
    for finding in unparsable.values():
        assert finding.disposition == "blocking"
        assert "[new with this change to macros/cents.sql, which this file calls]" in (
            finding.message
        )


def test_a_deleted_macro_fails_its_callers(tmp_path):
    project = macro_pr(tmp_path, {"macros/dollars.sql": None})
    result, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/through.sql"]
    [finding] = [f for f in result.findings if f.code == "lint.unparsable"]
    assert finding.disposition == "blocking"
    assert "Undefined jinja template variable: 'dollars'" in finding.message
    assert finding.message.endswith(
        "[new with this change to macros/dollars.sql, which this file calls]"
    )


def test_a_macro_change_that_renders_alike_lints_nothing_and_says_so(tmp_path):
    # A comment in the macro: no caller's SQL changes.
    commented = CENTS.replace("{% macro cents", "{# cents #}\n{% macro cents")
    project = macro_pr(tmp_path, {"macros/cents.sql": commented})
    result, run = lint_gate(project)
    assert run.files == [] and result.findings == []
    assert run.notes == [
        "lint: 1 macro changed (macros/cents.sql): no SQL file calling them that the change left "
        "as it was renders differently"
    ]


def test_an_edited_model_is_measured_against_the_base_macros_too(tmp_path):
    # The model's first line is edited; the macro's qualified column makes its untouched line 3
    # inconsistent. Measured against today's macros, that read as old debt.
    edited = DIRECT.replace("select\n", "select distinct\n")
    project = macro_pr(tmp_path, {"macros/cents.sql": QUALIFIED, "models/direct.sql": edited})
    result, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/direct.sql", "models/through.sql"]
    direct = [f for f in result.findings if f.path == "models/direct.sql"]
    rf03 = [f for f in direct if f.code == "lint.RF03"]
    assert rf03 and all(f.disposition == "blocking" for f in rf03)
    assert all(f.message.endswith("[new with this change, which edited other lines]") for f in rf03)
    assert [f.disposition for f in direct if f.code == "lint.LT01"] == ["out_of_scope"]


def test_a_pull_request_without_a_macro_lints_only_its_files(tmp_path):
    project = macro_pr(tmp_path, {"models/unrelated.sql": UNRELATED.replace("amount", "amt")})
    _, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/unrelated.sql"]
    assert run.notes == []


def shared_macro_pr(
    root: Path,
    edits: dict[str, str],
    settings: dict[str, str] | None = None,
    *,
    shared_models: bool = False,
) -> Path:
    """A monorepo: FILES as the dbt project in `project/`, but cents() in the repository's
    `shared_macros/` (`macro-paths: [macros, ../shared_macros]`), which dollars() in the
    project's macros calls; `edits` (paths in the repository) on the `pr` branch. With
    `shared_models`, the model the others select from is in the repository's `shared_models/`
    too (`model-paths: [models, ../shared_models]`). Returns the project's folder."""
    files = {f"project/{relative}": text for relative, text in FILES.items()}
    files["shared_macros/cents.sql"] = files.pop("project/macros/cents.sql")
    files["project/dbt_project.yml"] += "macro-paths: [macros, ../shared_macros]\n"
    if shared_models:
        files["shared_models/t.sql"] = files.pop("project/models/t.sql")
        files["project/dbt_project.yml"] += "model-paths: [models, ../shared_models]\n"
    init_repo(root)
    for relative, text in (files | (settings or {})).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    commit_all(root, "base")
    git(root, "checkout", "--quiet", "-b", "pr")
    for relative, text in edits.items():
        (root / relative).write_text(text)
    commit_all(root, "pull request")
    return root / "project"


def test_a_change_to_macros_shared_from_outside_the_project_lints_its_callers(tmp_path):
    project = shared_macro_pr(tmp_path, {"shared_macros/cents.sql": QUALIFIED})
    result, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/direct.sql", "models/through.sql"]
    # (Named from the repository's folder by the command: `dbtgate lint` shows where it ran.)
    assert "shared_macros/cents.sql): 2 SQL files calling them render differently" in run.notes[0]
    found = sorted((f.path, f.line, f.code, f.disposition) for f in result.findings)
    assert found == [
        ("models/direct.sql", 3, "lint.RF03", "blocking"),
        ("models/direct.sql", 3, "lint.RF03", "blocking"),
        ("models/through.sql", 3, "lint.RF03", "blocking"),
        ("models/through.sql", 3, "lint.RF03", "blocking"),
    ]


@pytest.mark.slow
def test_the_files_found_calling_a_macro_are_those_dbt_records(tmp_path):
    """dbt's own `depends_on.macros` (through macros' own) names the same callers as the scan:
    the direct one, the one through dollars(), and not the model naming `cents` as a column."""
    project = macro_pr(tmp_path, {"macros/cents.sql": QUALIFIED})
    (project / "profiles.yml").write_text(
        f"demo:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{tmp_path / 'dev.duckdb'}'\n"
    )
    done = subprocess.run(
        [find_dbt(os.environ), "parse", "--profiles-dir", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        check=False,
    )
    assert done.returncode == 0, done.stdout
    manifest = json.loads((project / "target/manifest.json").read_text())
    macros = manifest["macros"]
    changed = {
        uid for uid, macro in macros.items() if macro["original_file_path"] == "macros/cents.sql"
    }

    def reaches(uids: list[str]) -> bool:
        return any(
            uid in changed or reaches(macros[uid]["depends_on"]["macros"])
            for uid in uids
            if uid in macros
        )

    by_dbt = sorted(
        node["original_file_path"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and reaches(node["depends_on"]["macros"])
    )
    _, run = lint_gate(project)
    assert by_dbt == ["models/direct.sql", "models/through.sql"]
    assert [linted.path for linted in run.files] == by_dbt


@pytest.mark.slow
@needs_dbt_templater
def test_under_the_dbt_templater_the_callers_are_compiled_with_the_bases_macros_too(tmp_path):
    """sqlfluff's dbt templater compiles the project with dbt: the callers are rendered by dbt
    in a copy of the project that has the base's macros (`lint.dbt_base`), and gated as under
    the jinja templater: what the macro change caused blocks, their old debt is not listed."""
    profiles = duckdb_profiles(tmp_path, "demo")
    root = tmp_path / "repo"
    report = tmp_path / "lint.json"
    settings = {
        ".sqlfluff": dbt_templater_sqlfluff(root, profiles),
        "dbtgate.yml": CONFIG.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    project = macro_pr(root, {"macros/cents.sql": QUALIFIED}, settings)
    # Beside the project, as a DuckDB setup has them: linked into the copy, not copied.
    (project / "local.duckdb").write_bytes(b"\0" * 4096)
    (project / ".venv").mkdir()
    (project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    linted = dbt_lint_report(project, report)
    assert linted["sections"]["lint"]["templater"] == "dbt"
    assert linted["sections"]["lint"]["files"] == ["models/direct.sql", "models/through.sql"]
    assert linted["notes"] == [
        "lint: 1 macro changed (macros/cents.sql): 2 SQL files calling them render differently, "
        "linted too (models/direct.sql, models/through.sql); only what the macro change caused "
        "there blocks"
    ]
    found = sorted((f["path"], f["line"], f["code"], f["disposition"]) for f in linted["findings"])
    assert found == [
        ("models/direct.sql", 3, "lint.RF03", "blocking"),
        ("models/direct.sql", 3, "lint.RF03", "blocking"),
        ("models/through.sql", 3, "lint.RF03", "blocking"),
        ("models/through.sql", 3, "lint.RF03", "blocking"),
    ]
    assert all(f["details"]["caused_by_change"] for f in linted["findings"])
    # An edited caller is measured against its base text compiled with the base's macros too.
    (project / "models/direct.sql").write_text(DIRECT.replace("select\n", "select distinct\n"))
    linted = dbt_lint_report(project, report)
    direct = [f for f in linted["findings"] if f["path"] == "models/direct.sql"]
    assert {f["disposition"] for f in direct if f["code"] == "lint.RF03"} == {"blocking"}
    assert [f["disposition"] for f in direct if f["code"] == "lint.LT01"] == ["out_of_scope"]
    (project / "models/direct.sql").write_text(DIRECT)
    # A macro edit that changes no caller's SQL lints none of them.
    commented = CENTS.replace("{% macro cents", "{# cents #}\n{% macro cents")
    (project / "macros/cents.sql").write_text(commented)
    linted = dbt_lint_report(project, report)
    assert linted["sections"]["lint"]["files"] == [] and linted["findings"] == []


@pytest.mark.slow
@needs_dbt_templater
def test_under_the_dbt_templater_macros_shared_from_outside_the_project_are_the_bases_too(
    tmp_path,
):
    """The copy of the project that dbt compiles with the base's macros (`lint.dbt_base`) has
    the shared macros too, as the base had them, whichever side of the project's folder the
    change edited; the user's shared macro file is left as the change wrote it."""
    profiles = duckdb_profiles(tmp_path, "demo")
    root = tmp_path / "repo"
    report = tmp_path / "lint.json"
    settings = {
        "project/.sqlfluff": dbt_templater_sqlfluff(root / "project", profiles),
        "project/dbtgate.yml": CONFIG.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    project = shared_macro_pr(root, {"shared_macros/cents.sql": QUALIFIED}, settings)
    expected = [
        ("project/models/direct.sql", 3, "lint.RF03", "blocking"),
        ("project/models/direct.sql", 3, "lint.RF03", "blocking"),
        ("project/models/through.sql", 3, "lint.RF03", "blocking"),
        ("project/models/through.sql", 3, "lint.RF03", "blocking"),
    ]
    linted = dbt_lint_report(project, report)
    assert linted["notes"] == [
        "lint: 1 macro changed (shared_macros/cents.sql): 2 SQL files calling them render "
        "differently, linted too (project/models/direct.sql, project/models/through.sql); only "
        "what the macro change caused there blocks"
    ]
    found = sorted((f["path"], f["line"], f["code"], f["disposition"]) for f in linted["findings"])
    assert found == expected
    assert (root / "shared_macros/cents.sql").read_text() == QUALIFIED
    # A macro of the project's own edited, calling the shared one: the copy still finds it.
    (root / "shared_macros/cents.sql").write_text(CENTS)
    (project / "macros/dollars.sql").write_text(DOLLARS.replace("round(", "round(t."))
    linted = dbt_lint_report(project, report)
    assert [note.split(": ")[1] for note in linted["notes"]] == [
        "1 macro changed (project/macros/dollars.sql)"
    ]
    found = sorted((f["path"], f["line"], f["code"], f["disposition"]) for f in linted["findings"])
    assert found == expected[2:]


@pytest.mark.slow
@needs_dbt_templater
def test_under_the_dbt_templater_models_shared_from_outside_the_project_are_found_by_the_copy(
    tmp_path,
):
    """`model-paths: [models, ../shared_models]`, the callers selecting from a shared model:
    the copy of the project dbt compiles with the base's macros names the shared models where
    they are (from the copy's folder `../shared_models` names nothing, and dbt could not compile
    the copy: `t` not found), and nothing is written there."""
    profiles = duckdb_profiles(tmp_path, "demo")
    root = tmp_path / "repo"
    report = tmp_path / "lint.json"
    settings = {
        "project/.sqlfluff": dbt_templater_sqlfluff(root / "project", profiles),
        "project/dbtgate.yml": CONFIG.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    project = shared_macro_pr(
        root, {"shared_macros/cents.sql": QUALIFIED}, settings, shared_models=True
    )
    linted = dbt_lint_report(project, report)
    assert linted["notes"] == [
        "lint: 1 macro changed (shared_macros/cents.sql): 2 SQL files calling them render "
        "differently, linted too (project/models/direct.sql, project/models/through.sql); only "
        "what the macro change caused there blocks"
    ]
    found = sorted((f["path"], f["line"], f["code"], f["disposition"]) for f in linted["findings"])
    assert found == [
        ("project/models/direct.sql", 3, "lint.RF03", "blocking"),
        ("project/models/direct.sql", 3, "lint.RF03", "blocking"),
        ("project/models/through.sql", 3, "lint.RF03", "blocking"),
        ("project/models/through.sql", 3, "lint.RF03", "blocking"),
    ]
    assert sorted(p.name for p in (root / "shared_models").iterdir()) == ["t.sql"]


# The pull request fixes a cents() the base could not render: a jinja syntax error (an unclosed
# `{% endmacro`), or a call of a macro no one defines. Its callers render now, not at the base.
BROKEN_CENTS = CENTS.replace("/ 100{% endmacro %}", "/ 100{% endmacro")
UNDEFINED_CENTS = CENTS.replace("{{ col }} / 100", "{{ not_a_macro(col) }}")


def test_callers_the_base_could_not_render_list_their_findings_unblocking_and_say_why(tmp_path):
    """Nothing tells what the fix caused from the callers' old debt: dropping it all passed them
    silently. All is listed outside the change (the file's own text is old), and a note says
    why, with the base's error."""
    project = macro_pr(tmp_path, {"macros/cents.sql": CENTS}, {"macros/cents.sql": UNDEFINED_CENTS})
    result, run = lint_gate(project)
    assert [linted.path for linted in run.files] == ["models/direct.sql", "models/through.sql"]
    assert run.notes[1] == (
        "lint: models/direct.sql, models/through.sql: sqlfluff could not render them with the "
        "base's macros (Unrecoverable failure in Jinja templating: 'not_a_macro' is "
        "undefined. Have you correctly configured your variables? "
        "https://docs.sqlfluff.com/en/latest/perma/variables.html), so what the macro change "
        "caused there could not be told from old debt: every finding there is listed, none blocks"
    )
    found = sorted((f.path, f.line, f.code, f.disposition) for f in result.findings)
    assert found == [
        ("models/direct.sql", 3, "lint.LT01", "out_of_scope"),  # `id  as x`: the file's own
        ("models/direct.sql", 4, "lint.AL05", "out_of_scope"),
        ("models/through.sql", 4, "lint.AL05", "out_of_scope"),
    ]
    assert not any(f.details["caused_by_change"] for f in result.findings)
    cli = dbtgate("lint", cwd=project)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "could not be told from old debt" in cli.stdout
    assert "models/direct.sql:3:7" in cli.stdout


def test_a_base_macro_that_does_not_compile_is_the_base_renderings_problem_not_a_config_error(
    tmp_path,
):
    """sqlfluff refuses the base's broken macro as a config error: that stopped the run (exit
    2) of a pull request fixing it. The fix makes what the callers show now new, yet their old
    debt cannot be told from it: listed, not blocking, even what the fix itself caused (RF03)."""
    project = macro_pr(
        tmp_path, {"macros/cents.sql": QUALIFIED}, {"macros/cents.sql": BROKEN_CENTS}
    )
    result, run = lint_gate(project)
    [note] = [note for note in run.notes if "could not be told from old debt" in note]
    assert note.startswith("lint: models/direct.sql, ")
    assert (
        "(a macro as the base had it does not compile: unexpected end of template, expected "
        "'end of statement block')" in note
    )
    direct = {
        (f.line, f.code, f.disposition) for f in result.findings if f.path.endswith("direct.sql")
    }
    assert {(3, "lint.LT01", "out_of_scope"), (3, "lint.RF03", "out_of_scope")} <= direct
    assert {f.disposition for f in result.findings} == {"out_of_scope"}
    cli = dbtgate("lint", cwd=project)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "sqlfluff config" not in cli.stdout + cli.stderr


def test_with_all_the_note_says_why_no_caller_finding_is_the_changes(tmp_path):
    project = macro_pr(tmp_path, {"macros/cents.sql": CENTS}, {"macros/cents.sql": UNDEFINED_CENTS})
    result, run = lint_gate(project, lint_all=True)
    assert any("could not be told from old debt" in note for note in run.notes)
    assert ("models/direct.sql", "lint.LT01", "out_of_scope") in {
        (f.path, f.code, f.disposition) for f in result.findings
    }


# dbt parses a model without executing it (`execute` is false then), so a cents() that raises
# only when executed parses at the base and fails only when dbt compiles its callers.
RAISING_CENTS = CENTS.replace(
    "{{ col }} / 100",
    "{% if execute %}{{ exceptions.raise_compiler_error('cents is broken') }}{% endif %}"
    "{{ col }} / 100",
)


@pytest.mark.slow
@needs_dbt_templater
def test_under_the_dbt_templater_callers_the_base_could_not_compile_list_their_findings(
    tmp_path,
):
    """The dbt templater's variant of
    `test_callers_the_base_could_not_render_list_their_findings_unblocking_and_say_why`: dbt
    compiles the project with the base's macros (`lint.dbt_base`), but not the callers of a
    macro that raised there. sqlfluff's dbt templater skips such a file and renders nothing,
    which read as a base without a violation: the callers' old debt blocked as the change's.
    Their findings are all listed, none blocking, and the notes quote dbt's error."""
    profiles = duckdb_profiles(tmp_path, "demo")
    root = tmp_path / "repo"
    report = tmp_path / "lint.json"
    settings = {
        "macros/cents.sql": RAISING_CENTS,
        ".sqlfluff": dbt_templater_sqlfluff(root, profiles),
        "dbtgate.yml": CONFIG.replace("dialect: duckdb", "dialect: duckdb, templater: dbt"),
    }
    project = macro_pr(root, {"macros/cents.sql": QUALIFIED}, settings)
    linted = dbt_lint_report(project, report)
    assert linted["sections"]["lint"]["files"] == ["models/direct.sql", "models/through.sql"]
    # One note for the macro that raised, not one per caller (dbt's error names each caller).
    assert linted["notes"][1:] == [
        "lint: the base's macro default__cents (macros/cents.sql) raised in 2 SQL files calling "
        "it (models/direct.sql, models/through.sql): dbt could not compile them with the base's "
        "macros (Compilation Error: cents is broken), so what the macro change caused there "
        "could not be told from old debt: every finding there is listed, none blocks"
    ]
    found = sorted((f["path"], f["line"], f["code"], f["disposition"]) for f in linted["findings"])
    assert found == [
        ("models/direct.sql", 3, "lint.LT01", "out_of_scope"),  # `id  as x`: the file's own
        ("models/direct.sql", 3, "lint.RF03", "out_of_scope"),
        ("models/direct.sql", 3, "lint.RF03", "out_of_scope"),
        ("models/through.sql", 3, "lint.RF03", "out_of_scope"),
        ("models/through.sql", 3, "lint.RF03", "out_of_scope"),
    ]
    assert not any(f["details"]["caused_by_change"] for f in linted["findings"])
    assert linted["verdict"] == "pass"
    # A file of the pull request's dbt cannot compile was skipped, and passed: it is unparsable.
    (project / "models/raises.sql").write_text(
        "select {{ cents('amount') }} as d\n{% if execute %}"
        "{{ exceptions.raise_compiler_error('raises is broken') }}{% endif %}\n"
    )
    linted = dbt_lint_report(project, report)
    [raises] = [f for f in linted["findings"] if f["path"] == "models/raises.sql"]
    assert raises["code"] == "lint.unparsable"
    assert raises["disposition"] == "blocking"
    assert (
        "Compilation Error in model raises (models/raises.sql) raises is broken"
        in (raises["message"])
    )
