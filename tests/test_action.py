"""The GitHub composite action and the example workflow: valid YAML, and their bash scripts run
for real (the gate step on a corpus build; the workflow's steps with stand-ins for `gh` and `dbt`,
in real git checkouts, their `${{ }}` expressions evaluated for each event), the way a runner
would, minus GitHub."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import msgspec
import pytest
import yaml
from cli_support import plain_env, run_dbtgate
from corpus import corpus_dir
from lint_repos import commit_all, git, init_repo
from workflow_expressions import evaluate, interpolate

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
    # `${{ github.token }}`, the runner's to fill in: a job's token, which a test has none of.
    inputs = {name: "" if "${{" in value else value for name, value in inputs.items()}
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
    sarif = f"{out}/{FORMATS['sarif'].filename}"
    assert uploads[0]["with"]["sarif_file"] == f"${{{{ matrix.dir }}}}/{sarif}"
    assert "sarif" in parse_formats(inputs["formats"]["default"])


def test_inputs_that_stand_for_config_keys_default_to_empty():
    """A default would be passed as a flag and silently override the key set in dbtgate.yml."""
    keys = {field.name for field in msgspec.structs.fields(Config)}
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
    # A comment key is one word, spaces and all (a matrix's `duckdb prod`).
    keyed = gate_step_env(**{"comment-key": "duckdb prod"})
    keyed["PATH"] = str(bin_dir)
    words = run_script(gate_step_script(), keyed, tmp_path).stdout.splitlines()
    assert words[words.index("--comment-key") + 1] == "duckdb prod"


def test_args_written_as_a_yaml_block_pass_every_line(tmp_path):
    """`args: |` with one option a line is how a long list gets written in a workflow: each line's
    words reach the gate, not the first line's alone."""
    bin_dir = tmp_path / "bin"
    stand_in(bin_dir, "dbtgate", 'printf "%s\\n" "$@"')
    env = gate_step_env(args="--baseline dbtgate-baseline.json\n--max-findings 50\n")
    env["PATH"] = str(bin_dir)
    words = run_script(gate_step_script(), env, tmp_path).stdout.splitlines()
    assert words[-4:] == ["--baseline", "dbtgate-baseline.json", "--max-findings", "50"]


def test_the_gate_step_runs_in_the_working_directory_and_outputs_absolute_paths(tmp_path):
    """A dbt project in a subfolder (`working-directory: analytics`): the gate runs there, and
    a later step, which runs at the repository's root, finds the reports by the outputs."""
    assert gate_step()["working-directory"] == "${{ inputs.working-directory }}"
    assert action()["inputs"]["working-directory"]["default"] == "."
    build = corpus_dir("bouncer-dbt112")
    project = tmp_path / "analytics"
    project.mkdir()
    (project / "dbtgate.yml").write_text(f"version: 1\nartifacts: {build}\n", encoding="utf-8")
    env = {**gate_step_env(comment="false"), "GITHUB_OUTPUT": str(tmp_path / "outputs")}
    result = run_script(gate_step_script(), env, project)
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = dict(line.split("=", 1) for line in (tmp_path / "outputs").read_text().splitlines())
    out = project / action()["inputs"]["out"]["default"]
    assert outputs["report-json"] == str(out / "gate.json")
    assert outputs["report-html"] == str(out / "gate.html")
    assert outputs["reports"] == str(out)  # what the upload step uploads
    assert Path(outputs["report-json"]).is_file()


def test_the_reports_are_uploaded_under_the_name_given_and_only_then():
    """The job summary names gate.html among the run's artifacts; with `upload-artifact` the
    action puts it there, after a failing gate too (its step fails), never after a cancelled run
    or an error that wrote no report (the `reports` output is then empty)."""
    steps = action()["runs"]["steps"]
    upload = next(s for s in steps if "upload-artifact" in s.get("uses", ""))
    assert steps.index(upload) > steps.index(gate_step())
    assert upload["uses"].startswith("actions/upload-artifact@v")
    assert upload["with"] == {
        "name": "${{ inputs.upload-artifact }}",
        "path": "${{ steps.gate.outputs.reports }}",
    }
    condition = upload["if"]
    for part in (
        "!cancelled()",
        "inputs.upload-artifact != ''",
        "steps.gate.outputs.reports != ''",
    ):
        assert part in condition
    assert "success()" not in condition and "always()" not in condition
    # Off unless named: two jobs of a matrix uploading one name would fail the run.
    assert action()["inputs"]["upload-artifact"]["default"] == ""


def test_with_upload_sarif_the_action_uploads_the_sarif_the_gate_wrote_and_goes_on_if_refused():
    """`upload-sarif: true` sends gate.sarif to code scanning after the gate, a failing one too,
    never after a cancelled run or an error that wrote no report; a refusal (code scanning off,
    a fork's read-only token) does not fail the job: the gate's verdict stands."""
    steps = action()["runs"]["steps"]
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert steps.index(upload) > steps.index(gate_step())
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@v")
    assert upload["with"] == {
        "sarif_file": f"${{{{ steps.gate.outputs.reports }}}}/{FORMATS['sarif'].filename}",
        "category": "dbtgate",
    }
    assert upload["continue-on-error"] is True
    condition = upload["if"]
    for part in (
        "!cancelled()",
        "inputs.upload-sarif == 'true'",
        "steps.gate.outputs.reports != ''",
    ):
        assert part in condition
    assert "success()" not in condition and "always()" not in condition
    assert action()["inputs"]["upload-sarif"]["default"] == "false"
    # (Off unless asked: the upload needs `security-events: write`, which a job may not grant.)


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
    assert step_named("Find the base build")["env"]["ARTIFACT"] == upload["with"]["name"]
    # What the base needs (a manifest; a catalog for warehouse types), from the project's folder.
    paths = set(upload["with"]["path"].splitlines())
    assert {
        "${{ matrix.dir }}/target/manifest.json",
        "${{ matrix.dir }}/target/catalog.json",
    } <= paths
    # The base is the download when it succeeded, else the base branch as a git ref.
    base = step_named("Gate")["env"]["BASE"]
    assert download["with"]["path"] == "${{ runner.temp }}/base-artifacts"
    assert (
        "steps.base-download.outcome == 'success' && format('{0}/base-artifacts', runner.temp)"
        in base
    )
    assert "format('origin/{0}', github.base_ref)" in base


