"""Where the config is found and what its paths are relative to: the same dbtgate.yml gives the
same run from the repository root, the dbt project or one of its folders."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_support import dbtgate
from corpus import CORPUS
from policy_support import read_json

BOUNCER = CORPUS / "bouncer-dbt112"
CONFIG = """\
version: 1
artifacts: build/target
baseline: gate/baseline.json
policies:
  - select: "resource_type:model"
    rules: {owner.present: error}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """repo/dbt/ is a dbt project with its build in build/target and a dbtgate.yml."""
    if not BOUNCER.is_dir():
        pytest.skip(f"corpus absent: {BOUNCER}")
    project = tmp_path / "repo" / "dbt"
    (project / "models" / "staging").mkdir(parents=True)
    (project / "dbt_project.yml").write_text("name: dbt_bouncer_test_project\n")
    (project / "build").mkdir()
    shutil.copytree(BOUNCER, project / "build" / "target")
    (project / "dbtgate.yml").write_text(CONFIG)
    return tmp_path / "repo"


def owner_findings(report: dict) -> int:
    return sum(1 for f in report["findings"] if f["code"] == "owner.present")


def test_the_config_beside_the_artifacts_project_is_found_from_the_repository_root(repo):
    (repo / "dbt" / "dbtgate.yml").write_text(CONFIG.replace("baseline: gate/baseline.json\n", ""))
    target = repo / "dbt" / "build"
    (target / "target").rename(repo / "dbt" / "target")
    result = dbtgate("check", "--artifacts", "dbt/target", "--json", "gate.json", cwd=repo)
    assert result.returncode == 1, result.stdout + result.stderr
    report = read_json(repo / "gate.json")
    assert report["inputs"]["config"] == "dbt/dbtgate.yml"
    assert owner_findings(report) > 0
    assert "no dbtgate.yml" not in result.stdout + result.stderr


def test_paths_in_the_config_are_relative_to_it(repo):
    project = repo / "dbt"
    (project / "gate").mkdir()
    recorded = dbtgate("baseline", "--project-dir", "../..", cwd=project / "models" / "staging")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (project / "gate" / "baseline.json").is_file()
    for cwd, args in (
        (repo, ("--config", "dbt/dbtgate.yml")),
        (project / "models" / "staging", ("--project-dir", "../..")),
    ):
        result = dbtgate("check", *args, "--json", str(repo / "gate.json"), cwd=cwd)
        assert result.returncode == 0, result.stdout + result.stderr
        report = read_json(repo / "gate.json")
        assert owner_findings(report) > 0
        assert {f["disposition"] for f in report["findings"]} == {"baselined"}


def test_a_configured_path_that_does_not_exist_names_the_config_line(repo):
    project = repo / "dbt"
    result = dbtgate("check", "--config", "dbt/dbtgate.yml", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "dbtgate: error: dbt/dbtgate.yml:3: baseline: dbt/gate/baseline.json: file not found "
        "(write it with `dbtgate baseline`)"
    )
    shutil.rmtree(project / "build")
    result = dbtgate("check", cwd=project)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "dbtgate.yml:2: artifacts build/target: directory not found (run `dbt build` or `dbt "
        "parse` first, or pass --artifacts DIR)"
    )


