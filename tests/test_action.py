"""The GitHub composite action and the example workflow: valid YAML, and their bash scripts run
for real (the gate step on a corpus build; the workflow's steps with stand-ins for `gh` and `dbt`),
the way a runner would, minus GitHub."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from corpus import corpus_dir

from dbtgate.config import Config
from dbtgate.report.render import FORMATS, parse_formats

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "dbt-pr-gate.yml"


def action() -> dict:
    return yaml.safe_load((ROOT / "action.yml").read_text())


def example_steps() -> list[dict]:
    return yaml.safe_load(EXAMPLE.read_text())["jobs"]["gate"]["steps"]


def run_script(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """A `run:` script as a runner runs it with `shell: bash`; PATH starts with this Python's
    scripts, then any stand-in executables given in env's PATH."""
    path = os.pathsep.join(
        p for p in (env.pop("PATH", ""), str(Path(sys.executable).parent), "/usr/bin", "/bin") if p
    )
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        env={"NO_COLOR": "1", **env, "PATH": path},
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def stand_in(bin_dir: Path, name: str, script: str) -> None:
    """An executable `name` in bin_dir running the given bash script."""
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!/usr/bin/env bash\n{script}\n", encoding="utf-8")
    path.chmod(0o755)


def gate_step() -> dict:
    return next(s for s in action()["runs"]["steps"] if s["name"] == "Run the gate")


def gate_step_script() -> str:
    return gate_step()["run"]


def gate_step_env(**given: str) -> dict[str, str]:
    """The gate step's `env:` as the runner fills it from the inputs: their defaults, overridden
    by `given`."""
    inputs = {name: spec["default"] for name, spec in action()["inputs"].items()}
    inputs.update(given)
    env = {}
    for name, value in gate_step()["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", value)
        if match:
            env[name] = inputs[match.group(1)]
    return env


def test_workflows_are_valid_yaml_and_upload_the_sarif_the_action_writes():
    inputs = action()["inputs"]
    yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    out = inputs["out"]["default"]
    uploads = [s for s in example_steps() if "upload-sarif" in s.get("uses", "")]
    assert uploads[0]["with"]["sarif_file"] == f"{out}/{FORMATS['sarif'].filename}"
    assert "sarif" in parse_formats(inputs["formats"]["default"])


def test_inputs_that_stand_for_config_keys_default_to_empty():
    """A default would be passed as a flag and silently override the key set in dbtgate.yml."""
    keys = {field.name for field in dataclasses.fields(Config)}
    shadowing = {
        name: spec["default"]
        for name, spec in action()["inputs"].items()
        if name.replace("-", "_") in keys
    }
    assert "artifacts" in shadowing
    assert shadowing == dict.fromkeys(shadowing, "")


def test_the_gate_step_passes_only_the_inputs_given(tmp_path):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "dbtgate", 'printf "%s\\n" "$@"')
    defaults = run_script(gate_step_script(), {**gate_step_env(), "PATH": str(bin_dir)}, tmp_path)
    assert defaults.returncode == 0, defaults.stderr
    inputs = action()["inputs"]
    assert defaults.stdout.splitlines() == [
        "check",
        "--out",
        inputs["out"]["default"],
        "--format",
        inputs["formats"]["default"],
        "--comment",
    ]
    given = gate_step_env(artifacts="build/target", base="origin/main", config="ci/dbtgate.yml")
    given.update(DBTGATE_COMMENT="false", PATH=str(bin_dir))
    passed = run_script(gate_step_script(), given, tmp_path).stdout.splitlines()
    assert passed[passed.index("--artifacts") + 1] == "build/target"
    assert passed[passed.index("--base") + 1] == "origin/main"
    assert passed[passed.index("--config") + 1] == "ci/dbtgate.yml"
    assert "--comment" not in passed
    # `args` are words appended as they are, never evaluated by the shell.
    extra = gate_step_env(args="--select tag:finance $(touch pwned) --max-findings 50")
    extra["PATH"] = str(bin_dir)
    words = run_script(gate_step_script(), extra, tmp_path).stdout.splitlines()
    assert words[-6:] == ["--select", "tag:finance", "$(touch", "pwned)", "--max-findings", "50"]
    assert not (tmp_path / "pwned").exists()