def for_project(value: object, entry: dict[str, str]) -> str:
    """A step's setting as the runner reads it in the matrix job of `entry`."""
    text = str(value)
    for key, given in entry.items():
        text = text.replace(f"${{{{ matrix.{key} }}}}", given).replace(f"matrix.{key}", repr(given))
    return text


def test_the_example_gates_each_dbt_project_of_a_monorepo_in_a_job_of_its_own():
    """A matrix over `analytics/` and `marketing/`: each job works in its project's folder, and
    nothing one job uploads (artifacts, the SARIF's category) collides with the other's (an
    artifact name taken twice in a run fails the job; a category twice replaces an analysis)."""
    job = yaml.safe_load(EXAMPLE.read_text())["jobs"]["gate"]
    assert job["strategy"]["fail-fast"] is False
    assert job["defaults"]["run"]["working-directory"] == "${{ matrix.dir }}"
    assert "${{ matrix.name }}" in job["name"]
    # The single project of the example keeps the artifact name main's earlier runs uploaded.
    assert job["strategy"]["matrix"]["include"] == [{"dir": ".", "name": "dbt"}]
    upload_name = next(s for s in job["steps"] if s.get("if") == "github.event_name == 'push'")
    assert for_project(upload_name["with"]["name"], {"name": "dbt"}) == "dbt-base-artifacts"

    projects = [
        {"dir": "analytics", "name": "analytics"},
        {"dir": "marketing", "name": "marketing"},
    ]
    taken: dict[str, str] = {}
    for entry in projects:
        for step in job["steps"]:
            uses, settings = step.get("uses", ""), step.get("with", {})
            if "upload-artifact" in uses:
                name = for_project(settings["name"], entry)
                assert name not in taken, f"{name} uploaded twice"
                taken[name] = entry["dir"]
                for path in for_project(settings["path"], entry).split():
                    assert path.startswith(f"{entry['dir']}/"), path
            if "upload-sarif" in uses:
                category = for_project(settings["category"], entry)
                assert category not in taken
                taken[category] = entry["dir"]
                assert for_project(settings["sarif_file"], entry).startswith(f"{entry['dir']}/")
            if "hashFiles" in str(step.get("if", "")):
                assert f"'{entry['dir']}'" in for_project(step["if"], entry)
    assert len(taken) == 3 * len(projects)


def test_every_label_change_gates_again_and_no_job_is_skipped():
    """A job skipped by its `if:` reports success, which counts as a passing required check:
    skipped for a label other than the acknowledgement's, it would stand over a failing verdict
    of the same commit."""
    workflow = yaml.safe_load(EXAMPLE.read_text())
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert {"labeled", "unlabeled", "synchronize"} <= set(triggers["pull_request"]["types"])
    assert "if" not in workflow["jobs"]["gate"]
    for name in ("Build", "Gate"):
        assert "label" not in str(step_named(name).get("if", ""))


def test_the_example_gates_a_pull_request_against_its_base_and_main_alone(tmp_path):
    """The example's gate step as a runner runs it, with dbtgate standing in: a pull request
    gets the base and the sticky comment; a merge group the base alone (the pull request's runs
    wrote the comment), and its verdict fails the group; a push to main the gate of main, which
    cannot fail the push (its SARIF is the code-scanning baseline of the pull requests)."""
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
    group = run_script(step["run"], {**env, "GITHUB_EVENT_NAME": "merge_group"}, tmp_path)
    assert group.stdout.splitlines() == [w for w in words if w != "--comment"]
    main = run_script(step["run"], {**env, "GITHUB_EVENT_NAME": "push"}, tmp_path)
    assert "--base" not in main.stdout and "--comment" not in main.stdout
    for event, may_fail in {"pull_request": False, "merge_group": False, "push": True}.items():
        context = workflow_context(event, FAKE_COMMITS)
        assert evaluate(step["continue-on-error"], context) is may_fail
    assert step["env"]["GITHUB_TOKEN"] == "${{ github.token }}"


def test_the_example_is_the_required_check_of_a_merge_queues_groups():
    """A required check that no run reports on a merge group stalls the queue: the workflow
    listens to `merge_group`, and its job and steps run there as on a pull request, each group
    in a concurrency group of its own (a cancelled run would fail the group)."""
    workflow = yaml.safe_load(EXAMPLE.read_text())
    assert workflow[True]["merge_group"] == {"types": ["checks_requested"]}
    # The labels are read through the API: `pull-requests: read`, which write includes.
    assert workflow["permissions"]["pull-requests"] == "write"
    contexts = {
        event: workflow_context(event, FAKE_COMMITS)
        for event in ("pull_request", "merge_group", "push")
    }
    # The steps each event runs (those whose `if:` reads earlier steps' results run after them).
    runs = {
        event: [
            step.get("name", step.get("uses"))
            for step in example_steps()
            if "if" not in step
            or re.search(r"steps\.|hashFiles", step["if"])
            or evaluate(step["if"], context)
        ]
        for event, context in contexts.items()
    }
    assert runs["merge_group"] == runs["pull_request"]
    pull_request, push = Counter(runs["pull_request"]), Counter(runs["push"])
    assert pull_request - push == {"Find the base build": 1}  # no base on main
    assert push - pull_request == {"actions/upload-artifact@v4": 1}  # main's build, kept
    concurrency = {
        event: interpolate(workflow["concurrency"]["group"], context)
        for event, context in contexts.items()
    }
    assert concurrency == {
        "pull_request": "dbt-gate-7",
        "merge_group": f"dbt-gate-refs/heads/gh-readonly-queue/main/pr-7-{FAKE_COMMITS['G1']}",
        "push": "dbt-gate-refs/heads/main",
    }


