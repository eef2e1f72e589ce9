"""Inputs given as pipes: bash's process substitution (`--config <(sops -d dbtgate.yml)`) hands
dbtgate `/dev/fd/63`, and `mkfifo` a named one. What names a file reads the pipe, once; what
names a folder says it cannot be a pipe. Each runs the real command in a real bash."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from cli_support import dbtgate, dbtgate_in_bash, plain_env, run_dbtgate
from corpus import corpus_dir
from policy_support import manifest_only_copy, read_json

# A list indented otherwise than the suggested entry's default (2 and 4): a suggestion indented
# as this is what the run learnt from the file it read once.
CONFIG = """\
version: 1
policies:
    -   select: "*"
        rules:
            docs.model_description: error
"""
PIPE = r"/dev/fd/\d+"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A folder with a dbt build (target/manifest.json, with models without a description)
    and CONFIG as dbtgate.yml."""
    manifest_only_copy(corpus_dir("bouncer-dbt112"), tmp_path / "target")
    (tmp_path / "dbtgate.yml").write_text(CONFIG)
    return tmp_path


def test_a_config_from_a_pipe_is_read_once_as_its_file(build):
    """`--config <(...)` was refused as "not a file". Read, it gates as the file does, and the
    waiver the run suggests is indented as the piped text indents its list: learnt as the
    config was read (read again, the pipe gives nothing, and the entry came out at 2 and 4)."""
    from_file = dbtgate("check", "--artifacts", "target", "--config", "dbtgate.yml", cwd=build)
    assert from_file.returncode == 1, from_file.stdout + from_file.stderr
    piped = dbtgate_in_bash("check --artifacts target --config <(cat dbtgate.yml)", build)
    assert piped.returncode == 1, piped.stdout + piped.stderr
    verdict = [line for line in from_file.stdout.splitlines() if line.startswith("dbtgate: ")]
    assert verdict and verdict[-1] in piped.stdout
    lines = piped.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("To ship with a finding"))
    # Named as given, not as the kernel resolves it (`/proc/123/fd/pipe:[456]`, new each run).
    assert re.search(rf"waive it under `waivers:` in {PIPE} \(", lines[start]), lines[start]
    assert lines[start + 1] == "    -   rule: docs.model_description"
    assert lines[start + 2].startswith("        select: ")


def test_a_piped_config_s_paths_are_the_current_folder_s(build):
    """A file's paths are relative to its folder; a pipe's folder (/dev/fd) is no place of the
    user's: its `baseline:` is found from where dbtgate runs."""
    recorded = dbtgate("baseline", "--artifacts", "target", "--output", "gate/bl.json", cwd=build)
    assert recorded.returncode == 0, recorded.stderr
    (build / "with-baseline.yml").write_text(CONFIG + "baseline: gate/bl.json\n")
    piped = dbtgate_in_bash("check --artifacts target --config <(cat with-baseline.yml)", build)
    # (without the baseline, the piped CONFIG fails: the test above)
    assert piped.returncode == 0, piped.stdout + piped.stderr
    assert "PASS — no blocking findings, 1 non-blocking" in piped.stdout


def test_a_baseline_and_a_gate_report_from_pipes_are_read(build):
    """`--baseline <(...)` was refused as "not a baseline file"; a gate report read from a pipe
    renders as the same report read from its file."""
    recorded = dbtgate("baseline", "--artifacts", "target", "--output", "bl.json", cwd=build)
    assert recorded.returncode == 0, recorded.stderr
    piped = dbtgate_in_bash(
        "check --artifacts target --baseline <(cat bl.json) --json piped.json", build
    )
    assert piped.returncode == 0, piped.stdout + piped.stderr
    # The report names the pipe as given, not `/proc/123/fd/pipe:[456]`.
    assert re.fullmatch(PIPE, read_json(build / "piped.json")["inputs"]["baseline"])
    assert dbtgate("check", "--artifacts", "target", cwd=build).returncode == 1
    assert dbtgate("check", "--json", "gate.json", cwd=build).returncode == 1
    from_file = dbtgate("report", "gate.json", "--out", "file", "--format", "md", cwd=build)
    assert from_file.returncode == 0, from_file.stderr
    from_pipe = dbtgate_in_bash("report <(cat gate.json) --out pipe --format md", build)
    assert from_pipe.returncode == 0, from_pipe.stderr
    assert (build / "pipe" / "gate.md").read_text() == (build / "file" / "gate.md").read_text()


