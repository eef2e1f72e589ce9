"""Inputs that looked fine and were not: each is refused or said aloud, never a silent pass."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cli_support import dbtgate, plain_env, run_dbtgate
from corpus import CORPUS
from lint_repos import git
from policy_support import read_json

from dbtgate.baseline import can_baseline
from dbtgate.findings import Finding

BOUNCER = CORPUS / "bouncer-dbt112"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    shutil.copytree(BOUNCER, tmp_path / "target")
    return tmp_path


def test_an_empty_base_is_refused_not_read_as_no_base(build):
    """`--base "$BASE_DIR"` with the variable unset skipped breaking changes with a note."""
    result = dbtgate("check", "--artifacts", "target", "--base", "", cwd=build)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: --base is empty: give a build directory or a git ref, or leave it out\n",
    )


def test_a_base_of_another_dbt_project_is_a_warning(build):
    other = CORPUS / "ticketswap-dbt19"
    result = dbtgate("check", "--artifacts", "target", "--base", str(other), cwd=build)
    assert result.returncode in (0, 1), result.stderr
    assert (
        f"warning: --base {other} is a build of dbt project 'data_transformations', this one of "
        "'dbt_bouncer_test_project'"
    ) in result.stdout


def test_a_base_of_another_project_is_named_from_the_root_in_the_reports(build):
    """The warning names a base build's folder as the reports name files, from the repository's
    root, the same from a folder below it; the console from where it ran."""
    git(build, "init", "--quiet")
    # The build's project, whose repository's root names its files.
    (build / "dbt_project.yml").write_text("name: dbt_bouncer_test_project\nprofile: p\n")
    shutil.copytree(CORPUS / "ticketswap-dbt19", build / "other")
    (build / "sub").mkdir()
    runs = {
        "sub": ("--artifacts", "../target", "--base", "../other", "--json", "../sub.json"),
        ".": ("--artifacts", "target", "--base", "other", "--json", "root.json"),
    }
    said = {}
    for folder, args in runs.items():
        result = dbtgate("check", *args, cwd=build / folder)
        assert result.returncode in (0, 1), result.stderr
        said[folder] = " ".join(result.stdout.split())
    other = " is a build of dbt project 'data_transformations'"
    assert f"warning: --base ../other{other}" in said["sub"]
    assert f"warning: --base other{other}" in said["."]
    warnings = [read_json(build / name)["warnings"] for name in ("sub.json", "root.json")]
    assert warnings[0] == warnings[1]
    assert any(warning.startswith(f"--base other{other}") for warning in warnings[0])


def test_the_json_report_never_overwrites_an_artifact_it_reads(build):
    before = (build / "target" / "manifest.json").read_bytes()
    result = dbtgate("check", "--json", "target/manifest.json", cwd=build)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: --json target/manifest.json: is the manifest.json this run reads; "
        "write the report elsewhere\n",
    )
    assert (build / "target" / "manifest.json").read_bytes() == before


def test_two_configs_in_one_folder_are_refused(build):
    """dbtgate.yml won and [tool.dbtgate] was ignored, settings and all, without a word."""
    (build / "dbtgate.yml").write_text("version: 1\n")
    (build / "pyproject.toml").write_text('[tool.dbtgate]\nversion = 1\nscope = "all"\n')
    result = dbtgate("check", cwd=build)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: dbtgate.yml and pyproject.toml: two dbtgate configs in one folder; keep "
        "one (or pass --config)\n",
    )
    assert dbtgate("check", "--config", "pyproject.toml", cwd=build).returncode == 0


def test_run_required_is_not_met_by_a_run_results_that_ran_nothing(build):
    """The corpus build's run_results.json is from `dbt docs generate`."""
    (build / "dbtgate.yml").write_text("version: 1\nrun: {required: true}\n")
    result = dbtgate("check", "--json", "gate.json", cwd=build)
    assert result.returncode == 1, result.stdout + result.stderr
    (finding,) = [
        f for f in read_json(build / "gate.json")["findings"] if f["code"] == "run.not_run"
    ]
    assert finding["disposition"] == "blocking"
    assert "`dbt docs generate`, which runs nothing" in finding["message"]