def test_the_gate_step_script_runs_and_writes_the_reports(tmp_path):
    build = corpus_dir("bouncer-dbt112")
    out = tmp_path / "dbtgate-reports"
    env = gate_step_env(artifacts=str(build), out=str(out), comment="false")
    result = run_script(gate_step_script(), env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    written = {p.name for p in out.iterdir()}
    assert written == {FORMATS[name].filename for name in parse_formats(env["DBTGATE_FORMATS"])}


def test_the_gate_step_reads_the_artifacts_dbtgate_yml_names(tmp_path):
    """With the inputs' defaults, `artifacts:` in the config decides (there is no ./target)."""
    build = corpus_dir("bouncer-dbt112")
    (tmp_path / "dbtgate.yml").write_text(f"version: 1\nartifacts: {build}\n", encoding="utf-8")
    result = run_script(gate_step_script(), gate_step_env(comment="false"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = (tmp_path / action()["inputs"]["out"]["default"] / "gate.json").read_text()
    # The report names the file as resolved (the corpus may be reached through a link).
    assert str((build / "manifest.json").resolve()) in report


# -- the example workflow -------------------------------------------------------------------


def step_named(name: str) -> dict:
    return next(s for s in example_steps() if s.get("name") == name)


def test_every_step_output_the_example_reads_is_written_by_an_earlier_step():
    seen: set[str] = set()
    for step in example_steps():
        text = yaml.safe_dump(step)
        for used in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", text):
            assert used in seen, f"{step.get('name', step.get('uses'))} reads steps.{used}"
        if "id" in step:
            seen.add(step["id"])
    assert {"base-run", "base-download"} <= seen


def test_the_example_downloads_the_base_runs_artifacts_with_a_token():
    """download-artifact reads only the current run's artifacts unless given run-id and a token
    (which needs `actions: read`)."""
    workflow = yaml.safe_load(EXAMPLE.read_text())
    assert workflow["permissions"]["actions"] == "read"
    [download] = [s for s in example_steps() if "download-artifact" in s.get("uses", "")]
    assert download["with"]["run-id"] == "${{ steps.base-run.outputs.run-id }}"
    assert download["with"]["github-token"] == "${{ github.token }}"
    assert download["if"] == "steps.base-run.outputs.run-id != ''"
    [upload] = [
        s
        for s in example_steps()
        if "upload-artifact" in s.get("uses", "") and s.get("if") == "github.event_name == 'push'"
    ]
    assert upload["with"]["name"] == download["with"]["name"]
    # What the base needs (a manifest; a catalog for warehouse types) is uploaded at the root.
    assert {"target/manifest.json", "target/catalog.json"} <= set(upload["with"]["path"].split())
    # The base is the download when it succeeded, else the base branch as a git ref.
    base = step_named("Gate")["env"]["BASE"]
    assert "steps.base-download.outcome == 'success' && 'base-artifacts'" in base
    assert download["with"]["path"] == "base-artifacts"
    assert "format('origin/{0}', github.base_ref)" in base


def test_the_example_gates_a_pull_request_against_its_base_and_main_alone(tmp_path):
    """The example's gate step as a runner runs it, with dbtgate standing in: a pull request
    gets the base and the sticky comment; a push to main the gate of main, which cannot fail
    the push (its SARIF is the code-scanning baseline of the pull requests)."""
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "dbtgate", 'printf "%s\\n" "$@"')
    step = step_named("Gate")
    env = {"PATH": str(bin_dir), "BASE": "base-artifacts"}
    pr = run_script(step["run"], {**env, "GITHUB_EVENT_NAME": "pull_request"}, tmp_path)
    assert pr.returncode == 0, pr.stderr
    words = pr.stdout.splitlines()
    assert words[:3] == ["check", "--artifacts", "target"]
    assert words[words.index("--base") + 1] == "base-artifacts" and "--comment" in words
    formats = words[words.index("--format") + 1]
    assert words[words.index("--out") + 1] == "dbtgate-reports" and "sarif" in formats
    main = run_script(step["run"], {**env, "GITHUB_EVENT_NAME": "push"}, tmp_path)
    assert "--base" not in main.stdout and "--comment" not in main.stdout
    assert step["continue-on-error"] == "${{ github.event_name == 'push' }}"
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"
    # Labelling the pull request `breaking-change-ok` runs the gate again, with the label.
    workflow = yaml.safe_load(EXAMPLE.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"labeled", "unlabeled", "synchronize"} <= set(triggers["pull_request"]["types"])
    assert (
        f"github.event.label.name == '{Config().breaking.ack_label}'"
        in (workflow["jobs"]["gate"]["if"])
    )


def test_the_example_finds_the_base_branchs_latest_successful_push_build(tmp_path):
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "gh", f'printf "%s\\n" "$@" > {tmp_path}/gh-args; echo "$GH_RUN_ID"')
    script = step_named("Find the base build")["run"]
    outputs = tmp_path / "outputs"
    env = {
        "PATH": str(bin_dir),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_BASE_REF": "main",
        "GITHUB_WORKFLOW_REF": "acme/shop/.github/workflows/dbt-gate.yml@refs/pull/7/merge",
    }
    found = run_script(script, {**env, "GH_RUN_ID": "123456"}, tmp_path)
    assert found.returncode == 0, found.stderr
    assert outputs.read_text() == "run-id=123456\n"
    args = (tmp_path / "gh-args").read_text().splitlines()
    assert args[:2] == ["run", "list"]
    for flag, value in {
        "--workflow": "dbt-gate.yml",
        "--branch": "main",
        "--event": "push",
        "--status": "success",
    }.items():
        assert args[args.index(flag) + 1] == value
    outputs.unlink()
    none = run_script(script, {**env, "GH_RUN_ID": ""}, tmp_path)
    assert none.returncode == 0, none.stderr
    assert outputs.read_text() == "run-id=\n"
    assert "the gate parses origin/main" in none.stdout


def test_the_example_build_keeps_the_build_results_and_goes_on_when_a_test_fails(tmp_path):
    """`dbt build` exits 1 on a failing test; the gate must still run, on the build's own
    run_results.json, with the catalog from `dbt docs generate`."""
    bin_dir = tmp_path / "bin"
    stand_in(
        bin_dir,
        "dbt",
        """case "$1" in
  build) mkdir -p target; echo build > target/run_results.json; exit 1 ;;
  docs) [ "$3" = --target-path ] || exit 9; mkdir -p "$4"
        echo generate > "$4/run_results.json"; echo catalog > "$4/catalog.json" ;;
esac""",
    )
    result = run_script(step_named("Build")["run"], {"PATH": str(bin_dir)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "target/run_results.json").read_text() == "build\n"
    assert (tmp_path / "target/catalog.json").read_text() == "catalog\n"


def test_the_actions_outputs_are_the_ones_dbtgate_writes(tmp_path):
    from report_samples import sample_report

    from dbtgate.report.publish import PublishRequest, step_outputs

    written = step_outputs(sample_report(), {}, PublishRequest())
    names = [line.split("=", 1)[0] for line in written.splitlines()]
    outputs = action()["outputs"]
    assert sorted(outputs) == sorted(names)
    assert gate_step()["id"] == "gate"
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.gate.outputs.{name} }}}}"