@pytest.mark.parametrize(
    ("line", "option", "takes"),
    [
        (
            "check --artifacts <(cat target/manifest.json)",
            "--artifacts",
            "the build's folder (or its manifest.json)",
        ),
        (
            "check --artifacts target --base <(cat target/manifest.json)",
            "--base",
            "the base build's folder (or its manifest.json) or a git ref",
        ),
        (
            "diff --artifacts target --base <(cat target/manifest.json)",
            "--base",
            "the base build's folder (or its manifest.json) or a git ref",
        ),
        (
            "check --artifacts target --project-dir <(true)",
            "--project-dir",
            "the dbt project's folder",
        ),
        ("init --project-dir <(true)", "--project-dir", "the dbt project's folder"),
    ],
    ids=["artifacts", "base", "diff-base", "project-dir", "init-project-dir"],
)
def test_a_pipe_where_a_folder_is_named_says_it_is_a_pipe(build, line, option, takes):
    """`--artifacts <(...)` said "takes the build's directory or its manifest.json" (a
    manifest was what it was given), `--base <(...)` "is not a directory, and ... has no
    dbt_project.yml to parse at that git ref". A folder cannot be piped: said so, one line."""
    result = dbtgate_in_bash(line, build)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert re.fullmatch(
        rf"dbtgate: error: {PIPE}: {re.escape(option)} takes {re.escape(takes)}, and this is a "
        r"pipe \(as `<\(\.\.\.\)` gives\): a folder cannot be piped, .*\n",
        result.stderr,
    ), result.stderr


@pytest.mark.parametrize("artifacts", ["target", "target/manifest.json"])
def test_a_named_pipe_manifest_is_read_once_for_the_checks_that_read_its_code(build, artifacts):
    """`code.*` rules decode the manifest's SQL apart, a second time: from a named pipe
    (`mkfifo target/manifest.json`) that second open waited for a writer long gone, and the
    gate hung. The bytes read once serve both. Named, the pipe stands for its folder, as the
    file does (it was refused as a pipe where a folder goes)."""
    manifest = build / "target" / "manifest.json"
    text = manifest.read_bytes()
    manifest.unlink()
    import os

    os.mkfifo(manifest)
    (build / "dbtgate.yml").write_text(
        'version: 1\npolicies:\n  - select: "*"\n    rules:\n'
        "      code.max_lines: {severity: error, max: 3}\n"
    )

    def feed() -> None:
        with open(manifest, "wb") as pipe:
            pipe.write(text)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = run_dbtgate(
        "check", "--artifacts", artifacts, cwd=build, env=plain_env(COLUMNS="200"), timeout=120
    )
    writer.join(timeout=5)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "code.max_lines" in result.stdout
    assert "waiting for a process" not in result.stderr


def test_lint_with_a_build_reads_a_piped_config_once(build):
    """`lint --artifacts` read the config, then again to load the build: from a pipe the
    second read gave nothing, and lint ran without its settings (the adapter's dialect)."""
    (build / "dbt_project.yml").write_text('name: p\nprofile: p\nversion: "1.0"\n')
    (build / "postgres.yml").write_text("version: 1\nlint:\n  dialect: postgres\n")
    piped = dbtgate_in_bash("lint --all --artifacts target --config <(cat postgres.yml)", build)
    assert piped.returncode == 0, piped.stdout + piped.stderr
    first, second = piped.stdout.splitlines()[:2]
    assert first.endswith("dialect postgres"), first
    # Named whole: its name alone, `63`, says nothing.
    assert re.match(rf"note: {PIPE} has no policies: ", second), second