def runner_checkout(root: Path) -> dict[str, str]:
    """A real repository as actions/checkout leaves it with `fetch-depth: 0`, holding both
    events' commits by name: main's A, B, C (origin/main at C); pull request #7's head F, left
    main at A; M, GitHub's merge commit of F onto B (main then at B), which a pull_request run
    checks out; G1, the merge queue's group of #5 built on C, and G2, the group of #7 built on
    G1 (stacked: G1 is not on main yet), which the merge_group run checks out."""
    init_repo(root)
    commits: dict[str, str] = {}

    def commit(name: str) -> None:
        commit_all(root, name)
        commits[name] = git(root, "rev-parse", "HEAD").strip()

    commit("A")
    git(root, "checkout", "--quiet", "-b", "pr-7")
    commit("F")
    git(root, "checkout", "--quiet", "main")
    commit("B")
    git(root, "checkout", "--quiet", "--detach")
    git(root, "merge", "--quiet", "--no-ff", "-m", "M", "pr-7")
    commits["M"] = git(root, "rev-parse", "HEAD").strip()
    git(root, "checkout", "--quiet", "main")
    commit("C")
    git(root, "update-ref", "refs/remotes/origin/main", commits["C"])
    git(root, "checkout", "--quiet", "-b", f"gh-readonly-queue/main/pr-5-{commits['C']}")
    commit("G1")
    git(root, "checkout", "--quiet", "-b", f"gh-readonly-queue/main/pr-7-{commits['G1']}")
    commit("G2")
    return commits


def find_base(
    tmp_path: Path,
    run: str,
    artifacts: str = "false",
    gh_fails: str = "",
    event: str = "pull_request",
) -> tuple[str, list[str], dict[str, str]]:
    """The example's "Find the base build" step in a real checkout of `event`
    (`runner_checkout`), its env as the runner fills it, with `gh` standing in: `run` is what
    `gh run list` prints (its --jq line: id, status, conclusion), `artifacts` what `gh api`
    prints for the run's artifact (`expired`), `gh_fails` the subcommand that fails. Returns the
    run-id output, the notices and the checkout's commits."""
    bin_dir = tmp_path / "bin"
    stand_in(
        bin_dir,
        "gh",
        f"""printf "%s\\n" "$@" > {tmp_path}/gh-$1-args
[ "$1" = "$GH_FAILS" ] && {{ echo "HTTP 403: Resource not accessible"; exit 1; }}
case "$1" in run) [ -n "$GH_RUN" ] && echo "$GH_RUN" ;; api) echo "$GH_EXPIRED" ;; esac
exit 0""",
    )
    checkout = tmp_path / "checkout"
    commits = runner_checkout(checkout)
    git(
        checkout,
        "checkout",
        "--quiet",
        "--detach",
        commits["M" if event == "pull_request" else "G2"],
    )
    outputs = tmp_path / "outputs"
    outputs.unlink(missing_ok=True)
    step = step_named("Find the base build")
    context = workflow_context(event, commits)
    assert evaluate(step["if"], context) is True
    env = {
        **{name: interpolate(str(value), context) for name, value in step["env"].items()},
        "PATH": str(bin_dir),
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_EVENT_NAME": event,
        "GITHUB_BASE_REF": context["github"]["base_ref"],
        "GITHUB_WORKFLOW_REF": "acme/shop/.github/workflows/dbt-gate.yml@refs/pull/7/merge",
        "GH_RUN": run,
        "GH_EXPIRED": artifacts,
        "GH_FAILS": gh_fails,
    }
    result = run_script(step["run"], env, checkout)
    assert result.returncode == 0, result.stderr
    run_id = outputs.read_text().removeprefix("run-id=").removesuffix("\n")
    notices = [line for line in result.stdout.splitlines() if line.startswith("::notice")]
    return run_id, notices, commits


# Commits by `runner_checkout`'s names, for the tests that need their names only.
FAKE_COMMITS = {
    name: f"{n:040x}" for n, name in enumerate(("A", "B", "C", "F", "M", "G1", "G2"), 1)
}


def workflow_context(event: str, commits: dict[str, str], **steps: object) -> dict:
    """The expression contexts of the example's job on `event` in `runner_checkout`'s
    repository: a pull_request of #7 (merge commit M), a merge_group of #7 built on G1, or a
    push of C to main. `steps` gives earlier steps' results (`base-download`: {"outcome": ...})."""
    from fake_github import merge_group_event

    github: dict[str, object] = {
        "event_name": event,
        "repository": "acme/shop",
        "token": "ghs_jobTOKEN",
        "base_ref": "",
    }
    if event == "pull_request":
        github |= {
            "ref": "refs/pull/7/merge",
            "sha": commits["M"],
            "base_ref": "main",
            "event": {"number": 7, "pull_request": {"number": 7, "head": {"sha": commits["F"]}}},
        }
    elif event == "merge_group":
        payload = merge_group_event(7, repository="acme/shop", base_sha=commits["G1"])
        payload["merge_group"] |= {"head_sha": commits["G2"]}
        github |= {
            "ref": payload["merge_group"]["head_ref"],
            "sha": commits["G2"],
            "event": payload,
        }
    else:
        github |= {"ref": "refs/heads/main", "sha": commits["C"], "event": {"after": commits["C"]}}
    return {
        "github": github,
        "matrix": {"dir": ".", "name": "dbt"},
        "runner": {"temp": "/home/runner/work/_temp"},
        "steps": steps,
    }