def test_init_on_a_malformed_dbt_project_yml_is_one_line_with_its_line(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: shop\nmodels: [\n")
    result = dbtgate("init", "--project-dir", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("dbtgate: error: dbt_project.yml:3: not valid YAML: ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("- name: shop\n", "dbt_project.yml: not a dbt project file: expected its settings"),
        ("shop\n", "dbt_project.yml: not a dbt project file: expected its settings"),
        ("name: shop\ntarget-path: [a, b]\n", "dbt_project.yml: target-path: expected a folder"),
        ("name: shop\ntarget-path: 5\n", "dbt_project.yml: target-path: expected a folder name"),
    ],
)
def test_init_on_a_dbt_project_yml_of_the_wrong_shape_is_one_line_naming_it(tmp_path, text, said):
    """Valid YAML that is no dbt project (a list, a word, a target-path that is no folder) was
    an internal AttributeError or TypeError naming no file."""
    (tmp_path / "dbt_project.yml").write_text(text)
    result = dbtgate("init", "--project-dir", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(f"dbtgate: error: {said}"), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "dbtgate.yml").exists()


def test_baseline_takes_a_profiles_dir_like_check(build):
    """Its error for a git-ref base says to pass --profiles-dir; it did not accept one."""
    result = dbtgate("baseline", "--artifacts", "target", "--profiles-dir", ".", cwd=build)
    assert result.returncode == 0, result.stderr


def test_risky_changes_are_news_and_never_baselined():
    assert not can_baseline(Finding(code="risky.type_changed", severity="warn", message="m"))
    assert can_baseline(Finding(code="docs.model_description", severity="error", message="m"))


def test_trend_counts_a_report_named_twice_once(tmp_path):
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    reports = tmp_path / "reports"
    reports.mkdir()
    assert (
        dbtgate("check", "-a", str(BOUNCER), "--json", "reports/gate.json", cwd=tmp_path).returncode
        == 0
    )
    result = dbtgate("trend", "reports", "reports/gate.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    builds = [line for line in result.stdout.splitlines() if "gate.json" in line]
    assert len(builds) == 1 and builds[0].startswith("│ 1 ")


def test_a_sources_json_of_another_build_is_left_out_and_said(build):
    """Its sources were counted in the freshness KPI ('100% 1/1 met') of a project without them."""
    shutil.copy(CORPUS / "ticketswap-dbt19" / "sources.json", build / "target" / "sources.json")
    result = dbtgate("check", "--json", "gate.json", cwd=build)
    assert result.returncode in (0, 1), result.stderr
    report = read_json(build / "gate.json")
    (warning,) = [w for w in report["warnings"] if "sources.json has results for" in w]
    assert "this manifest does not have" in warning
    assert report["sections"]["kpis"]["overall"]["freshness"]["denominator"] == 0
    assert not [f for f in report["findings"] if f["family"] == "freshness"]


def _committed_project(build: Path, *branches: str) -> None:
    """`build` as a git repository on main, with `branches` at its one commit."""
    (build / "dbt_project.yml").write_text("name: shop\nversion: '1'\nprofile: shop\n")
    git(build, "init", "-q", "-b", "main")
    git(build, "add", "dbt_project.yml")
    git(build, "commit", "-q", "-m", "shop")
    for branch in branches:
        git(build, "branch", branch)


@pytest.mark.parametrize("remotes", [[], ["upstream"]])
def test_a_base_ref_on_a_remote_the_repository_lacks_is_not_found(build, remotes):
    """The README's `--base origin/main` in a repository never pushed anywhere: no fetch brings
    it, so the error says the ref was not found and offers the local branch of that name."""
    _committed_project(build)
    for remote in remotes:
        git(build, "remote", "add", remote, str(build))
    result = dbtgate("diff", "--artifacts", "target", "--base", "origin/main", cwd=build)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: origin/main: --base is neither a directory nor a git ref of "
        f"{build.resolve()} (no branch, tag or commit `origin/main`; close names: `main`)\n",
    )


def test_a_base_manifest_file_that_is_not_there_is_said_to_be_a_missing_file(build):
    """`--base prod/target/manifest.json` mistyped: a file was meant, not a git ref; the one
    that exists is read from its folder."""
    result = dbtgate("check", "--artifacts", "target", "--base", "prod/manifest.json", cwd=build)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: prod/manifest.json: --base file not found (give the base build's "
        "directory, which holds its manifest.json, or a git ref)\n",
    )
    shutil.copytree(BOUNCER.parent / "bouncer-dbt111", build / "prod")
    found = dbtgate("check", "--artifacts", "target", "--base", "prod/manifest.json", cwd=build)
    assert found.returncode in (0, 1), found.stderr


@pytest.mark.parametrize("option", ["--artifacts", "--base"])
def test_a_json_file_of_another_name_is_not_read_for_the_build_beside_it(build, option):
    """`prod-manifest.json` named stood for its folder, whose manifest.json was read instead:
    another build's, or none ("manifest not found (run dbt first, or point --artifacts at its
    target dir)", for --base too). A file of dbt's names stands for its folder; another is
    refused, saying why."""
    shutil.copy(build / "target" / "manifest.json", build / "prod-manifest.json")
    given = ["--artifacts", "target"] if option == "--base" else []
    refused = dbtgate("check", *given, option, "prod-manifest.json", cwd=build)
    assert refused.returncode == 2
    [line] = refused.stderr.splitlines()
    assert line.startswith(f"dbtgate: error: prod-manifest.json: {option} takes the"), line
    assert "by dbt's names (manifest.json, " in line, line
    shutil.copytree(BOUNCER.parent / "bouncer-dbt111", build / "prod")  # (another build)
    read = dbtgate("check", *given, option, "prod/manifest.json", cwd=build)
    assert read.returncode in (0, 1), read.stderr


def test_a_mistyped_branch_with_a_slash_is_not_read_as_a_remote(build):
    """`feature/x` for `feature/xyz`: `feature` is no remote (`git remote` has origin), so the
    error says nothing of remotes and names the branches close to what was typed."""
    _committed_project(build, "feature/xyz", "release/1.0")
    git(build, "remote", "add", "origin", str(build))
    result = dbtgate("diff", "--artifacts", "target", "--base", "feature/x", cwd=build)
    assert (result.returncode, result.stderr) == (
        2,
        "dbtgate: error: feature/x: --base is neither a directory nor a git ref of "
        f"{build.resolve()} (no branch, tag or commit `feature/x`; close names: "
        "`feature/xyz`)\n",
    )


def _gate_with_base_outside(tmp_path: Path, base: Path, given: str, **env: str) -> dict:
    """`check` in tmp_path/work (the PR's build in target/) against a base build copied to
    `base`, which lies outside the working directory, passed as `--base given`."""
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    work = tmp_path / "work"
    shutil.copytree(BOUNCER, work / "target")
    shutil.copytree(CORPUS / "bouncer-dbt111", base)
    result = run_dbtgate(
        *("check", "--artifacts", "target", "--base", given, "--json", "gate.json"),
        *("--out", "reports", "--format", "md,html"),
        cwd=work,
        env=plain_env(**env),
    )
    assert result.returncode in (0, 1), result.stderr
    return read_json(work / "gate.json")


def test_a_base_in_the_runners_temporary_folder_is_named_as_the_workflow_names_it(tmp_path):
    """The example workflow downloads main's build to `${{ runner.temp }}/base-artifacts`: the
    comment's inputs named it /home/runner/work/_temp/..., a folder on no reader's machine. The
    JSON keeps the full path for tools; the reports show `$RUNNER_TEMP/...`."""
    temp = tmp_path / "_temp"
    base = temp / "base-artifacts"
    env = {"GITHUB_ACTIONS": "true", "RUNNER_TEMP": str(temp)}
    report = _gate_with_base_outside(tmp_path, base, str(base), **env)

    manifest = report["inputs"]["base"]["manifest"]
    assert manifest["path"] == (base / "manifest.json").resolve().as_posix()
    assert manifest["shown"] == "$RUNNER_TEMP/base-artifacts/manifest.json"
    assert "shown" not in report["inputs"]["artifacts"]["manifest"]  # target/, in the folder
    markdown = (tmp_path / "work" / "reports" / "gate.md").read_text()
    [row] = [line for line in markdown.splitlines() if line.startswith("| base | manifest |")]
    assert "`$RUNNER_TEMP/base-artifacts/manifest.json`" in row and str(temp) not in row
    assert "| artifacts | manifest | `target/manifest.json` |" in markdown
    html = (tmp_path / "work" / "reports" / "gate.html").read_text()
    # (wrapping at its directories, <wbr>)
    shown = "$RUNNER_TEMP/<wbr>base-artifacts/<wbr>manifest.json"
    assert f'<code title="{manifest["path"]}">{shown}</code>' in html


def test_a_base_outside_the_working_directory_is_named_as_it_was_given(tmp_path):
    report = _gate_with_base_outside(tmp_path, tmp_path / "main-build", "../main-build")

    manifest = report["inputs"]["base"]["manifest"]
    assert Path(manifest["path"]).is_absolute()
    assert manifest["shown"] == "../main-build/manifest.json"