def test_a_github_event_from_a_pipe_is_read_once_for_everything_it_tells(build):
    """The event is read for the pull request's labels, then for its head commit (the links):
    from a pipe (`GITHUB_EVENT_PATH=<(gh api ...)`) the second read gave nothing, and the
    links pointed at no commit (`blob//models/...`)."""
    sha = "1234567890abcdef1234567890abcdef12345678"
    (build / "event.json").write_text(
        f'{{"pull_request": {{"number": 7, "head": {{"sha": "{sha}"}}, "labels": []}}}}'
    )
    result = dbtgate_in_bash(
        "check --artifacts target --out out --format md --repo-url https://github.com/o/r",
        build,
        before="GITHUB_EVENT_PATH=<(cat event.json)",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    links = re.findall(
        r"https://github\.com/o/r/blob/([^/]*)/", (build / "out/gate.md").read_text()
    )
    assert links and set(links) == {sha}, links


OWNED_BY_CODEOWNERS = """\
version: 1
owner: {codeowners: CODEOWNERS_AT}
policies:
  - select: "*"
    rules:
      owner.allowed: {severity: error, codeowners_match: true}
"""


def test_a_piped_codeowners_is_read_as_its_file(build):
    """`owner.codeowners: /dev/fd/5` (`5< <(git show main:CODEOWNERS)`) was "file not found".
    Read once, it gates as the same file does, its patterns matched from the repository's
    root (where the file sits)."""
    from lint_repos import git

    git(build, "init", "-q")  # the root, whatever folder above the test's may be a repository
    (build / "CODEOWNERS").write_text("* @team\n/seeds/ @Data-Team\n")
    (build / "file.yml").write_text(OWNED_BY_CODEOWNERS.replace("CODEOWNERS_AT", "CODEOWNERS"))
    (build / "pipe.yml").write_text(OWNED_BY_CODEOWNERS.replace("CODEOWNERS_AT", "/dev/fd/5"))
    from_file = dbtgate(
        "check", "--artifacts", "target", "-c", "file.yml", "--json", "file.json", cwd=build
    )
    assert from_file.returncode == 1, from_file.stdout + from_file.stderr
    piped = dbtgate_in_bash(
        "check --artifacts target -c pipe.yml --json pipe.json 5< <(cat CODEOWNERS)", build
    )
    assert piped.returncode == 1, piped.stdout + piped.stderr
    findings = read_json(build / "pipe.json")["findings"]
    assert findings == read_json(build / "file.json")["findings"]
    said = {finding["message"].rsplit("CODEOWNERS of ", 1)[-1] for finding in findings}
    # Both patterns read, the second matched from the folder it is relative to.
    assert "seeds/raw_orders.csv: @Data-Team)" in said, said
    assert "snapshots/_snapshots.yml: @team)" in said, said
    validated = dbtgate_in_bash("validate -c pipe.yml 5< <(cat CODEOWNERS)", build)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_a_plugin_given_as_a_pipe_says_to_pass_its_file(build):
    """A plugin is imported from its file (by name again, for the lines of its errors): a
    pipe was "no such file or directory". Said in one line, with what to pass instead."""
    import os

    (build / "rules.py").write_text("")
    os.mkfifo(build / "fifo.py")
    for plugin, line in (("/dev/fd/5", "5< <(cat rules.py)"), ("fifo.py", "")):
        (build / "dbtgate.yml").write_text(f"version: 1\nplugins:\n  - {plugin}\n")
        for command in ("check --artifacts target", "validate"):
            result = dbtgate_in_bash(f"{command} {line}", build, timeout=60)
            assert result.returncode == 2, result.stdout + result.stderr
            assert result.stderr.splitlines()[0] == (
                f"dbtgate: error: dbtgate.yml:3: plugins: {plugin}: a pipe (as `<(...)` gives), "
                "and a plugin is imported from its file: pass the plugin's .py file or folder, "
                "or the name of an installed module"
            ), result.stderr


def test_a_piped_codeowners_names_paths_from_the_repository_root(build):
    """A pipe's folder (/dev/fd) says nothing of where the file belongs: its patterns are
    matched from the root of the repository that holds the dbt project, as GitHub reads them,
    not from the folder dbtgate runs in (here the project, a folder of the repository)."""
    from lint_repos import git

    repo = build.parent / "repo"
    project = repo / "analytics"
    project.mkdir(parents=True)
    (build / "target").rename(project / "target")
    (project / "dbt_project.yml").write_text('name: p\nprofile: p\nversion: "1.0"\n')
    (repo / "CODEOWNERS").write_text("* @team\n/analytics/seeds/ @Data-Team\n")
    git(repo, "init", "-q")
    (project / "pipe.yml").write_text(OWNED_BY_CODEOWNERS.replace("CODEOWNERS_AT", "/dev/fd/5"))
    piped = dbtgate_in_bash("check -c pipe.yml --json pipe.json 5< <(cat ../CODEOWNERS)", project)
    assert piped.returncode == 1, piped.stdout + piped.stderr
    said = {
        finding["message"].rsplit("CODEOWNERS of ", 1)[-1]
        for finding in read_json(project / "pipe.json")["findings"]
    }
    assert "seeds/raw_orders.csv: @Data-Team)" in said, said


PYPROJECT = """\
# the project's settings
[project]
name = "shop"

[tool.dbtgate]
version = 1

[[tool.dbtgate.policies]]
select = "*"
rules = { "docs.model_description" = "error" }
"""


def test_a_piped_pyproject_is_read_as_toml(build):
    """`--config <(git show main:pyproject.toml)` was read as YAML, whatever it held: "not
    valid YAML". A pipe has no name to tell its format by; its first line tells it (a
    `[table]`), and it gates as the file does, suggesting no YAML waiver entry to paste."""
    (build / "dbtgate.yml").unlink()
    (build / "pyproject.toml").write_text(PYPROJECT)
    from_file = dbtgate("check", "--artifacts", "target", "-c", "pyproject.toml", cwd=build)
    assert from_file.returncode == 1, from_file.stdout + from_file.stderr
    piped = dbtgate_in_bash("check --artifacts target -c <(cat pyproject.toml)", build)
    assert piped.returncode == 1, piped.stdout + piped.stderr
    verdict = [line for line in from_file.stdout.splitlines() if line.startswith("dbtgate: ")]
    assert verdict == ["dbtgate: FAIL — 1 blocking finding, 0 non-blocking"], from_file.stdout
    assert verdict[0] in piped.stdout.splitlines()
    assert "To ship with a finding" not in piped.stdout + from_file.stdout
    # The same table as dotted keys, the first line a `key = value`.
    dotted = dbtgate_in_bash("validate -c <(printf 'tool.dbtgate.fail_on = \"warn\"\\n')", build)
    assert dotted.returncode == 0, dotted.stdout + dotted.stderr
    assert "fail_on: warn" in dotted.stdout


AS_TOML = " (a piped config whose first line is a `[table]` or `key = value` is read as TOML)"
NEITHER = (
    " (a piped config is read as TOML, a pyproject.toml's [tool.dbtgate], when its first line "
    "not blank nor a comment is a `[table]` or `key = value`; else as YAML, a dbtgate.yml)"
)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[project]\\nname = "x"\\n', ": no [tool.dbtgate] table" + AS_TOML),
        (
            "[tool.dbtgate]\\nscope = all\\n",
            ":2: not valid TOML: Invalid value (column 9)" + AS_TOML,
        ),
        ("hello world\\n", ":1: config: expected a mapping, got 'hello world'" + NEITHER),
        (
            "# a comment\\nscope: [all\\n",
            ":2: not valid YAML: expected ',' or ']', but got '<stream end>' (the [ opened on "
            "line 2 is not closed)" + NEITHER,
        ),
    ],
    ids=["toml-without-table", "broken-toml", "neither", "broken-yaml"],
)
def test_a_piped_config_s_error_says_what_it_was_read_as(build, text, error):
    """A pipe read as neither a dbtgate.yml nor a pyproject.toml says what it was read as, and
    what is told how: its error alone did not say that a pipe has no name to go by."""
    for command in ("check --artifacts target", "validate"):
        result = dbtgate_in_bash(f"{command} -c <(printf '{text}')", build)
        assert result.returncode == 2, result.stdout + result.stderr
        first = result.stderr.splitlines()[0]
        assert re.fullmatch(rf"dbtgate: error: {PIPE}{re.escape(error)}", first), first