def test_the_example_finds_mains_build_of_the_commit_the_merge_commit_was_made_on(tmp_path):
    """Of the commit GitHub's merge commit was made on (B), not main's latest build (C): what
    main gained since would read as the pull request's changes (a column added on main, missing
    from the merge commit, as a removed column)."""
    run_id, notices, commits = find_base(tmp_path, "123456 completed success")
    assert (run_id, notices) == ("123456", [])
    args = (tmp_path / "gh-run-args").read_text().splitlines()
    assert args[:2] == ["run", "list"]
    for flag, value in {
        "--workflow": "dbt-gate.yml",
        "--branch": "main",
        "--event": "push",
        "--commit": commits["B"],
    }.items():
        assert args[args.index(flag) + 1] == value
    api = (tmp_path / "gh-api-args").read_text().splitlines()
    assert api[1] == "repos/acme/shop/actions/runs/123456/artifacts?name=dbt-base-artifacts"


def test_a_merge_group_takes_mains_build_of_the_commit_it_was_built_on(tmp_path):
    """A merge group of #7 stacked on the group of #5 (G1): its base is G1, the group's
    base_sha, not where the checkout left main (C, whose diff would hold #5's changes too, which
    #7's labels do not acknowledge). main's push run of it is its base build when there is one."""
    run_id, notices, commits = find_base(tmp_path, "654321 completed success", event="merge_group")
    assert (run_id, notices) == ("654321", [])
    args = (tmp_path / "gh-run-args").read_text().splitlines()
    for flag, value in {"--branch": "main", "--event": "push", "--commit": commits["G1"]}.items():
        assert args[args.index(flag) + 1] == value
    api = (tmp_path / "gh-api-args").read_text().splitlines()
    assert api[1] == "repos/acme/shop/actions/runs/654321/artifacts?name=dbt-base-artifacts"


@pytest.mark.parametrize(
    ("run", "artifacts", "gh_fails", "why"),
    [
        ("", "", "", "no run of dbt-gate.yml built main at {B} (the first pull request"),
        ("123 in_progress ", "", "", "the build of main at {B} is still running (run 123"),
        ("123 completed failure", "", "", "did not succeed (run 123, failure)"),
        ("123 completed cancelled", "", "", "did not succeed (run 123, cancelled)"),
        ("123 completed success", "true", "", "dbt-base-artifacts of run 123 (the build of"),
        ("123 completed success", "absent", "", "kept no artifact dbt-base-artifacts"),
        ("", "", "run", "could not be listed (HTTP 403: Resource not accessible)"),
        ("123 completed success", "", "api", "artifacts of run 123 could not be read (HTTP 403"),
    ],
    ids=["first-pr", "running", "failed", "cancelled", "expired", "no-artifact", "gh", "api"],
)
def test_without_a_base_build_to_use_a_notice_says_why_and_the_gate_parses_it(
    tmp_path, run, artifacts, gh_fails, why
):
    run_id, notices, commits = find_base(tmp_path, run, artifacts, gh_fails)
    assert run_id == ""
    [notice] = notices
    short = commits["B"][:7]
    assert notice.startswith("::notice title=dbtgate base::") and why.format(B=short) in notice
    assert notice.endswith(
        f"the gate parses main at {short} with dbt parse instead "
        "(breaking changes from the manifest alone, without warehouse types)"
    )
    # The gate then reads the base branch as a git ref, which `dbtgate check` parses at the
    # same merge base (dbtgate.base.compared_commit).
    context = workflow_context("pull_request", commits, **{"base-download": {"outcome": ""}})
    assert interpolate(step_named("Gate")["env"]["BASE"], context) == "origin/main"


@pytest.mark.parametrize(
    ("run", "why"),
    [
        (
            "",
            "no run of dbt-gate.yml built the merge group's base {G1} (the head of a group "
            "queued ahead of this one, not on main yet, or a commit pushed before the workflow "
            "was added)",
        ),
        ("123 in_progress ", "the build of the merge group's base {G1} is still running"),
    ],
    ids=["stacked", "running"],
)
def test_a_merge_group_without_a_base_build_parses_the_commit_it_was_built_on(tmp_path, run, why):
    """G1, the group ahead, has no push run of main's yet (or main's run of it is still going):
    the gate parses G1 itself, which the checkout holds (an ancestor of the group's head)."""
    run_id, notices, commits = find_base(tmp_path, run, event="merge_group")
    assert run_id == ""
    [notice] = notices
    short = commits["G1"][:7]
    assert why.format(G1=short) in notice
    assert notice.endswith(
        f"the gate parses the merge group's base {short} with dbt parse instead "
        "(breaking changes from the manifest alone, without warehouse types)"
    )
    context = workflow_context("merge_group", commits, **{"base-download": {"outcome": ""}})
    assert interpolate(step_named("Gate")["env"]["BASE"], context) == commits["G1"]
    checkout = tmp_path / "checkout"
    git(checkout, "merge-base", "--is-ancestor", commits["G1"], "HEAD")


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

    written = step_outputs(sample_report(), {}, PublishRequest(), failed=False)
    names = [line.split("=", 1)[0] for line in written.splitlines()]
    outputs = action()["outputs"]
    assert sorted(outputs) == sorted(names)
    assert gate_step()["id"] == "gate"
    for name, spec in outputs.items():
        assert spec["value"] == f"${{{{ steps.gate.outputs.{name} }}}}"