def test_a_configured_artifacts_file_is_its_folder_or_an_error_at_the_config_line(repo):
    """`artifacts: build/target/manifest.json` was refused in words that offered it ("takes
    the build's directory or its manifest.json") and named --artifacts, an option not given."""
    project = repo / "dbt"
    config = CONFIG.replace("baseline: gate/baseline.json\n", "")
    (project / "dbtgate.yml").write_text(
        config.replace("artifacts: build/target", "artifacts: build/target/manifest.json")
    )
    result = dbtgate("check", "--json", "gate.json", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert owner_findings(read_json(project / "gate.json")) > 0
    (project / "dbtgate.yml").write_text(
        config.replace("artifacts: build/target", "artifacts: dbt_project.yml")
    )
    result = dbtgate("check", cwd=project)
    assert result.returncode == 2
    assert result.stderr == (
        "dbtgate: error: dbtgate.yml:2: artifacts dbt_project.yml: takes the build's directory "
        "or its manifest.json: dbtgate reads a build's files by dbt's names (manifest.json, "
        "run_results.json, ...)\n"
    )


def test_a_configured_project_dir_that_is_no_project_is_named_before_its_target(repo):
    """Without `artifacts:`, the build is read in project_dir's target/: a mistyped project_dir
    was reported as "the default nope/target: directory not found", not as the setting wrong
    (which `dbtgate validate` names)."""
    project = repo / "dbt"
    (project / "dbtgate.yml").write_text("version: 1\nproject_dir: nope\n")
    for command in ("check", "validate"):
        result = dbtgate(command, cwd=project)
        assert result.returncode == 2
        assert result.stderr.splitlines()[0] == (
            "dbtgate: error: dbtgate.yml:2: project_dir: nope: no dbt_project.yml there"
        )


def test_an_unbuilt_project_dir_given_on_the_command_line_is_not_blamed_on_the_config(repo):
    """`--project-dir` whose target/ does not exist yet: the folder is named as the flag gave
    it, not as "dbtgate.yml: the default", a setting the config does not hold."""
    (repo / "unbuilt").mkdir()
    (repo / "unbuilt" / "dbt_project.yml").write_text("name: unbuilt\n")
    (repo / "dbtgate.yml").write_text("version: 1\n")
    result = dbtgate("check", "--project-dir", "unbuilt", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("dbtgate: error: unbuilt/target: artifacts directory not found")


def test_a_configured_codeowners_file_that_does_not_exist_names_the_config_line(repo):
    project = repo / "dbt"
    (project / "dbtgate.yml").write_text(
        "version: 1\nartifacts: build/target\nowner:\n  codeowners: .github/CODEOWNERS\n"
    )
    result = dbtgate("check", cwd=project)
    assert result.returncode == 2
    assert result.stderr == (
        "dbtgate: error: dbtgate.yml:4: owner.codeowners: .github/CODEOWNERS: file not found\n"
    )


def test_report_inputs_are_relative_to_the_repository_root(repo):
    """The audit trail names the same files whichever folder dbtgate ran in, as findings do; the
    project file is where SARIF and GitLab pin a finding without a file of its own."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    project = repo / "dbt"
    (project / "gate").mkdir()
    assert dbtgate("baseline", cwd=project).returncode == 0
    result = dbtgate("check", "--project-dir", "..", "--json", "gate.json", cwd=project / "models")
    assert result.returncode == 0, result.stdout + result.stderr
    report = read_json(project / "models" / "gate.json")
    inputs = report["inputs"]
    assert report["sections"]["baseline"]["path"] == "dbt/gate/baseline.json"
    assert inputs["config"] == "dbt/dbtgate.yml"
    assert inputs["project_file"] == "dbt/dbt_project.yml"
    assert inputs["baseline"] == "dbt/gate/baseline.json"
    assert inputs["artifacts"]["manifest"]["path"] == "dbt/build/target/manifest.json"


def test_findings_on_the_config_name_it_from_the_repository_root(repo):
    """An expired waiver is a finding on dbtgate.yml: annotated and uploaded from any folder, it
    must name the file as the repository does."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    project = repo / "dbt"
    (project / "dbtgate.yml").write_text(
        CONFIG.replace("baseline: gate/baseline.json\n", "")
        + "waivers:\n  - rule: owner.present\n    select: stg_orders\n    reason: legacy\n"
        "    owner: '@data'\n    expires: 2020-01-01\n"
    )
    result = dbtgate("check", "--project-dir", "..", "--json", "gate.json", cwd=project / "models")
    assert result.returncode == 1, result.stdout + result.stderr
    findings = read_json(project / "models" / "gate.json")["findings"]
    expired = [f for f in findings if f["code"] == "waiver.expired"]
    assert [(f["path"], f["line"]) for f in expired] == [("dbt/dbtgate.yml", 7)]


def test_run_from_a_folder_of_the_project_gates_the_project_as_dbt_runs_it(repo):
    """`cd models/staging && dbtgate check`: the nearest folder above with a dbt_project.yml is
    the project (dbt's own rule), so its config and its build are read, not 'no target/'."""
    (repo / "dbt" / "dbtgate.yml").write_text(CONFIG.replace("baseline: gate/baseline.json\n", ""))
    staging = repo / "dbt" / "models" / "staging"
    checked = dbtgate("check", "--json", "gate.json", cwd=staging)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    report = read_json(staging / "gate.json")
    assert report["inputs"]["config"].endswith("repo/dbt/dbtgate.yml")
    assert owner_findings(report) > 0
    validated = dbtgate("validate", cwd=staging)
    assert validated.returncode == 0, validated.stderr
    assert "dbtgate.yml: valid" in validated.stdout


def test_a_project_without_a_config_reads_the_build_in_its_own_target(repo):
    """dbt writes `--project-dir X`'s build to X/target: without a config saying otherwise,
    that is where the build is, from any folder."""
    project = repo / "dbt"
    (project / "dbtgate.yml").unlink()
    (project / "build" / "target").rename(project / "target")
    for cwd, args in ((repo, ("--project-dir", "dbt")), (project / "models", ())):
        result = dbtgate("check", *args, "--json", "gate.json", cwd=cwd)
        assert result.returncode in (0, 1), result.stderr
        assert read_json(cwd / "gate.json")["project"] == "dbt_bouncer_test_project"


def test_init_from_a_folder_of_the_project_writes_the_config_at_the_project(repo):
    project = repo / "dbt"
    (project / "dbtgate.yml").unlink()
    result = dbtgate("init", cwd=project / "models" / "staging")
    assert result.returncode == 0, result.stderr
    assert (project / "dbtgate.yml").is_file()
    assert not (project / "models" / "staging" / "dbtgate.yml").exists()


def test_a_configured_base_that_is_not_there_names_the_config_line_not_the_option(repo):
    """`base:` in the config, mistyped: the user passed no --base, and an error blaming it sent
    them looking for one."""
    project = repo / "dbt"
    (project / "dbtgate.yml").write_text("version: 1\nartifacts: build/target\nbase: prod/targt\n")
    for command in ("check", "diff", "lint"):
        result = dbtgate(command, cwd=project)
        assert result.returncode == 2, command
        assert result.stderr.startswith("dbtgate: error: dbtgate.yml:3: base: prod/targt: "), (
            command,
            result.stderr,
        )
        assert "--base" not in result.stderr, command


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda path: path.symlink_to("../shared/dbtgate.yml"), "a broken link (to ../shared/"),
        (lambda path: path.mkdir(), "a folder"),
        (lambda path: os.mkfifo(path), "not a regular file"),
    ],
    ids=["broken-link", "folder", "fifo"],
)
def test_a_config_that_is_there_but_not_a_file_stops_the_gate(repo, make, said):
    """A dbtgate.yml linked to a shared config not checked out (or a folder of that name) was
    passed over as no config at all: `check` gated with no policies and said only "not
    checked: policies (no dbtgate.yml)", and `validate` told the user to write one."""
    project = repo / "dbt"
    (project / "dbtgate.yml").unlink()
    make(project / "dbtgate.yml")
    for command in (("check", "--artifacts", "build/target"), ("validate",), ("init", "--force")):
        result = dbtgate(*command, cwd=project)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stderr.startswith(f"dbtgate: error: dbtgate.yml: {said}"), result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr


