"""Changed files and lines measured against a base build's manifest, where there is no git.

`dbtgate check --base DIR` (and `dbtgate demo`, which builds into a temporary directory) compare
the pull request with a previous build: lint takes the changed lines from a diff of each file
with the SQL the base manifest holds (`raw_code`, which dbt stores stripped). The manifests here
are written as dbt writes them for these files (raw_code and sha256 checksum of the stripped
text) and loaded by the real loader; tests/test_lint_fixture_pr.py runs the same path on the
real dbt-duckdb builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate
from lint_repos import FIXTURES, apply_overlay, git, shop_pr_repo

from dbtgate.artifacts import load_artifacts
from dbtgate.checks import CheckContext
from dbtgate.config import Config, LintConfig
from dbtgate.gate import run_gate
from dbtgate.lint.build_changes import changed_lines, changes_against_build
from dbtgate.lint.check import LINT_RUN_OPTION
from dbtgate.lint.run import run_lint
from dbtgate.project import Project

PAYMENTS = "models/intermediate/int_order_payments.sql"
MODEL = "\n".join(f"select {n} as column_{n}" for n in range(1, 11)) + "\n"


def write_manifest(target: Path, project_dir: Path, files: dict[str, str]) -> Path:
    """A manifest of `files` (unique_id -> path inside `project_dir`) as dbt writes it."""
    nodes = {}
    for uid, relative in files.items():
        code = (project_dir / relative).read_text().strip()
        nodes[uid] = {
            "unique_id": uid,
            "resource_type": uid.split(".", 1)[0],
            "name": uid.rsplit(".", 1)[-1],
            "package_name": "shop",
            "path": relative.split("/", 1)[1],
            "original_file_path": relative,
            "raw_code": code,
            "checksum": {"name": "sha256", "checksum": hashlib.sha256(code.encode()).hexdigest()},
        }
    manifest = {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "dbt_version": "1.11.0",
            "project_name": "shop",
            "adapter_type": "duckdb",
        },
        "nodes": nodes,
        "sources": {},
        "exposures": {},
    }
    target.mkdir(parents=True, exist_ok=True)
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def build(project_dir: Path, target: Path) -> Project:
    """The project's current SQL files as a build (every .sql under models/ and tests/)."""
    files = {}
    for path in sorted(project_dir.rglob("*.sql")):
        relative = path.relative_to(project_dir).as_posix()
        kind = "test" if relative.startswith("tests/") else "model"
        files[f"{kind}.shop.{path.stem}"] = relative
    write_manifest(target, project_dir, files)
    return Project.from_artifacts(load_artifacts(target), project_dir)


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Project, Project, Path]:
    """The shop fixture built (base), then the PR overlay applied and built, in plain
    directories: no git anywhere."""
    base_dir = tmp_path / "base"
    shutil.copytree(FIXTURES / "shop", base_dir)
    base = build(base_dir, tmp_path / "base_target")
    pr_dir = tmp_path / "pr"
    shutil.copytree(FIXTURES / "shop", pr_dir)
    apply_overlay(pr_dir)
    return build(pr_dir, pr_dir / "target"), base, pr_dir


def lint_against(project: Project, base: Project | None, **settings) -> tuple:
    scope = settings.pop("scope", "changed")
    config = Config(scope=scope, lint=LintConfig(enabled=True, dialect="duckdb", **settings))
    context = CheckContext(project=project, config=config, base=base)
    run = run_lint(
        project,
        config,
        base_build=base,
        when_unknown="all",
        display_root=project.project_dir,
    )
    context.options[LINT_RUN_OPTION] = run
    return run_gate(context, families={"lint"}), run


def test_fixture_pr_against_the_base_build_blocks_only_the_lines_it_wrote(shop):
    project, base, _ = shop
    result, run = lint_against(project, base)
    assert [linted.path for linted in run.files] == [
        PAYMENTS,
        "models/marts/customer_ltv.sql",
        "models/marts/customer_segments.sql",
        "models/marts/orders_summary_v2.sql",
    ]
    assert run.summary()["changes_from"] == "base build"
    assert {(f.line, f.disposition) for f in result.findings} == {
        (10, "blocking"),
        (11, "out_of_scope"),
        (13, "blocking"),
    }
    assert result.decision == "fail"
    assert any("measured against the base build's SQL" in note for note in result.notes)


def test_lines_come_from_the_base_builds_raw_code(shop):
    project, base, pr_dir = shop
    changes = changes_against_build(project, base, pr_dir, sorted(pr_dir.rglob("*.sql"))).changes
    payments = changes.get(pr_dir / PAYMENTS)
    assert payments is not None and payments.status == "modified"
    assert payments.lines == {10, 13}
    assert payments.base_text is not None
    assert "sum(case when status = 'success' then amount" in payments.base_text
    segments = changes.get(pr_dir / "models/marts/customer_segments.sql")
    assert segments is not None and segments.status == "added" and segments.lines is None
    assert changes.get(pr_dir / "models/marts/fct_orders.sql") is None
    assert changes.base_manifest == base.artifacts.manifest.path