# -- the gate step against a local GitHub API -----------------------------------------------


def actions_env(gh, tmp_path: Path, sha: str, **pull: object) -> dict[str, str]:
    """The environment a runner gives the gate step on a pull_request event of PR 7, whose
    head commit is `sha`; `pull` adds to the event's pull_request (`head`, `base`)."""
    payload = {"number": 7, "pull_request": {"number": 7, "head": {"sha": sha}, **pull}}
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


def merge_group_env(gh, tmp_path: Path, payload: dict, sha: str | None = None) -> dict[str, str]:
    """The environment a runner gives a step on a merge_group event (`payload`, written to
    tmp_path/event.json), at the group's head commit unless `sha` says another."""
    (tmp_path / "event.json").write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": gh.api_url,
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_EVENT_NAME": "merge_group",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
        "GITHUB_REF": payload["merge_group"]["head_ref"],
        "GITHUB_SHA": sha or payload["merge_group"]["head_sha"],
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


@pytest.mark.parametrize("labelled", [True, False])
def test_in_a_merge_queue_the_action_reads_the_pull_requests_labels_with_its_token(
    tmp_path, labelled
):
    """A `merge_group` run of a group made for PR #123: the action's `token` input reads that
    pull request's labels, so the breaking change its label acknowledges passes as it did on
    the pull request (and blocks without it); no comment is posted in the queue."""
    from diff_support import model, write_build
    from fake_github import FakeGitHub, merge_group_event

    columns = [("order_id", "integer"), ("status", "varchar")]
    write_build(tmp_path / "base", [model("orders", columns, contract=True, access="public")])
    write_build(tmp_path / "pr", [model("orders", columns[:1], contract=True, access="public")])
    (tmp_path / "pr" / "dbtgate.yml").write_text("version: 1\n")
    payload = merge_group_event(123, repository="acme/shop")
    app_token = "ghs_appINSTALLATIONtoken0123456789"
    with FakeGitHub(app_token) as gh:
        gh.add_pull_request("acme/shop", 123)
        gh.label("acme/shop", 123, *(["breaking-change-ok"] if labelled else ["docs"]))
        env = {
            **gate_step_env(base="../base/target", token=app_token),
            **merge_group_env(gh, tmp_path, payload),
        }
        result = run_script(gate_step_script(), env, tmp_path / "pr")
        assert [(r.method, r.path) for r in gh.requests] == [
            ("GET", "/repos/acme/shop/issues/123/labels?per_page=100")
        ]
        assert gh.comments("acme/shop", 123) == []
    assert result.returncode == (0 if labelled else 1), result.stdout + result.stderr
    verdict = "pass" if labelled else "fail"
    assert f"verdict={verdict}" in (tmp_path / "outputs").read_text()
    assert "dbtgate: no PR comment: this run's `merge_group` event" in result.stderr
    assert "warning" not in result.stdout + result.stderr
    assert app_token not in result.stdout + result.stderr


@pytest.mark.parametrize("labelled", [True, False])
def test_in_a_merge_queue_the_examples_gate_fails_the_group_on_a_breaking_change(
    tmp_path, labelled
):
    """The example's gate step on a merge group of PR #7, with dbtgate itself and main's build
    downloaded as the base: the breaking change blocks (the job, and so the group, fails) unless
    the pull request carries the label, read with the job's token; nothing is posted."""
    from diff_support import model, write_build
    from fake_github import FakeGitHub

    columns = [("order_id", "integer"), ("status", "varchar")]
    write_build(tmp_path / "main", [model("orders", columns, contract=True, access="public")])
    (tmp_path / "temp").mkdir()
    (tmp_path / "main" / "target").rename(tmp_path / "temp" / "base-artifacts")
    group = tmp_path / "group"
    write_build(group, [model("orders", columns[:1], contract=True, access="public")])
    (group / "dbtgate.yml").write_text("version: 1\n")
    context = workflow_context(
        "merge_group", FAKE_COMMITS, **{"base-download": {"outcome": "success"}}
    )
    context["runner"]["temp"] = str(tmp_path / "temp")
    payload = context["github"]["event"]
    step = step_named("Gate")
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7)
        gh.label("acme/shop", 7, *(["breaking-change-ok"] if labelled else ["docs"]))
        context["github"]["token"] = gh.token
        env = {
            **{name: interpolate(value, context) for name, value in step["env"].items()},
            **merge_group_env(gh, tmp_path, payload),
        }
        assert env["BASE"] == str(tmp_path / "temp" / "base-artifacts")
        result = run_script(step["run"], env, group)
        assert [(r.method, r.path) for r in gh.requests] == [
            ("GET", "/repos/acme/shop/issues/7/labels?per_page=100")
        ]
        assert gh.comments("acme/shop", 7) == []
    assert result.returncode == (0 if labelled else 1), result.stdout + result.stderr
    assert f"verdict={'pass' if labelled else 'fail'}" in (tmp_path / "outputs").read_text()
    report = json.loads((group / "dbtgate-reports" / "gate.json").read_text(encoding="utf-8"))
    changes = [c["code"] for c in report["sections"]["diff"]["changes"]]
    assert "breaking.column_removed" in changes
    assert "warning" not in result.stdout + result.stderr
    assert gh.token not in result.stdout + result.stderr