LONG = "a" * 300  # over the 255 bytes a file name may have (ENAMETOOLONG)


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        (f"artifacts: {LONG}", f"dbtgate.yml:2: artifacts {LONG}: File name too long"),
        (f"baseline: {LONG}", f"dbtgate.yml:3: baseline: {LONG}: File name too long"),
        (f"project_dir: {LONG}", f"dbtgate.yml:3: project_dir: {LONG}: File name too long"),
        (f"base: {LONG}", f"dbtgate.yml:3: base: {LONG}: cannot be looked up: File name too long"),
        (f"plugins: [{LONG}]", f"dbtgate.yml:3: plugins: {LONG}: File name too long"),
        (
            f"owner:\n  codeowners: {LONG}",
            f"dbtgate.yml:4: owner.codeowners: {LONG}: File name too long",
        ),
        ("baseline: gate", "dbtgate.yml:3: baseline: gate: is a directory, expected the baseline"),
        (
            "project_dir: gate",
            "dbtgate.yml:3: project_dir: gate: gate/dbt_project.yml is a directory, not dbt's "
            "project file",
        ),
        (
            "owner:\n  codeowners: gate",
            "dbtgate.yml:4: owner.codeowners: gate: is a directory, expected the CODEOWNERS file",
        ),
    ],
    ids=[
        "artifacts-long",
        "baseline-long",
        "project_dir-long",
        "base-long",
        "plugins-long",
        "codeowners-long",
        "baseline-folder",
        "project-file-folder",
        "codeowners-folder",
    ],
)
def test_a_path_setting_the_system_refuses_names_the_config_line(repo, setting, said):
    """A path setting over 255 characters ended the run with the bare path and "File name too
    long"; one naming a folder where a file belongs, with the read's error or a wrong "not
    found": the user was left to find which setting gave it."""
    project = repo / "dbt"
    (project / "gate" / "dbt_project.yml").mkdir(parents=True)
    artifacts = "" if setting.startswith("artifacts") else "artifacts: build/target\n"
    (project / "dbtgate.yml").write_text(f"version: 1\n{artifacts}{setting}\n")
    commands = [("check",)]
    if not setting.startswith(("artifacts", "base:")):  # what validate checks
        commands.append(("validate",))
    if setting.startswith("baseline"):  # the file it writes
        commands.append(("baseline",))
    for command in commands:
        result = dbtgate(*command, cwd=project)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        errors = [line for line in result.stderr.splitlines() if "error" in line]
        assert errors[0].startswith(f"dbtgate: error: {said}"), (command, result.stderr)
        assert "Traceback" not in result.stderr