def test_moved_model_counts_only_its_edited_lines_and_unknown_files_count_whole(tmp_path):
    base_dir = tmp_path / "base"
    (base_dir / "models").mkdir(parents=True)
    (base_dir / "dbt_project.yml").write_text("name: shop\n")
    for name in ("moved", "edited", "same"):
        (base_dir / "models" / f"{name}.sql").write_text(MODEL.replace("column", name))
    base = build(base_dir, tmp_path / "base_target")

    pr_dir = tmp_path / "pr"
    shutil.copytree(base_dir, pr_dir)
    (pr_dir / "models/marts").mkdir()
    moved = (pr_dir / "models/moved.sql").read_text().replace("select 4 ", "select 40 ")
    (pr_dir / "models/marts/moved.sql").write_text(moved)
    (pr_dir / "models/moved.sql").unlink()
    edited = pr_dir / "models/edited.sql"
    # Two blank lines on top (dbt strips them from raw_code) shift every line by two.
    edited.write_text("\n\n" + edited.read_text().replace("select 9 ", "select 90 "))
    project = build(pr_dir, pr_dir / "target")
    (pr_dir / "models/disabled.sql").write_text("select 1\n")  # in neither manifest

    found = changes_against_build(project, base, pr_dir, sorted(pr_dir.rglob("*.sql")))
    changes = found.changes
    assert changes.get(pr_dir / "models/marts/moved.sql").status == "renamed"
    assert changes.get(pr_dir / "models/marts/moved.sql").lines == {4}
    assert changes.get(pr_dir / "models/marts/moved.sql").previous_path == (
        pr_dir / "models/moved.sql"
    )
    assert changes.get(pr_dir / "models/edited.sql").lines == {11}
    assert changes.get(pr_dir / "models/same.sql") is None
    assert changes.get(pr_dir / "models/disabled.sql").lines is None
    assert found.unplaced == (pr_dir / "models/disabled.sql",)


@pytest.mark.parametrize(
    ("before", "after", "lines"),
    [
        ("a\nb\nc", "a\nB\nc\n", {2}),
        ("a\nb\nc", "a\nb\nx\nc", {3}),
        ("a\nb\nc", "a\nc", set()),
        ("a\nb", "\n\n  a\nb\n", set()),  # what dbt strips is not a change
        ("a\nb", "\n\na\nb\nc\n", {5}),
    ],
)
def test_changed_lines_are_numbered_in_the_file_on_disk(before, after, lines):
    assert changed_lines(before, after) == lines


def test_without_git_or_a_base_build_check_lints_everything_and_says_so(shop):
    project, _, _ = shop
    result, run = lint_against(project, None)
    assert len(run.files) == 16 and run.lint_all and not run.change_known
    # Every line counts: the base's own debt on line 11 blocks too.
    assert {(f.line, f.disposition) for f in result.findings} == {
        (10, "blocking"),
        (11, "blocking"),
        (13, "blocking"),
    }
    assert any("every line counts as changed" in note for note in result.notes)


def test_a_git_ref_wins_over_the_base_build(tmp_path, shop):
    """A git ref named as --base (or lint.base_ref) is asked for by name: git measures the
    change from its merge base, even when a base build is loaded too."""
    _, base, _ = shop
    repo = shop_pr_repo(tmp_path / "repo")
    project = build(repo, tmp_path / "target")
    config = Config(scope="changed", lint=LintConfig(enabled=True, dialect="duckdb"))
    run = run_lint(project, config, base_spec="main", base_build=base, display_root=repo)
    assert run.summary()["changes_from"] == "git"
    assert run.base_ref == "main" and run.base_build is None
    assert run.merge_base == git(repo, "rev-parse", "main").strip()