@pytest.mark.slow
def test_a_merge_group_without_a_base_build_is_gated_against_its_base_sha_parsed_by_dbt(
    tmp_path, shop_builds
):
    """The fallback base of a merge group is its base_sha, given to `--base` as it is: here G1,
    the head of the group queued ahead (on no branch the checkout has but the queue's), which
    dbtgate finds in the checkout's history and parses with `dbt parse`, and the shop pull
    request's breaking changes block the group."""
    from fake_github import FakeGitHub

    from dbtgate.fixture_build import assemble_project, fixtures_dir

    repo = tmp_path / "checkout"
    init_repo(repo)
    assemble_project(fixtures_dir(), "base", repo)
    commit_all(repo, "A")
    a = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-ref", "refs/remotes/origin/main", a)
    git(repo, "checkout", "--quiet", "-b", f"gh-readonly-queue/main/pr-5-{a}")
    (repo / "NOTES.md").write_text("the group of #5\n")
    commit_all(repo, "G1")
    g1 = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "checkout", "--quiet", "-b", f"gh-readonly-queue/main/pr-7-{g1}")
    assemble_project(fixtures_dir(), "pr", repo)
    commit_all(repo, "G2")
    commits = {"G1": g1, "G2": git(repo, "rev-parse", "HEAD").strip()}
    shutil.copytree(shop_builds.pr / "target", repo / "target")
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        f"shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {tmp_path / 'shop.duckdb'}\n",
        encoding="utf-8",
    )
    context = workflow_context("merge_group", commits, **{"base-download": {"outcome": "skipped"}})
    payload = context["github"]["event"]
    step = step_named("Gate")
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7)
        context["github"]["token"] = gh.token
        env = {
            **{name: interpolate(value, context) for name, value in step["env"].items()},
            "HOME": str(tmp_path),
            "DBT_PROFILES_DIR": str(profiles),
            "DBTGATE_CACHE_DIR": str(tmp_path / "cache"),
            **merge_group_env(gh, tmp_path, payload, commits["G2"]),
        }
        assert env["BASE"] == g1
        result = run_script(step["run"], env, repo)
        assert gh.comments("acme/shop", 7) == []
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((repo / "dbtgate-reports" / "gate.json").read_text(encoding="utf-8"))
    # Parsed at G1 itself: the merge base of G1 and the group's head is G1.
    assert report["inputs"]["base_ref"] == {"ref": g1, "sha": g1}
    assert (tmp_path / "cache" / "base" / g1 / "manifest.json").is_file()
    blocking = {
        (c["code"], c["unique_id"])
        for c in report["sections"]["diff"]["changes"]
        if c["code"].startswith("breaking.")
    }
    assert ("breaking.column_removed", "model.shop.orders_summary.v2") in blocking
    assert "verdict=fail" in (tmp_path / "outputs").read_text()


def test_a_pull_request_from_a_fork_says_once_that_it_gets_no_comment(tmp_path):
    """A fork's pull request runs with a read-only token: the gate and its verdict stand, and
    the comment it cannot post is one plain line naming the fork, not an error annotation."""
    from fake_github import FakeGitHub

    head = "3" * 40
    fork = {
        "head": {"sha": head, "repo": {"full_name": "outsider/shop"}},
        "base": {"repo": {"full_name": "acme/shop"}},
    }
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        gh.forbid_next(method="POST")
        env = gate_step_env(artifacts=str(corpus_dir("bouncer-dbt112")))
        result = run_script(
            gate_step_script(), {**env, **actions_env(gh, tmp_path, head, **fork)}, tmp_path
        )
        assert gh.comments("acme/shop", 7) == []
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "comment" in line]
    assert line == (
        "dbtgate: could not post the PR comment: the pull request comes from the fork "
        "outsider/shop, whose runs GitHub gives a read-only token; the verdict is in the job "
        "summary and the job's status; the gate's verdict is unchanged"
    )
    assert not re.search(r"^::(error|warning)", result.stdout, re.MULTILINE)
    assert "verdict=pass" in (tmp_path / "outputs").read_text()


def test_a_permission_the_workflow_lacks_is_a_warning_on_the_run(tmp_path):
    """The repository's own pull request, and the workflow without `pull-requests: write`: the
    admin who must grant it reads a warning annotation on the run, not a line among the log's;
    the verdict stands."""
    from fake_github import FakeGitHub, pull_request_event

    head = "4" * 40
    branch = pull_request_event(7, head, base="acme/shop", head="acme/shop")["pull_request"]
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        gh.forbid_next(method="POST")
        env = gate_step_env(artifacts=str(corpus_dir("bouncer-dbt112")))
        result = run_script(
            gate_step_script(), {**env, **actions_env(gh, tmp_path, head, **branch)}, tmp_path
        )
        assert gh.comments("acme/shop", 7) == []
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "comment" in line]
    assert line.startswith(
        "::warning title=dbtgate%3A PR comment not posted::could not post the PR comment: "
        "GitHub refused access (HTTP 403)"
    )
    assert "`permissions:` need `pull-requests: write`" in line
    assert "fork" not in line  # the repository's own branch: no fork to blame
    assert line.endswith("the gate's verdict is unchanged")
    assert gh.token not in result.stdout + result.stderr
    assert "verdict=pass" in (tmp_path / "outputs").read_text()