def test_the_console_names_files_from_the_folder_it_runs_in_and_the_reports_from_the_root(repo):
    """`cd dbt/models/staging && dbtgate check`: a location the console prints opens from there,
    as its fix commands' paths do (`../../dbtgate.yml`, not `dbt/dbtgate.yml`, which is no
    file from there); gate.md, SARIF and the JSON report keep the paths from the root, where
    GitHub and code scanning resolve them."""
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "dbt" / "dbtgate.yml").write_text(CONFIG.replace("baseline: gate/baseline.json\n", ""))
    staging = repo / "dbt" / "models" / "staging"
    result = dbtgate("check", "--out", "out", "--format", "md,sarif,json", cwd=staging)
    assert result.returncode == 1, result.stdout + result.stderr
    report = read_json(staging / "out" / "gate.json")
    in_report = sorted({f["path"] for f in report["findings"] if f.get("path")})
    assert in_report and all(path.startswith("dbt/models/") for path in in_report)
    shown = set(re.findall(r"  (\S+):\d+\n", result.stdout))
    assert {os.path.normpath(staging / path) for path in shown} == {
        str(repo / path) for path in in_report
    }
    assert not [path for path in shown if path.startswith("dbt/")]
    assert "waive it under `waivers:` in ../../dbtgate.yml " in result.stdout
    markdown = (staging / "out" / "gate.md").read_text()
    assert in_report[0] in markdown and "](../" not in markdown
    sarif = json.loads((staging / "out" / "gate.sarif").read_text())
    uris = {
        place["physicalLocation"]["artifactLocation"]["uri"]
        for run in sarif["runs"]
        for found in run["results"]
        for place in found.get("locations", [])
    }
    assert set(in_report) <= uris
    # From the root, the console and the reports name a file alike.
    root = dbtgate("check", "--project-dir", "dbt", cwd=repo)
    assert sorted(set(re.findall(r"  (\S+):\d+\n", root.stdout))) == in_report
