"""The command line as CI and engineers run it: exit codes, one-line errors, no tracebacks."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import (
    dbtgate_in_bash,
    first_line_then_gone,
    gone_before_the_first_line,
    plain_env,
    run_dbtgate,
)
from corpus import CORPUS
from diff_support import model, write_build
from policy_support import write_config

BUILDS = [
    "bouncer-dbt110",
    "bouncer-dbt111",
    "bouncer-dbt112",
    "bouncer-dbt20",
    "recce-pair/base",
    "recce-pair/pr2",
    "ticketswap-dbt19",
]


def dbtgate(*args, cwd=None):
    return run_dbtgate(*args, cwd=cwd, env=plain_env(COLUMNS="120"))


@pytest.mark.parametrize("build", BUILDS)
def test_check_passes_on_each_corpus_build(build, tmp_path):
    if not (CORPUS / build).is_dir():
        pytest.skip(f"corpus absent: {CORPUS / build}")
    result = dbtgate("check", "--artifacts", str(CORPUS / build), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "PASS" in result.stdout
    # Without a config nothing is enforced: the user is told so, and how to start one.
    assert "no policies applied; `dbtgate init` writes a starter file" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"metadata": {"dbt_schema_version": "x"}, "nodes": {"a": ', "truncated JSON"),
        ('{"not": "dbt"}', "not a dbt manifest"),
        ("<html>", "not valid JSON at line 1"),
    ],
)
def test_bad_manifest_is_one_line_and_exit_2(tmp_path, content, message):
    (tmp_path / "manifest.json").write_text(content)
    result = dbtgate("check", "--artifacts", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(tmp_path / "manifest.json") in lines[0]
    assert message in lines[0]


def test_missing_artifacts_directory_is_exit_2(tmp_path):
    result = dbtgate("check", "--artifacts", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 2
    assert "artifacts directory not found" in result.stderr


@pytest.mark.parametrize("command", ["check", "baseline"])
def test_outside_a_dbt_project_the_error_says_so(tmp_path, command):
    # A repository's root, its dbt project in a folder: "run dbt first" was the wrong advice.
    result = dbtgate(command, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dbtgate: error: target: artifacts directory not found, and no dbt_project.yml here or "
        "above: run from the dbt project, or pass --artifacts DIR (or --project-dir DIR)"
    ]


def test_at_a_monorepos_root_the_error_names_the_project_below_to_pass(tmp_path):
    """At the repository's root, the dbt project in `analytics/`: each command's error ends
    with the flag to paste, which then finds the project (validate pointed at `dbtgate init`
    beside the dbtgate.yml one folder down). An installed package's project is not one."""
    (tmp_path / "analytics" / "dbt_packages" / "utils").mkdir(parents=True)
    (tmp_path / "analytics" / "dbt_packages" / "utils" / "dbt_project.yml").write_text("name: u\n")
    (tmp_path / "analytics" / "dbt_project.yml").write_text("name: shop\n")
    (tmp_path / ".venv" / "lib" / "pkg").mkdir(parents=True)
    (tmp_path / ".venv" / "lib" / "pkg" / "dbt_project.yml").write_text("name: p\n")
    below = "; the dbt project below: `--project-dir analytics`"
    for command in ("check", "lint", "init"):
        result = dbtgate(command, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.splitlines()[-1].endswith(below), result.stderr
    init = dbtgate("init", "--project-dir", "analytics", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    validate = dbtgate("validate", cwd=tmp_path)
    assert validate.stderr.splitlines()[-1].endswith(
        "; the config below: `--config analytics/dbtgate.yml`"
    )
    assert dbtgate("validate", "--config", "analytics/dbtgate.yml", cwd=tmp_path).returncode == 0
    checked = dbtgate("check", "--project-dir", "analytics", cwd=tmp_path)
    assert "run `dbt build` or `dbt parse` first" in checked.stderr
    (tmp_path / "jaffle").mkdir()
    (tmp_path / "jaffle" / "dbt_project.yml").write_text("name: jaffle\n")
    assert (
        dbtgate("lint", cwd=tmp_path)
        .stderr.rstrip()
        .endswith("; the dbt projects below: `--project-dir analytics`, `--project-dir jaffle`")
    )


def test_in_a_dbt_project_not_yet_built_the_error_says_run_dbt(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: shop\n")
    result = dbtgate("check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dbtgate: error: target: artifacts directory not found (run `dbt build` or `dbt parse` "
        "first, or pass --artifacts DIR)"
    ]


CHECK_USAGE = "usage: dbtgate check [OPTIONS]"


@pytest.mark.parametrize(
    ("args", "usage", "error"),
    [
        (("check", "--no-such-flag"), CHECK_USAGE, "unrecognized arguments: --no-such-flag"),
        (("check", "--artifact", "target"), CHECK_USAGE, "(did you mean --artifacts?)"),
        (("check", "--selct", "x"), CHECK_USAGE, "(did you mean --select?)"),
        (("check", "--profile-dir", "x"), CHECK_USAGE, "(did you mean --profiles-dir?)"),
        (("check", "--pr", "x"), CHECK_USAGE, "argument --pr: invalid int value: 'x'"),
        (("check", "--max-findings", "-1"), CHECK_USAGE, "--max-findings: -1 is below 0"),
        (("check", "--artifacts"), CHECK_USAGE, "--artifacts: expected one argument"),
        (("report",), "usage: dbtgate report [OPTIONS] REPORT_FILE", "required: REPORT_FILE"),
        (("chek",), "usage: dbtgate [--version] [-h] COMMAND", "no command 'chek': did you mean"),
        # A word another tool uses for a dbtgate command: the command that does it.
        (
            ("explain", "lint.LT01"),
            "usage: dbtgate [--version] [-h] COMMAND",
            "no command 'explain': `dbtgate rules CODE` explains a finding code",
        ),
        (("fix",), "usage: dbtgate [--version]", "no command 'fix': `dbtgate lint --fix` fixes"),
        (("--artifacts", "x"), "usage: dbtgate [--version]", "options go after the command"),
    ],
)
def test_a_usage_error_is_the_usage_line_and_one_error_line(tmp_path, args, usage, error):
    result = dbtgate(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    usage_line, error_line = result.stderr.splitlines()
    assert usage_line.startswith(usage)
    assert error_line.startswith("dbtgate") and error in error_line


@pytest.mark.parametrize("flag", ["--bogus", "--verbose", "--debug", "--dry-run", "--foo"])
def test_an_unknown_option_like_none_of_the_commands_gets_no_guess(tmp_path, flag):
    """Compared with their `--`, any two flags looked alike: `--bogus` drew "did you mean
    --out?", `--verbose` "--base", which sent the reader to read about an unrelated option."""
    result = dbtgate("check", flag, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[1] == (
        f"dbtgate check: error: unrecognized arguments: {flag}"
    )


def test_no_arguments_prints_the_commands_and_exit_codes():
    from dbtgate.cli import COMMANDS

    result = dbtgate()
    assert result.returncode == 2
    assert result.stderr.startswith("usage: dbtgate [--version] [-h] COMMAND [OPTIONS]")
    assert "  check     Run the gate on a dbt build\n" in result.stderr
    assert "  lint      Lint the changed SQL with sqlfluff\n" in result.stderr
    section = result.stderr.split("commands:\n")[1].split("\n\n")[0]
    # A command's line starts with two spaces and its name; a wrapped summary goes on deeper.
    listed = [line.split()[0] for line in section.splitlines() if not line.startswith("   ")]
    assert sorted(listed) == sorted(COMMANDS)
    assert "Exit codes: 0 pass, 1 gate failed, 2 usage, config or artifact error." in (
        result.stderr
    )
    assert dbtgate("--help").stdout == result.stderr


def test_the_command_list_follows_a_newcomers_path_not_the_order_of_definition():
    """`dbtgate --help` listed the commands as cli.py defines them (check, diff, report, lint,
    init, demo, ...): a newcomer read the demo and the starter config near the end. It lists them
    as the README's quick start uses them, every command once."""
    section = dbtgate("--help").stdout.split("commands:\n")[1].split("\n\n")[0]
    listed = [line.split()[0] for line in section.splitlines() if not line.startswith("   ")]
    assert listed == [
        "demo",
        "init",
        "validate",
        "check",
        "diff",
        "lint",
        "baseline",
        "rules",
        "report",
        "trend",
    ]


def test_the_readmes_command_table_lists_the_commands_as_help_does():
    """The README's table listed check first and demo last, `dbtgate --help` demo first: a
    newcomer reading both met two orders. Both follow the newcomer's path (HELP_ORDER)."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| command | what it does |\n")[1].split("\n\n")[0]
    rows = re.findall(r"^\| `dbtgate (\w+)", table, re.M)
    section = dbtgate("--help").stdout.split("commands:\n")[1].split("\n\n")[0]
    listed = [line.split()[0] for line in section.splitlines() if not line.startswith("   ")]
    assert rows == listed


def test_the_command_list_cuts_no_summary_inside_parentheses():
    """A summary cut at the colon inside `(--prune: ...)` left baseline's line ending in an
    unclosed `(`--prune``; each command's line must read whole."""
    result = dbtgate("--help")
    section = result.stdout.split("commands:\n")[1].split("\n\n")[0]
    summaries = re.split(r"\n  (?=\w)", section.strip())
    assert len(summaries) > 5
    for summary in summaries:
        assert summary.count("(") == summary.count(")"), summary
        assert summary.count("`") % 2 == 0, summary
    baseline = " ".join(next(s for s in summaries if s.startswith("baseline")).split())
    assert baseline == (
        "baseline Record today's policy and lint findings so that `check` blocks only on new "
        "ones, once the config's `baseline:` (or `check --baseline`) names the file"
    )


@pytest.mark.parametrize("columns", ["80", "90", "120"])
def test_help_never_breaks_a_flag_at_its_hyphen_nor_a_code_span(tmp_path, columns):
    """`--project-dir` printed as `--project-` / `dir`, or `dbt parse` and
    `--comment-key ${{ matrix.target }}` split over two lines, are pasted wrong."""
    from dbtgate.cli import COMMANDS

    broken = []
    for name in ["", *COMMANDS]:
        result = run_dbtgate(
            *([name] if name else []), "--help", cwd=tmp_path, env=plain_env(COLUMNS=columns)
        )
        assert result.returncode == 0, result.stderr
        broken += [
            f"{name}: {line}"
            for line in result.stdout.splitlines()
            if re.search(r"\w-$", line) or line.count("`") % 2
        ]
    assert broken == []


def test_command_help_shows_the_docstring_and_every_option():
    result = dbtgate("check", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{CHECK_USAGE}\n\nRun the gate on a dbt build: policies,")
    for shown in (
        "-a DIR, --artifacts DIR",
        "--max-findings N",
        "[default: 200]",
        "--ack-label LABEL",
        "--annotations, --no-annotations",
        "-h, --help",
    ):
        assert shown in result.stdout
    trend = dbtgate("trend", "--help").stdout
    assert trend.startswith("usage: dbtgate trend [OPTIONS] REPORT...\n")
    assert "arguments:\n  REPORT " in trend


def test_a_command_help_names_only_options_the_command_has():
    """An option's help text is shared between commands: it must not send a reader of one
    command to a flag that only another has (validate's --config once named --artifacts)."""
    import re

    from dbtgate.cli import COMMANDS

    for name, (_function, options) in COMMANDS.items():
        flags = {flag for option in options for flag in option.flags} | {"--help"}
        for option in options:
            text = option.settings["help"]
            # `check --json` names another command's option, on purpose.
            text = re.sub(rf"\b(?:{'|'.join(COMMANDS)}) --[a-z-]+", "", text)
            named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", text))
            assert named <= flags, f"dbtgate {name} {option.flags[-1]}: {named - flags}"


def test_every_option_reaches_its_command_as_a_parameter():
    """Each command is called with one keyword per option (argparse's `dest`)."""
    import inspect

    from dbtgate.cli import COMMANDS

    for name, (function, options) in COMMANDS.items():
        dests = set()
        for option in options:
            long = [flag for flag in option.flags if flag.startswith("--")] or option.flags
            dests.add(option.settings.get("dest") or long[0].lstrip("-").replace("-", "_"))
        assert dests == set(inspect.signature(function).parameters), name


def test_repeatable_and_tri_state_options_parse_as_before():
    from dbtgate.cli import command_parser

    parser = command_parser("check")
    given = parser.parse_args(["--ack-label", "a", "--ack-label", "b", "--no-annotations"])
    assert given.ack_label == ["a", "b"]
    assert given.annotations is False
    defaults = parser.parse_args([])
    assert defaults.ack_label is None and defaults.annotations is None
    assert defaults.max_findings == 200 and defaults.quiet is False
    assert parser.parse_args(["--annotations", "-q"]).annotations is True


def test_bad_config_names_file_and_line(tmp_path):
    (tmp_path / "dbtgate.yml").write_text("version: 1\nscope: sometimes\n")
    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    result = dbtgate("check", "--artifacts", str(CORPUS / "bouncer-dbt112"), cwd=tmp_path)
    assert result.returncode == 2
    assert "dbtgate.yml:2: scope: expected one of" in result.stderr


def test_version_is_printed():
    result = dbtgate("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("dbtgate ")


def test_init_writes_a_starter_config_that_loads(tmp_path):
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    result = dbtgate("init", "--project-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from dbtgate.config import load_config

    config = load_config(tmp_path / "dbtgate.yml")
    assert config.policies and config.policies[0].select == "tier:1"
    # A team adopting the gate on legacy debt is pointed to the baseline from the start.
    assert " ".join(result.stdout.split()).startswith(
        f"wrote {tmp_path / 'dbtgate.yml'}: review the policies, then run `dbtgate check`; on a "
        "project with legacy debt, `dbtgate baseline` records today's findings, and `baseline: "
        "dbtgate-baseline.json` in this file makes only new ones block"
    )
    again = dbtgate("init", "--project-dir", str(tmp_path), cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr


# The environment of a run under `_files_of_at_most_1000_bytes`: Python writes no bytecode
# there, where a module compiled anew (a source edited since) was cut at 1,000 bytes into a
# .pyc that every later run failed to load ("marshal data too short").
NO_BYTECODE = plain_env(COLUMNS="200", PYTHONDONTWRITEBYTECODE="1")


def _files_of_at_most_1000_bytes() -> None:
    """In the child, before dbtgate runs: a write past 1,000 bytes fails (EFBIG, "File too
    large"), as on a full disk, for root as for anyone, with no disk to fill. Run it with
    NO_BYTECODE."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))


def test_init_that_cannot_write_names_the_file_and_leaves_what_was_there(tmp_path):
    """On a full disk `init` said `dbtgate: error: : No space left on device` (a write's OSError
    names no file) and left an empty dbtgate.yml behind, which the next `init` refused as
    there; with --force, the config it replaced was already cut to nothing."""
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    env = NO_BYTECODE
    for force, before in (((), None), (("--force",), "version: 1\n")):
        if before is not None:
            (tmp_path / "dbtgate.yml").write_text(before)
        result = run_dbtgate(
            "init", *force, cwd=tmp_path, env=env, preexec_fn=_files_of_at_most_1000_bytes
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert (
            result.stderr
            == "dbtgate: error: dbtgate.yml: cannot write the config: File too large\n"
        )
        assert sorted(p.name for p in tmp_path.iterdir()) == ["dbt_project.yml"] + (
            ["dbtgate.yml"] if before else []
        )
        if before is not None:
            assert (tmp_path / "dbtgate.yml").read_text() == before


@contextlib.contextmanager
def folder_that_takes_no_new_file(folder: Path) -> Iterator[None]:
    """`folder` as one its files may be written in but no file added to: without write
    permission on it for a user other than root (root is let in anyway), immutable
    (`chattr +i`) for root. Skips when neither can be had (a file system without attributes)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    locked = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if locked.returncode != 0:
        pytest.skip(f"cannot make {folder} immutable as root: {locked.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_init_force_writes_the_config_in_place_in_a_folder_that_takes_no_new_file(tmp_path):
    """`init --force` writes beside the config and renames over it, which needs the right to
    add a file to the folder: where the config may be written but the folder may not, it
    failed with "Permission denied", where overwriting in place needs only the file's right."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    env = plain_env(COLUMNS="200")
    with folder_that_takes_no_new_file(project):
        # No config there: nothing to write in place, and the folder takes none.
        refused = run_dbtgate("init", cwd=project, env=env)
        assert refused.returncode == 2
        assert refused.stderr.startswith("dbtgate: error: dbtgate.yml: cannot write the config: ")
        assert len(refused.stderr.splitlines()) == 1
    (project / "dbtgate.yml").write_text("version: 1\n")
    with folder_that_takes_no_new_file(project):
        written = run_dbtgate("init", "--force", cwd=project, env=env)
        assert written.returncode == 0, written.stdout + written.stderr
        assert written.stderr == ""
        assert (project / "dbtgate.yml").read_text().startswith("# dbtgate configuration.")
        assert sorted(p.name for p in project.iterdir()) == ["dbt_project.yml", "dbtgate.yml"]
        assert run_dbtgate("validate", cwd=project, env=env).returncode == 0
        # With no other place to write it first, a write that fails midway cuts it short: said.
        cut = run_dbtgate(
            "init",
            "--force",
            cwd=project,
            env=NO_BYTECODE,
            preexec_fn=_files_of_at_most_1000_bytes,
        )
        assert cut.returncode == 2
        assert cut.stderr == (
            "dbtgate: error: dbtgate.yml: cannot write the config: File too large (written in "
            "place, as no file could be put in its place: it may be cut short, restore it from "
            "git)\n"
        )


def test_init_force_writes_in_place_a_config_mounted_on_its_own(tmp_path):
    """A container given its config as a file of its own (`docker run -v
    ./dbtgate.yml:/project/dbtgate.yml`): nothing can be renamed over a mount point, and
    `init --force` failed with "Device or resource busy". Run in a mount namespace of its own
    (root's), with the config bind-mounted from outside the project."""
    private_mounts = ("unshare", "-m", "--propagation", "private")
    probe = subprocess.run([*private_mounts, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace of its own to bind a file in: {probe.stderr.strip()}")
    project = tmp_path / "project"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    (project / "dbtgate.yml").write_text("version: 1\n")
    mounted = tmp_path / "mounted.yml"
    mounted.write_text("version: 1\n")
    result = dbtgate_in_bash(
        "init --force",
        project,
        before=f"mount --bind {mounted} dbtgate.yml &&",
        wrapper=private_mounts,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    # Written through the mount, into the file mounted; the project's own is as it was.
    assert mounted.read_text().startswith("# dbtgate configuration.")
    assert (project / "dbtgate.yml").read_text() == "version: 1\n"
    assert sorted(p.name for p in project.iterdir()) == ["dbt_project.yml", "dbtgate.yml"]


@pytest.mark.parametrize("name", ["pyproject.toml", "dbtgate.yaml"])
def test_init_does_not_write_a_second_config_beside_one_already_there(tmp_path, name):
    """dbtgate.yml beside [tool.dbtgate] (or dbtgate.yaml) is two configs in one folder, which
    every command refuses: not even --force writes it."""
    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    text = "[tool.dbtgate]\nversion = 1\n" if name == "pyproject.toml" else "version: 1\n"
    (tmp_path / name).write_text(text)
    for force in ((), ("--force",)):
        result = dbtgate("init", "--project-dir", ".", *force, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith(f"dbtgate: error: {name}: already configures dbtgate here")
        assert f"edit {name}, or remove its dbtgate settings" in result.stderr
        assert len(result.stderr.splitlines()) == 1
        assert not (tmp_path / "dbtgate.yml").exists()
    assert dbtgate("validate", cwd=tmp_path).returncode == 0


def test_the_starters_advice_policies_load_once_uncommented(tmp_path):
    from dbtgate.config import load_config
    from dbtgate.rules.policies import compile_policies, config_rules
    from dbtgate.starter import write_starter_config

    (tmp_path / "dbt_project.yml").write_text("name: shop\nprofile: shop\n")
    path = write_starter_config(tmp_path).path
    text = path.read_text()
    commented = '  # - select: "*"\n  #   rules:\n  #     modeling.'
    assert commented in text
    path.write_text(text.replace('  # - select: "*"', '  - select: "*"').replace("  #   ", "    "))
    config = load_config(path)
    [*_, modeling, code, performance] = compile_policies(config, config_rules(config))
    assert modeling.policy.select == code.policy.select == performance.policy.select == "*"
    assert [c.rule.code for c in modeling.rules] == [
        "modeling.direct_source_join",
        "modeling.layer_order",
        "modeling.root_model",
        "sources.unused",
    ]
    assert [c.rule.code for c in code.rules] == [
        "code.hard_coded_reference",
        "code.forbidden_pattern",
    ]
    assert code.rules[1].params["pattern"] == r";\s*$"
    assert [c.rule.code for c in performance.rules] == [
        "performance.chained_views",
        "performance.execution_time",
    ]


def test_json_report_is_written_and_deterministic(tmp_path):
    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    outputs = []
    for name in ("a.json", "b.json"):
        result = dbtgate(
            "check",
            "-q",
            "--artifacts",
            str(CORPUS / "bouncer-dbt112"),
            "--json",
            str(tmp_path / name),
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        outputs.append((tmp_path / name).read_text())
    assert outputs[0] == outputs[1]
    assert '"schema_version"' in outputs[0]


def test_json_dash_writes_the_report_to_stdout_and_the_console_to_stderr(tmp_path):
    """`--json - | jq ...`: standard output holds the report alone, annotations included
    elsewhere (GitHub reads workflow commands from stderr too)."""
    import json

    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    (tmp_path / "dbtgate.yml").write_text(
        "version: 1\npolicies:\n  - select: '*'\n    rules: {owner.present: error}\n"
    )
    # Only the variables meant: on a runner the job's own (RUNNER_TEMP's annotation ledger,
    # which earlier tests had filled, GITHUB_OUTPUT) reached the gate under test.
    env = plain_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY="")
    args = ["check", "--artifacts", str(CORPUS / "bouncer-dbt112"), "--json", "-"]
    result = run_dbtgate(*args, "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["project"] == "dbt_bouncer_test_project"
    assert report["findings"]
    assert "dbt project dbt_bouncer_test_project" in result.stderr
    assert "::error " in result.stderr
    assert not (tmp_path / "-").exists()
    assert json.loads((tmp_path / "out" / "gate.json").read_text()) == report


def test_a_step_summary_that_cannot_be_written_leaves_the_verdict_and_the_reports(tmp_path):
    """The summary is where the job shows the report, not an input of the verdict: a path
    that cannot be written is said in one line, and the gate's exit code and reports stay."""

    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    summary = tmp_path / "missing-dir" / "summary.md"
    env = plain_env(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary))
    args = ["check", "--artifacts", str(CORPUS / "bouncer-dbt112"), "--out", str(tmp_path / "out")]
    result = run_dbtgate(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (
        f"dbtgate: could not write the step summary to {summary} (GITHUB_STEP_SUMMARY): No such "
        "file or directory; the gate's verdict is unchanged"
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "out" / "gate.json").is_file()
    assert "dbtgate: PASS" in result.stdout


def test_in_github_actions_the_verdict_and_the_reports_are_step_outputs(tmp_path):
    """`steps.gate.outputs.verdict`: what a later step of the workflow branches on."""
    import json

    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    (tmp_path / "dbtgate.yml").write_text(
        "version: 1\npolicies:\n  - select: '*'\n    rules: {owner.present: error}\n"
    )
    outputs = tmp_path / "github-output"
    outputs.write_text("earlier=step\n")
    env = plain_env(GITHUB_ACTIONS="true", GITHUB_OUTPUT=str(outputs))
    args = ["check", "--artifacts", str(CORPUS / "bouncer-dbt112"), "--out", "reports"]
    result = run_dbtgate(*args, "--format", "json,html", cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stderr
    report = json.loads((tmp_path / "reports" / "gate.json").read_text())
    blocking = report["counts"]["by_disposition"]["blocking"]
    assert outputs.read_text() == (
        "earlier=step\n"
        f"verdict=fail\nblocking={blocking}\nfindings={report['counts']['total']}\n"
        f"report-json={tmp_path}/reports/gate.json\nreport-html={tmp_path}/reports/gate.html\n"
        f"report-markdown=\nreports={tmp_path}/reports\n"
    )


def test_check_names_the_reports_it_wrote_in_one_line_before_its_verdict(tmp_path):
    """`report` and `demo` said where they wrote; `check --out` did not. The verdict stays the
    last line, and in GitHub Actions the paths are printed inside the stop-commands block."""
    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    write_config(
        tmp_path, "version: 1\npolicies:\n  - select: '*'\n    rules: {owner.present: warn}\n"
    )
    args = ["check", "--artifacts", str(CORPUS / "bouncer-dbt112")]
    written = dbtgate(
        *args, "--out", "reports", "--format", "json,html", "--json", "gate.json", cwd=tmp_path
    )
    assert written.returncode == 0, written.stderr
    lines = written.stdout.splitlines()
    assert lines[-1].startswith("dbtgate: PASS")
    said = [line for line in lines if line.startswith("reports:")]
    assert said == ["reports: reports/gate.json, reports/gate.html, gate.json"]
    assert lines.index(said[0]) > max(
        i for i, line in enumerate(lines) if line.startswith("  warn ")
    )
    assert all((tmp_path / name).is_file() for name in said[0][len("reports: ") :].split(", "))
    # Nothing written, nothing named; `--json -` writes no file; --quiet prints the verdict's lines.
    for extra in ([], ["--json", "-"], ["--out", "reports", "--quiet"]):
        result = dbtgate(*args, *extra, cwd=tmp_path)
        assert "reports:" not in result.stdout + result.stderr, extra
    actions = run_dbtgate(
        *args, "--out", "reports", cwd=tmp_path, env=plain_env(GITHUB_ACTIONS="true")
    )
    lines = actions.stdout.splitlines()
    opened = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    at = lines.index(
        "reports: "
        + ", ".join(
            f"reports/{name}"
            for name in (
                "gate.md",
                "gate.html",
                "gate.sarif",
                "gate-junit.xml",
                "gl-code-quality-report.json",
                "gate.json",
            )
        )
    )
    assert opened < at < len(lines) - 2
    assert (
        lines[-2].startswith("dbtgate: PASS") and lines[-1] == f"::{lines[opened].split('::')[2]}::"
    )


def test_diff_names_the_reports_it_wrote_before_its_verdict(tmp_path):
    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    import json

    build = str(CORPUS / "bouncer-dbt112")
    manifest = json.loads((CORPUS / "bouncer-dbt112" / "manifest.json").read_text())
    manifest["metadata"]["invocation_id"] = "base-build"  # another build of the same project
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "manifest.json").write_text(json.dumps(manifest))
    result = dbtgate(
        "diff", "--artifacts", build, "--base", "base", "--out", "r", "--format", "md", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        "reports: r/gate.md",
        "dbtgate diff: PASS — 0 blocking changes",
    ]


def test_max_findings_caps_the_console_and_the_json_keeps_every_finding(tmp_path):
    import json
    from pathlib import Path

    if not (CORPUS / "bouncer-dbt112").is_dir():
        pytest.skip("corpus absent")
    config = Path(__file__).parent.parent / "benchmarks" / "dbtgate.yml"
    args = ("check", "--artifacts", str(CORPUS / "bouncer-dbt112"), "--config", str(config))
    capped = dbtgate(*args, "--max-findings", "3", "--json", str(tmp_path / "r.json"), cwd=tmp_path)
    assert capped.returncode == 1, capped.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    blocking = [f for f in report["findings"] if f["disposition"] == "blocking"]
    assert len(blocking) > 3
    lines = capped.stdout.splitlines()
    assert sum(1 for line in lines if line.startswith("  error ")) == 3
    # The group counted per rule under its heading (and its underline), where a reader of a
    # capped list starts; the line after its last finding names the report that holds the rest.
    heading = lines.index(f"Blocking ({len(blocking)})")
    by_rule = sorted(Counter(f["code"] for f in blocking).items(), key=lambda kv: (-kv[1], kv[0]))
    assert lines[heading + 2] == "by rule: " + ", ".join(f"{c} {n}" for c, n in by_rule)
    assert (
        f"… and {len(blocking) - 3} more (`--max-findings 0` prints all; every finding is in "
        f"{tmp_path / 'r.json'})" in lines
    )
    written = dbtgate(*args, "--max-findings", "3", "--out", "out", cwd=tmp_path)
    assert (
        f"… and {len(blocking) - 3} more (`--max-findings 0` prints all; every finding is in "
        "out/gate.html and out/gate.json)" in written.stdout.splitlines()
    )
    unwritten = dbtgate(*args, "--max-findings", "3", cwd=tmp_path)
    assert (
        f"… and {len(blocking) - 3} more (`--max-findings 0` prints all; the reports "
        "`--json FILE` and `--out DIR` write hold every finding)" in unwritten.stdout.splitlines()
    )
    everything = dbtgate(*args, "--max-findings", "0", cwd=tmp_path)
    assert sum(1 for line in everything.stdout.splitlines() if line.startswith("  error ")) == (
        len(blocking)
    )
    assert "more (all in the" not in everything.stdout
    bad = dbtgate(*args, "--max-findings", "-1", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_piped_tables_are_wide_unless_columns_says_otherwise(tmp_path):
    """A CI log is a pipe: rich's 80 columns would fold the tables; COLUMNS still rules (at 80
    the changes print one block a change, their indented lines wrapped within it)."""
    build = CORPUS / "recce-pair"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    args = ("diff", "--artifacts", str(build / "pr2"), "--base", str(build / "base"))

    def printed(extra: dict[str, str]) -> list[str]:
        done = run_dbtgate(*args, cwd=tmp_path, env=plain_env(**extra))
        assert done.returncode in (0, 1), done.stderr
        return done.stdout.splitlines()

    assert 80 < max(len(line) for line in printed({}) if line.startswith("┃")) <= 160
    narrow = printed({"COLUMNS": "80"})
    assert not any(line.startswith("┃") for line in narrow)
    indented = [line for line in narrow if line.startswith("    ")]
    assert indented and max(len(line) for line in indented) <= 80


def test_the_pull_requests_own_build_as_base_is_refused(tmp_path):
    """Every resource would look unchanged and nothing would block under `scope: changed`."""
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "manifest.json").write_bytes((build / "manifest.json").read_bytes())
    for command in ("check", "diff"):
        result = dbtgate(command, "--artifacts", str(build), "--base", str(copy), cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith(
            f"dbtgate: error: {copy}: --base is the same build as --artifacts (dbt invocation "
        )
        assert len(result.stderr.splitlines()) == 1


def test_a_config_without_policies_says_so(tmp_path):
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    (tmp_path / "dbtgate.yml").write_text("")
    result = dbtgate("check", "--artifacts", str(build), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "note: dbtgate.yml has no policies: no rule was applied to the models" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--json", "afile/gate.json"), "--json afile/gate.json: afile is a file, not a directory"),
        (("--json", "adir"), "--json adir: is a directory; give a file name (gate.json)"),
        (("--out", "afile"), "--out afile: is a file; give a directory for the reports"),
        (("--out", "afile/reports"), "--out afile/reports: afile is a file, not a directory"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused_before_anything_is_read(
    tmp_path, args, message
):
    (tmp_path / "afile").write_text("")
    (tmp_path / "adir").mkdir()
    # No artifacts at all: the output is checked first.
    result = dbtgate("check", "--artifacts", "missing", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"dbtgate: error: {message}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("check", "--json", "reports/"), "argument --json: reports/: names a folder"),
        (("baseline", "-o", "debt/"), "argument -o/--output: debt/: names a folder"),
        (("trend", "reports", "--md", "t/"), "argument --md: t/: names a folder"),
    ],
)
def test_an_output_file_written_as_a_folder_is_refused(tmp_path, args, message):
    """`-o debt/` wrote a file named `debt`: the path dropped the slash that meant a folder."""
    result = dbtgate(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert f"{message}; give a file name" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_baseline_output_on_a_folder_suggests_a_baseline_file_name(tmp_path):
    (tmp_path / "adir").mkdir()
    result = dbtgate("baseline", "--artifacts", "missing", "-o", "adir", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "dbtgate: error: --output adir: is a directory; give a file name (dbtgate-baseline.json)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--out", "/proc/x/y"), "--out /proc/x/y: cannot create the folder: "),
        (("--json", "/proc/x/g.json"), "--json /proc/x/g.json: cannot create the folder /proc/x: "),
    ],
)
def test_a_report_folder_that_cannot_be_made_names_its_option(tmp_path, args, message):
    """Past the checks made before reading (a file where a folder must be), mkdir can still
    fail: its error named a path and no option."""
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir() or not os.path.isdir("/proc"):
        pytest.skip("needs the corpus and /proc (a folder nothing can be made in)")
    result = dbtgate("check", "-q", "--artifacts", str(build), *args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"dbtgate: error: {message}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_in_github_actions_the_error_that_stopped_the_gate_is_an_annotation_too(tmp_path):
    """The run's page said only "exit code 2"; the line stays for the log, and the annotation
    is escaped as a workflow command's message must be."""
    env = plain_env(GITHUB_ACTIONS="true")
    result = run_dbtgate("check", "--artifacts", "no%where", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "dbtgate: error: no%where: artifacts directory not found (run `dbt build` or `dbt "
        "parse` first, or pass --artifacts DIR)",
        "::error title=dbtgate stopped::no%25where: artifacts directory not found (run `dbt "
        "build` or `dbt parse` first, or pass --artifacts DIR)",
    ]
    off = dbtgate("check", "--artifacts", "nowhere", cwd=tmp_path)
    assert len(off.stderr.splitlines()) == 1
    # An error at a line of a file in the repository is annotated on that line.
    (tmp_path / "analytics").mkdir()
    (tmp_path / "analytics" / "dbtgate.yml").write_text("version: 1\nscpoe: all\n")
    env["GITHUB_WORKSPACE"] = str(tmp_path)
    result = run_dbtgate("check", "-c", "analytics/dbtgate.yml", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].startswith(
        "::error file=analytics/dbtgate.yml,line=2,title=dbtgate stopped::analytics/dbtgate.yml:2:"
    ), result.stderr


def test_artifacts_may_name_the_manifest_as_base_may(tmp_path):
    """`--artifacts target/manifest.json` was refused ("must be the directory") where `--base
    base/manifest.json` is taken: the build's directory is the one that holds it."""
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    by_file = dbtgate("check", "-q", "--artifacts", str(build / "manifest.json"), cwd=tmp_path)
    by_directory = dbtgate("check", "-q", "--artifacts", str(build), cwd=tmp_path)
    assert by_file.returncode == by_directory.returncode == 0, by_file.stderr
    assert by_file.stdout == by_directory.stdout


def test_quiet_prints_only_notes_and_the_verdict(tmp_path):
    build = CORPUS / "bouncer-dbt112"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    quiet = dbtgate("check", "-q", "--artifacts", str(build), cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    *notes, unchecked, verdict = quiet.stdout.splitlines()
    assert notes and all(line.startswith("note: ") for line in notes)
    # What the pass does not cover, beside it: nothing configured, no run, no base.
    assert unchecked == (
        "not checked: policies (no dbtgate.yml) · breaking changes (no base build: --base "
        "PATH|REF) · source freshness (no sources.json) · the last run's results "
        "(run_results.json is of `dbt docs generate`, which runs nothing)"
    )
    # The missing base build is said once: a note "no base build (--base PATH|REF): breaking
    # changes were not checked" said it again just above.
    assert not [note for note in notes if "base build" in note or "breaking" in note]
    assert verdict == "dbtgate: PASS — no blocking findings, 0 non-blocking"


def test_a_reader_that_stops_early_ends_the_run_quietly_with_its_verdict(tmp_path):
    """`dbtgate check | head`: once the reader has gone, the run stops printing without an
    error line (it said `error: : Broken pipe`, exit 2) and exits with the verdict it reached:
    GitHub Actions runs bash with pipefail, where a pass cut short exited 1 and failed the
    step. A command that only informs (`rules`) exits 0: the reader read what it wanted."""
    build = CORPUS / "recce-pair/pr2"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    env = plain_env()
    (tmp_path / "fails").mkdir()
    write_config(
        tmp_path / "fails",
        "version: 1\npolicies:\n  - select: '*'\n    rules: {docs.model_description: error}\n",
    )
    for cwd, args, verdict in (
        (tmp_path, ["check", "--artifacts", str(build)], 0),
        (tmp_path / "fails", ["check", "--artifacts", str(build)], 1),
        (tmp_path, ["diff", "--artifacts", str(build), "--base", str(build.parent / "base")], 0),
        (tmp_path, ["rules"], 0),
    ):
        if args[0] != "rules":
            unpiped = run_dbtgate(*args, cwd=cwd, env=env)
            assert unpiped.returncode == verdict, (args, unpiped.stderr)
        done = gone_before_the_first_line(args, cwd, env)
        assert done.returncode == verdict, args
        assert done.stderr == "", args


def test_a_reader_gone_before_the_first_line_leaves_the_verdict_in_github_actions(tmp_path):
    """In GitHub Actions the first line `check` and `diff` print is a workflow command (the
    annotations, `::stop-commands::`), written before the verdict stood: a reader gone at once
    turned a pass into exit 1."""
    build = CORPUS / "recce-pair/pr2"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    env = plain_env(GITHUB_ACTIONS="true")
    (tmp_path / "fails").mkdir()
    write_config(
        tmp_path / "fails",
        "version: 1\npolicies:\n  - select: '*'\n    rules: {docs.model_description: error}\n",
    )
    for cwd, args, verdict in (
        (tmp_path, ["check", "--artifacts", str(build)], 0),
        (tmp_path / "fails", ["check", "--artifacts", str(build)], 1),
        (tmp_path, ["diff", "--artifacts", str(build), "--base", str(build.parent / "base")], 0),
    ):
        unpiped = run_dbtgate(*args, cwd=cwd, env=env)
        assert unpiped.returncode == verdict, (args, unpiped.stderr)
        done = gone_before_the_first_line(args, cwd, env)
        assert (done.returncode, done.stderr) == (verdict, ""), args


def test_an_informational_command_read_by_head_exits_0_without_a_traceback(tmp_path):
    """`dbtgate rules | head -1` read what it wanted: the reference stops printing and the
    command exits 0 (it exited 1, which failed a script under `set -o pipefail`); the help and
    the version, printed whole before the reader left, too."""
    env = plain_env(COLUMNS="120")
    for args, first in (
        (["rules"], "Policy rules"),
        (["rules", "--markdown"], "# "),
        (["validate", "--schema"], "{"),
    ):
        line, code, stderr = first_line_then_gone(args, tmp_path, env)
        assert line.startswith(first), (args, line)
        assert (code, stderr) == (0, ""), args
    for args in (
        ["rules", "run.stale_results"],
        ["rules", "run"],
        ["--help"],
        ["--version"],
        ["check", "--help"],
    ):
        done = gone_before_the_first_line(args, tmp_path, env)
        assert (done.returncode, done.stderr) == (0, ""), args


def test_check_read_by_head_exits_with_its_verdict(tmp_path):
    """`dbtgate check | head -1` on a failing build: the reader leaves after the first line, the
    run ends quietly with the verdict it reached (1), not a traceback or a usage error (2)."""
    build = CORPUS / "bouncer-dbt20"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    write_config(
        tmp_path,
        "version: 1\npolicies:\n  - select: '*'\n    rules:\n      docs.model_description: "
        "error\n      docs.column_coverage: {severity: error, min: 1}\n",
    )
    args = ["check", "--artifacts", str(build), "--max-findings", "0"]
    whole = run_dbtgate(*args, cwd=tmp_path, env=plain_env(COLUMNS="120"))
    assert whole.returncode == 1 and len(whole.stdout) > 8192, whole.stderr
    line, code, stderr = first_line_then_gone(args, tmp_path, plain_env(COLUMNS="120"))
    assert line == whole.stdout.splitlines(keepends=True)[0]
    assert (code, stderr) == (1, "")


def test_a_command_that_wrote_its_files_ends_quietly_with_0_when_the_reader_is_gone(tmp_path):
    """`dbtgate init | head`, `baseline`, `report`, `trend` and `validate`: the reader left
    before the first line, the work is done all the same (the files written) and the command
    exits 0 without a word on stderr, where it exited 1 and failed a script under pipefail;
    `validate` of a broken config keeps its 2."""
    build = CORPUS / "recce-pair/pr2"
    if not build.is_dir():
        pytest.skip(f"corpus absent: {build}")
    env = plain_env(COLUMNS="120")
    (tmp_path / "dbt_project.yml").write_text("name: shop\nversion: '1'\nprofile: shop\n")
    saved = tmp_path / "gate.json"
    assert run_dbtgate("check", "--artifacts", str(build), "--json", str(saved), env=env).stdout
    out, trend_md, recorded = tmp_path / "out", tmp_path / "trend.md", tmp_path / "bl.json"
    for args, written in (
        (["init", "--force"], tmp_path / "dbtgate.yml"),
        (["validate"], None),
        (["baseline", "--artifacts", str(build), "-o", str(recorded)], recorded),
        (["report", str(saved), "--out", str(out)], out / "gate.html"),
        (["trend", str(saved), str(saved), "--md", str(trend_md)], trend_md),
    ):
        done = gone_before_the_first_line(args, tmp_path, env)
        assert (done.returncode, done.stderr) == (0, ""), args
        assert written is None or written.stat().st_size > 0, args
        # Each prints what the closed pipe cut short.
        assert run_dbtgate(*args, cwd=tmp_path, env=env).stdout.strip(), args
    (tmp_path / "dbtgate.yml").write_text(
        "version: 1\npolicies:\n  - select: '*'\n    rules: {no.such_rule: error}\n"
    )
    done = gone_before_the_first_line(["validate"], tmp_path, env)
    assert done.returncode == 2 and "no.such_rule" in done.stderr


def test_rules_takes_a_code_or_family_in_any_case():
    assert dbtgate("rules", "Code.Max_Lines").stdout.startswith("code.max_lines ")
    assert dbtgate("rules", "lint.lt01").stdout.startswith("lint.LT01 ")
    # dbtgate's own lint code, as the findings print it, is not a sqlfluff code.
    for code in ("lint.unparsable", "Lint.Unparsable"):
        assert dbtgate("rules", code).stdout.startswith("lint.unparsable "), code
    assert "kpi.test_coverage" in dbtgate("rules", "KPI").stdout


def test_rules_prints_a_broken_config_s_error_without_control_codes(tmp_path):
    """The warning quotes the config (a plugin's name as written): an escape sequence or a line
    break in it must reach the terminal or the CI log as neither (no `::` workflow command)."""
    plugin = "ab\\e[2K\\e[31mc\\n::error::forged"
    (tmp_path / "dbtgate.yml").write_text(f'version: 1\nplugins: ["{plugin}"]\n')
    result = dbtgate("rules", "owner.present", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("dbtgate: warning: dbtgate.yml:2: plugins: ab[2K[31mc\n")
    assert "\x1b" not in result.stderr
    assert not [line for line in result.stderr.splitlines() if line.lstrip().startswith("::")]


def test_rules_explains_a_code_beside_a_broken_config(tmp_path):
    """A config that does not load is when its author needs the reference: the built-in rules
    are printed with the config's error as a warning; a config named with --config is read."""
    (tmp_path / "dbtgate.yml").write_text("version: 1\nkpi: {targets: [tier1_test_coverage]}\n")
    result = dbtgate("rules", "owner.present", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("owner.present ")
    assert result.stderr.startswith("dbtgate: warning: dbtgate.yml:2: ")
    assert result.stderr.rstrip().endswith("the built-in rules only")
    named = dbtgate("rules", "owner.present", "--config", "dbtgate.yml", cwd=tmp_path)
    assert named.returncode == 2


@pytest.mark.parametrize("base_catalog", [True, False])
def test_diff_names_the_relations_it_did_not_compare_once(tmp_path, base_catalog):
    """The note counts and names them; no second line lists the same relations again."""
    orders, customers = model("orders"), model("customers")
    full = {
        orders["unique_id"]: [("id", "INTEGER")],
        customers["unique_id"]: [("id", "INTEGER")],
    }
    # With a base catalog, the base documents only customers (a partial catalog); without one,
    # neither model declares columns in YAML.
    cut = {customers["unique_id"]: [("id", "INTEGER")]} if base_catalog else None
    write_build(tmp_path / "base", [orders, customers], catalog=cut)
    write_build(tmp_path / "pr", [orders, customers], catalog=full)
    args = ("--artifacts", str(tmp_path / "pr/target"), "--base", str(tmp_path / "base/target"))
    result = dbtgate("diff", *args, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    unknown = [orders] if base_catalog else [customers, orders]
    for relation in unknown:
        assert result.stdout.count(relation["unique_id"]) == 1, result.stdout
    note = next(line for line in result.stdout.splitlines() if unknown[0]["unique_id"] in line)
    assert note.startswith("note: ") and f"{len(unknown)} relation" in note