def test_a_permission_the_workflow_lacks_is_a_warning_on_an_error_run_too(tmp_path):
    """An error run (no manifest) puts the error in the comment; refused, the comment goes on
    showing an earlier push's verdict, which the admin reads on the run as on a gated one."""
    from fake_github import FakeGitHub, pull_request_event

    head = "5" * 40
    branch = pull_request_event(7, head, base="acme/shop", head="acme/shop")["pull_request"]
    (tmp_path / "dbt_project.yml").write_text("name: shop\nversion: '1'\nprofile: shop\n")
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        gh.forbid_next(method="POST")
        env = gate_step_env(artifacts=str(tmp_path / "missing"))
        result = run_script(
            gate_step_script(), {**env, **actions_env(gh, tmp_path, head, **branch)}, tmp_path
        )
        assert gh.comments("acme/shop", 7) == []
    assert result.returncode == 2, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "PR comment" in line]
    assert line.startswith(
        "::warning title=dbtgate%3A PR comment not posted::could not post the error to the PR "
        "comment: GitHub refused access (HTTP 403)"
    )
    assert "`permissions:` need `pull-requests: write`" in line


def test_a_push_gated_with_the_default_comment_input_says_it_has_no_pull_request(tmp_path):
    """The action's `comment: true` on a push to main: no pull request to comment on is said as
    such, not as a comment that failed and needs a `--pr N`; an error run says it the same way."""
    from fake_github import FakeGitHub

    (tmp_path / "push.json").write_text(json.dumps({"ref": "refs/heads/main"}))
    with FakeGitHub() as gh:
        env = {
            **actions_env(gh, tmp_path, "4" * 40),
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_EVENT_PATH": str(tmp_path / "push.json"),
            "GITHUB_REF": "refs/heads/main",
        }
        build = str(corpus_dir("bouncer-dbt112"))
        gated = run_script(gate_step_script(), {**gate_step_env(artifacts=build), **env}, tmp_path)
        missing = str(tmp_path / "missing")
        error = run_script(
            gate_step_script(), {**gate_step_env(artifacts=missing), **env}, tmp_path
        )
        assert gh.requests == []
    no_comment = (
        "dbtgate: no PR comment: this run's `push` event is of no pull request, so there is none"
        " to comment on (--pr N names one)"
    )
    assert gated.returncode == 0, gated.stderr
    assert [line for line in gated.stderr.splitlines() if "comment" in line] == [no_comment]
    assert error.returncode == 2
    assert no_comment in error.stderr.splitlines()


def test_the_readmes_conditions_on_the_verdict_run_after_a_failing_gate():
    """A failing gate fails its step; GitHub runs a later step whose `if:` has no status function
    only after steps that succeeded, so `if: steps.gate.outputs.verdict == 'fail'` never runs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    conditions = re.findall(r"`if: ([^`]*outputs\.verdict[^`]*)`", readme)
    assert conditions
    for condition in conditions:
        assert re.search(r"\b(always|failure|cancelled)\(\)", condition), condition


def test_a_comment_that_could_not_be_posted_is_said_on_the_run_its_summary_and_outputs(tmp_path):
    """An expired token (HTTP 401), like a permission the workflow lacks, leaves the comment
    showing an earlier push's verdict: a warning annotation on the run says so (it was a log
    line), and so does the job summary. Required
    (`--comment-required`, exit 2), it is an error annotation and the `verdict` output is
    `error`, as the exit code says; the reports' outputs stay, the reports being written."""
    from fake_github import FakeGitHub, pull_request_event

    head = "6" * 40
    branch = pull_request_event(7, head, base="acme/shop", head="acme/shop")["pull_request"]
    script = 'dbtgate check --artifacts "$BUILD" --out out --comment $REQUIRED'
    build = str(corpus_dir("bouncer-dbt112"))
    runs = {}
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        for where, flag in (("optional", ""), ("required", "--comment-required")):
            gh.fail_next(401, "Bad credentials")
            (tmp_path / where).mkdir()
            env = {**actions_env(gh, tmp_path / where, head, **branch), "BUILD": build}
            runs[where] = run_script(script, {**env, "REQUIRED": flag}, tmp_path / where)
        assert gh.comments("acme/shop", 7) == []
        token = gh.token
    plain, required = runs["optional"], runs["required"]
    assert plain.returncode == 0, plain.stderr  # the corpus build's own verdict
    assert required.returncode == 2, required.stderr
    for result, level in ((plain, "warning"), (required, "error")):
        [line] = [line for line in result.stderr.splitlines() if "PR comment" in line]
        assert line.startswith(
            f"::{level} title=dbtgate%3A PR comment not posted::could not post the PR comment: "
            "GitHub rejected the token (HTTP 401)"
        )
        assert token not in result.stdout + result.stderr
    for where, verdict in (("optional", "pass"), ("required", "error")):
        outputs = (tmp_path / where / "outputs").read_text()
        assert f"verdict={verdict}\n" in outputs
        assert f"report-json={tmp_path / where / 'out' / 'gate.json'}\n" in outputs
        summary = (tmp_path / where / "summary.md").read_text()
        assert (
            "**The PR comment was not posted**: could not post the PR comment: GitHub " in summary
        )


def test_a_github_answer_that_breaks_off_leaves_the_verdict_and_says_so(tmp_path):
    """GitHub's answer cut short twice (a dropped connection): the gate's verdict, exit code,
    summary and outputs stand, and the comment not posted is a warning on the run, not an
    internal error (exit 2, `verdict=error`) as it was."""
    from fake_github import FakeGitHub, pull_request_event

    head = "7" * 40
    branch = pull_request_event(7, head, base="acme/shop", head="acme/shop")["pull_request"]
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        gh.cut_next(method="GET")
        gh.cut_next(method="GET")
        env = gate_step_env(artifacts=str(corpus_dir("bouncer-dbt112")))
        result = run_script(
            gate_step_script(), {**env, **actions_env(gh, tmp_path, head, **branch)}, tmp_path
        )
        assert gh.comments("acme/shop", 7) == []
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if "PR comment" in line]
    assert line.startswith("::warning title=dbtgate%3A PR comment not posted::")
    assert "the answer broke off before its end" in line
    assert "verdict=pass\n" in (tmp_path / "outputs").read_text()
    assert "**The PR comment was not posted**" in (tmp_path / "summary.md").read_text()