def test_lint_command_measures_the_change_against_a_base_build_given_with_base(shop, tmp_path):
    """`dbtgate lint` where there is no git (the demo's directories, a CI job given two builds):
    `--base DIR` (or the config's `base:`) measures the change against that build's SQL, as
    `check --base` does; without it the error says so."""
    _, _, pr_dir = shop
    config = "version: 1\nscope: changed\nlint: {enabled: true, dialect: duckdb}\n"
    (pr_dir / "dbtgate.yml").write_text(config)
    base_target = str(tmp_path / "base_target")

    refused = dbtgate("lint", cwd=pr_dir)
    assert refused.returncode == 2
    assert "pass --base with a previous build's target directory" in refused.stderr
    mistyped = dbtgate("lint", "--base", "base_trget", cwd=pr_dir)
    assert mistyped.returncode == 2
    assert mistyped.stderr.strip() == (
        "dbtgate: error: --base base_trget: no such directory, and no git repository here to "
        "read it as a ref"
    )

    def linted(*args: str) -> set[tuple[int, str]]:
        result = dbtgate("lint", *args, "--json", "lint.json", cwd=pr_dir)
        assert result.returncode == 1, result.stderr
        report = json.loads((pr_dir / "lint.json").read_text())
        return {(f["line"], f["disposition"]) for f in report["findings"] if f["path"] == PAYMENTS}

    expected = {(10, "blocking"), (11, "out_of_scope"), (13, "blocking")}
    assert linted("--base", base_target) == expected
    (pr_dir / "dbtgate.yml").write_text(config + f"base: {base_target}\n")
    assert linted() == expected
    # Before the pull request is built (no manifest of its own): the same lines, by file.
    shutil.rmtree(pr_dir / "target")
    assert linted("--base", base_target) == expected


def test_a_fix_hint_of_check_against_a_base_build_fixes_only_the_change(shop, tmp_path):
    """`check --base DIR` blocks the lines the change wrote; its fix hint names the same base,
    so the command pasted fixes those lines, not the file's old debt (line 11), which its own
    hint, outside the change, fixes with the whole file."""
    _, _, pr_dir = shop
    config = "version: 1\nscope: changed\nlint: {enabled: true, dialect: duckdb}\n"
    (pr_dir / "dbtgate.yml").write_text(config)
    base_target = tmp_path / "base_target"
    result = dbtgate("check", "--base", str(base_target), "--json", "gate.json", cwd=pr_dir)
    assert result.returncode == 1, result.stderr
    report = json.loads((pr_dir / "gate.json").read_text())
    fixes = {
        (f["line"], f["code"]): f["fix"]
        for f in report["findings"]
        if f["family"] == "lint" and f["path"] == PAYMENTS
    }
    # The base as a command pasted here names it: `../base_target` rather than the absolute path.
    shown = min(str(base_target), os.path.relpath(base_target, pr_dir), key=len)
    assert shown.startswith("..")
    assert fixes[(10, "lint.LT01")] == f"dbtgate lint --fix LT01 {PAYMENTS} --base {shown}"
    assert fixes[(11, "lint.LT01")] == f"dbtgate lint --fix LT01 {PAYMENTS}"
    before = (pr_dir / PAYMENTS).read_text().splitlines()
    pasted = fixes[(10, "lint.LT01")].split()[1:]
    assert dbtgate(*pasted, cwd=pr_dir).returncode in (0, 1)
    after = (pr_dir / PAYMENTS).read_text().splitlines()
    assert after[9] == before[9].rstrip() and after[10] == before[10]


def test_a_fix_hint_in_a_pull_requests_ci_run_names_the_base_branch_not_the_runners_folder(
    shop, monkeypatch
):
    """In CI the base build is an artifact downloaded outside the repository (the runner's
    temporary folder): a hint naming it cannot be pasted where the annotation is read; the base
    branch measures the same change there. Outside CI the build's folder is named as before."""
    project, base, pr_dir = shop
    monkeypatch.chdir(pr_dir)
    monkeypatch.setenv("GITHUB_BASE_REF", "main")
    monkeypatch.setenv("RUNNER_TEMP", str(pr_dir.parent))
    hints, builds = {}, {}
    for actions in ("false", "true"):
        monkeypatch.setenv("GITHUB_ACTIONS", actions)
        result, run = lint_against(project, base)
        hints[actions] = {f.fix for f in result.findings if (f.line, f.code) == (10, "lint.LT01")}
        builds[actions] = run.summary()["base_build"]
    assert hints == {
        "true": {f"dbtgate lint --fix LT01 {PAYMENTS} --base-ref origin/main"},
        "false": {f"dbtgate lint --fix LT01 {PAYMENTS} --base ../base_target"},
    }
    # The lint section names the build as the gate's inputs do, not by the runner's folder.
    assert builds == {
        "true": "$RUNNER_TEMP/base_target/manifest.json",
        "false": (pr_dir.parent / "base_target" / "manifest.json").as_posix(),
    }


def test_a_path_in_a_pasted_command_is_the_shorter_of_relative_and_absolute(tmp_path, monkeypatch):
    """Inside the working directory a path is relative; outside it `../base` where the user
    would type that, and `/usr` rather than a climb of `../` to the root."""
    from dbtgate.lint.run import _quoted_here

    here = tmp_path / "repo" / "project"
    here.mkdir(parents=True)
    monkeypatch.chdir(here)
    assert _quoted_here(here / "models" / "a b.sql") == "'models/a b.sql'"
    assert _quoted_here(tmp_path / "base" / "target") == "../../base/target"
    assert _quoted_here(Path("/usr")) == "/usr"