# -- the gate step against a local GitHub API -----------------------------------------------


def actions_env(gh, tmp_path: Path, head: str, **event: object) -> dict[str, str]:
    """The environment a runner gives the gate step on a pull_request event of PR 7."""
    payload = {"number": 7, "pull_request": {"number": 7, "head": {"sha": head}, **event}}
    (tmp_path / "event.json").write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": gh.token,
        "GITHUB_API_URL": gh.api_url,
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def test_a_rerun_of_an_older_push_leaves_the_newer_verdict_in_the_comment(tmp_path):
    """Two pushes in quick succession: the first push's run (re-run, or finishing late) must
    not write its verdict over the comment of the second, which is the pull request's head."""
    from fake_github import FakeGitHub

    old, new = "1" * 40, "2" * 40
    build = corpus_dir("bouncer-dbt112")
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=new)
        env = {**gate_step_env(artifacts=str(build)), **actions_env(gh, tmp_path, old)}
        stale = run_script(gate_step_script(), env, tmp_path)
        assert stale.returncode == 0, stale.stderr
        assert gh.comments("acme/shop", 7) == []
        assert "PR comment left as it is: the pull request's head is now 2222222" in stale.stderr
        # The job's own summary and outputs are of the commit it gated, as always.
        assert "verdict=pass" in (tmp_path / "outputs").read_text()

        current = run_script(
            gate_step_script(),
            {**gate_step_env(artifacts=str(build)), **actions_env(gh, tmp_path, new)},
            tmp_path,
        )
        assert current.returncode == 0, current.stderr
        [comment] = gh.comments("acme/shop", 7)
        assert new[:7] in comment["body"]