def test_the_comment_is_posted_with_the_token_input_or_the_jobs_own(tmp_path):
    """The `token` input is GITHUB_TOKEN for the gate (the job's own token by default): a
    GitHub App's or a personal token posts the comment as its account, and is never printed."""
    from fake_github import FakeGitHub, pull_request_event

    inputs = action()["inputs"]
    assert inputs["token"]["default"] == "${{ github.token }}"
    assert gate_step()["env"]["GITHUB_TOKEN"] == "${{ inputs.token }}"
    head = "8" * 40
    branch = pull_request_event(7, head, base="acme/shop", head="acme/shop")["pull_request"]
    personal = "ghp_personalTOKEN0123456789abcdefABCD"
    with FakeGitHub(token=personal, login="release-manager") as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        env = {**actions_env(gh, tmp_path, head, **branch), "GITHUB_TOKEN": ""}
        step_env = gate_step_env(artifacts=str(corpus_dir("bouncer-dbt112")), token=personal)
        result = run_script(gate_step_script(), {**env, **step_env}, tmp_path)
        [comment] = gh.comments("acme/shop", 7)
    assert result.returncode == 0, result.stderr
    assert comment["user"]["login"] == "release-manager"
    assert personal not in result.stdout + result.stderr


def test_the_readmes_workflow_for_the_action_gives_only_inputs_it_has():
    """The README's job using the action is valid YAML, grants the comment's permission, sets up
    the Python the action installs into, and gives the action only inputs it declares."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [block] = [b.split("```", 1)[0] for b in readme.split("```yaml\n")[1:] if "/dbtgate@" in b]
    workflow = yaml.safe_load(block)
    assert workflow["permissions"]["pull-requests"] == "write"
    assert set(workflow[True]) == {"pull_request", "merge_group"}  # YAML 1.1 reads `on` as True
    steps = workflow["jobs"]["gate"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    gate = next(step for step in steps if "/dbtgate@" in step.get("uses", ""))
    assert any(u.startswith("actions/setup-python@") for u in uses[: steps.index(gate)])
    assert set(gate["with"]) <= set(action()["inputs"])
    assert gate["id"] == "gate"


def test_a_token_input_empty_on_a_forks_pull_request_is_said_as_no_secrets(tmp_path):
    """`token: ${{ secrets.BOT_TOKEN }}` on a fork's pull request: GitHub gives that run no
    secrets, so the token is empty. Like the read-only token it is one plain line naming the
    fork, nothing to fix; on the repository's own branch it is a warning naming the input."""
    from fake_github import FakeGitHub, pull_request_event

    head = "9" * 40
    build = str(corpus_dir("bouncer-dbt112"))
    lines = {}
    with FakeGitHub() as gh:
        gh.add_pull_request("acme/shop", 7, head=head)
        for origin in ("outsider/shop", "acme/shop"):
            pull = pull_request_event(7, head, base="acme/shop", head=origin)["pull_request"]
            where = tmp_path / origin.split("/")[0]
            where.mkdir()
            env = {**actions_env(gh, where, head, **pull), **gate_step_env(artifacts=build)}
            result = run_script(gate_step_script(), env, where)
            assert result.returncode == 0, result.stderr
            [lines[origin]] = [line for line in result.stderr.splitlines() if "comment" in line]
            assert "verdict=pass\n" in (where / "outputs").read_text()
        assert gh.requests == []
    assert lines["outsider/shop"] == (
        "dbtgate: could not post the PR comment: the pull request comes from the fork "
        "outsider/shop, whose runs GitHub gives no secrets: GITHUB_TOKEN is empty; the verdict "
        "is in the job summary and the job's status; the gate's verdict is unchanged"
    )
    assert lines["acme/shop"].startswith("::warning title=dbtgate%3A PR comment not posted::")
    assert "the dbtgate action's `token` input" in lines["acme/shop"]


@pytest.mark.slow
def test_the_base_artifact_the_example_keeps_compares_a_changed_models_filters(
    shop_builds, tmp_path
):
    """The artifact main's run uploads, downloaded as the pull request's base: with the
    compiled SQL in it, the WHERE the fixture's pull request adds is risky.filter_changed.
    Kept without it (manifest, catalog and results alone), the change read only as 'SQL
    changed', its filters and grain never compared."""
    import shutil

    [upload] = [
        s
        for s in example_steps()
        if "upload-artifact" in s.get("uses", "") and s.get("if") == "github.event_name == 'push'"
    ]
    paths = [for_project(p, {"dir": "."}) for p in upload["with"]["path"].splitlines()]
    # upload-artifact keeps the paths below the folder they all share (target/ here).
    root = Path(os.path.commonpath(paths))
    download = tmp_path / "base-artifacts"
    for path in paths:
        source = shop_builds.base / path
        kept = download / Path(path).relative_to(root)
        if source.is_dir():
            shutil.copytree(source, kept)
        else:
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, kept)
    report = tmp_path / "diff.json"
    done = run_dbtgate(
        "diff", "--base", str(download), "--json", str(report), cwd=shop_builds.pr, env=plain_env()
    )
    assert done.stderr == "", done.stderr
    changes = json.loads(report.read_text())["sections"]["diff"]["changes"]
    assert ("risky.filter_changed", "model.shop.int_order_payments") in [
        (c["code"], c["unique_id"]) for c in changes
    ]
