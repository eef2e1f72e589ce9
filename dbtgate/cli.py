"""The `dbtgate` command line: thin commands that wire loader, gate and reporters together.

Exit codes are the contract with CI: 0 the gate passed, 1 the gate failed, 2 the input was wrong
(usage, config, artifacts). Errors are one line on stderr, never a traceback (set DBTGATE_DEBUG=1
to see one when reporting a bug).

Options are parsed with the standard library's argparse, declared once per option (`Opt`) and
per command (`@command`): the command line starts on every push and pre-commit run, and a
framework (Typer built the click command tree on each run: ~0.1 s) would cost more than the
gate itself on a small project. Only the parser of the command being run is built.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

from dbtgate import __version__
from dbtgate.errors import DbtgateError, lookup_problem
from dbtgate.wording import counted

# The `typing` module costs `dbtgate --version` a few ms; annotations are never evaluated here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any, Literal, NoReturn

    from dbtgate.checks import CheckContext
    from dbtgate.lint.run import LintRun

ROOT_HELP = (
    "The quality gate for dbt pull requests: policies, breaking schema changes, run status and "
    "lint, with one verdict."
)
ROOT_USAGE = "dbtgate [--version] [-h] COMMAND [OPTIONS]"
EXIT_CODES = "Exit codes: 0 pass, 1 gate failed, 2 usage, config or artifact error."


class Opt:
    """One option (flags start with `-`) or positional argument (one name) of a command, in
    argparse's terms (`type`, `default`, `action`, `nargs`, `metavar`, `dest`), declared once
    and shared by the commands that take it. A default worth knowing ends the help text."""

    __slots__ = ("flags", "settings")

    def __init__(self, *flags: str, help: str, **settings: object) -> None:
        default = settings.get("default")
        if default is not None and default is not False:
            help = f"{help} [default: {default}]"
        self.flags = flags
        self.settings = {"help": help, **settings}

    @property
    def positional(self) -> bool:
        return not self.flags[0].startswith("-")


# name -> (function, options), in the order this file defines them.
COMMANDS: dict[str, tuple[Callable[..., int | None], tuple[Opt, ...]]] = {}

# `dbtgate --help` lists the commands in the order a newcomer meets them, as the README's quick
# start does: try the demo, set up a config and check it, gate a build (the whole gate, then its
# diff and lint alone), record legacy debt, look up a code, then re-render and follow reports.
# The order of definition in this file is no guide for a reader. A new command is added here too,
# and to the README's table of commands in the same place (tests/test_cli.py checks both).
HELP_ORDER = (
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
)


def command(*options: Opt):
    """Register the function as `dbtgate NAME` (its name) taking OPTIONS, in
    the order its help lists them. The function is called with one keyword argument per option
    (the option's `dest`) and returns the exit code (None: 0); its docstring is the help, and the
    first clause of it the summary in `dbtgate --help`."""

    def register(function: Callable[..., int | None]) -> Callable[..., int | None]:
        COMMANDS[function.__name__] = (function, options)
        return function

    return register


def _artifacts_path(text: str) -> Path:
    """--artifacts: a build's directory, or its manifest.json named (as --base takes it): the
    directory that holds it, where the other artifacts are. A file of another name is left as
    given, which loading refuses: its folder's manifest.json is not that file. A named pipe of
    that name (`mkfifo target/manifest.json`) stands for its folder as the file does."""
    from dbtgate.artifacts.load import ARTIFACT_FILES
    from dbtgate.pipes import is_pipe

    path = Path(text)
    named = path.name in ARTIFACT_FILES and (path.is_file() or is_pipe(path))
    return path.parent if named else path


def _at_least_zero(text: str) -> int:
    """`--max-findings`: a whole number, 0 or more (a negative cap is a usage error, not "all")."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is below 0 (0 prints all)")
    return value


ARTIFACTS = Opt(
    "-a",
    "--artifacts",
    type=_artifacts_path,
    metavar="DIR",
    help="Directory with manifest.json (and run_results/catalog/sources.json), or its "
    "manifest.json. Default: `artifacts` from the config, else the dbt project's target/.",
)
BASE = Opt(
    "--base",
    metavar="DIR|REF",
    help="The previous build to compare with: a directory holding its manifest.json "
    "(and catalog.json; `check` also reads its run_results/sources.json), or a git ref (parsed "
    "with `dbt parse` in a temporary worktree, cached by commit). Default: `base` from the "
    "config.",
)
PROFILES_DIR = Opt(
    "--profiles-dir",
    type=Path,
    metavar="DIR",
    help="Where profiles.yml is, for `dbt parse` of a --base git ref. Default: "
    "$DBT_PROFILES_DIR, the current or project directory, else ~/.dbt.",
)
ACK_LABEL = Opt(
    "--ack-label",
    action="append",
    metavar="LABEL",
    help="A label of the pull request (repeatable); the config's `breaking.ack_label` "
    "acknowledges breaking changes. Also read from $DBTGATE_ACK_LABELS (comma-separated) "
    "and the GitHub event at $GITHUB_EVENT_PATH.",
)


def _output_file(text: str) -> Path:
    """A file a command writes. `Path("debt/")` drops the slash that says the user meant a
    folder, and the command would then write a file named `debt`: refused instead."""
    import argparse

    if text.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(f"{text}: names a folder; give a file name")
    return Path(text)


_CONFIG_HELP = "dbtgate.yml or pyproject.toml with [tool.dbtgate]. Default: found in the current "
CONFIG = Opt(
    "-c",
    "--config",
    type=Path,
    metavar="FILE",
    help=f"{_CONFIG_HELP}directory, else the dbt project directory (--project-dir, or the one "
    "holding --artifacts). Paths in it are relative to it.",
)
# For the commands that read no build (`validate`, `rules`): where they look for the config.
CONFIG_NO_BUILD = Opt(
    "-c",
    "--config",
    type=Path,
    metavar="FILE",
    help=f"{_CONFIG_HELP}directory, else in --project-dir.",
)
PROJECT_DIR_NO_BUILD = Opt(
    "--project-dir",
    type=Path,
    metavar="DIR",
    help="The dbt project (where dbt_project.yml is): where to look for the config when the "
    "current directory has none. Default: the nearest above, run from inside a project.",
)
CONFIG_FOR_PLUGINS = Opt(
    "-c",
    "--config",
    type=Path,
    metavar="FILE",
    help=f"{_CONFIG_HELP}directory. Its `plugins:` add their rules to the list.",
)
PROJECT_DIR = Opt(
    "--project-dir",
    type=Path,
    metavar="DIR",
    help="The dbt project (where dbt_project.yml is), used to point findings at YAML lines. "
    "Default: the parent of the artifacts directory when it holds dbt_project.yml, else the "
    "nearest folder above holding one (run from inside a project, as dbt).",
)
JSON = Opt(
    "--json",
    dest="json_path",
    type=_output_file,
    metavar="FILE",
    help="Write the JSON gate report here (`-`: to standard output, and the console report to "
    "standard error).",
)
BASELINE = Opt(
    "--baseline",
    type=Path,
    metavar="FILE",
    help="A baseline file written by `dbtgate baseline`: its findings do not block, new "
    "ones do. Default: `baseline` from the config.",
)
SELECT = Opt(
    "-s",
    "--select",
    nargs="+",
    metavar="SELECTOR",
    help="Gate only these resources (dbt's selector syntax: `orders+`, `tag:finance`, "
    "`path:models/marts`, `state:modified`, ...; several make a union, as in dbt) and the "
    "tests on them; every check still runs on the whole project, the verdict counts the "
    "selection's findings only.",
)
DIFF_SELECT = Opt(
    "-s",
    "--select",
    nargs="+",
    metavar="SELECTOR",
    help="List only these resources' schema changes (dbt's selector syntax: `orders+`, "
    "`tag:finance`, `path:models/marts`, ...; several make a union, as in dbt); the verdict "
    "counts their breaking changes only.",
)
EXCLUDE = Opt(
    "--exclude",
    nargs="+",
    metavar="SELECTOR",
    help="Leave these resources out of the gate (with or without --select).",
)
DIFF_EXCLUDE = Opt(
    "--exclude",
    nargs="+",
    metavar="SELECTOR",
    help="Leave these resources' schema changes out of the list and the verdict (with or "
    "without --select).",
)
QUIET = Opt(
    "-q",
    "--quiet",
    action="store_true",
    help="Print only warnings, notes (what the verdict does not cover) and the verdict.",
)
MAX_FINDINGS = Opt(
    "--max-findings",
    type=_at_least_zero,
    default=200,
    metavar="N",
    help="Print at most N findings per group (blocking, advisory, ...); 0 prints all, "
    "the baselined ones too (otherwise counted per rule). Console only: the JSON and HTML "
    "reports keep every finding.",
)
OUT = Opt(
    "--out",
    type=Path,
    metavar="DIR",
    help="Write the reports into this directory (all formats unless --format says which).",
)
FORMATS = Opt(
    "--format",
    dest="formats",
    metavar="LIST",
    help="Comma-separated report formats for --out: md,html,sarif,junit,gitlab,json.",
)
REPO_URL = Opt(
    "--repo-url",
    metavar="URL",
    help="Link findings to files here: a repository URL (the PR head sha is appended from "
    "the GitHub environment) or a .../blob/<sha> URL. Default: from GITHUB_SERVER_URL, "
    "GITHUB_REPOSITORY and the PR head sha.",
)
BASE_REF = Opt(
    "--base-ref",
    metavar="REF",
    help="Git ref the change is measured against (its merge base with HEAD, plus "
    "uncommitted edits). Default: lint.base_ref, else the config's `base` when it is a git "
    "ref, else origin/$GITHUB_BASE_REF, origin/HEAD, origin/main, origin/master, main, master.",
)


def dispatch(argv: list[str]) -> int:
    """Run `dbtgate ARGV` (without the program name) in this process and return its exit code.
    `--help` and usage errors end in SystemExit, as argparse does (0, or 2 with the usage line
    and one error line on stderr); anything else a command raises is left to `main`."""
    global _report_on_stdout
    _report_on_stdout = False
    if not argv:
        sys.stderr.write(_root_help())
        return 2
    name = argv[0]
    if name == "--version":
        with _ExitCodeStands(0):
            print(f"dbtgate {__version__}")
        return 0
    if name in ("-h", "--help"):
        with _ExitCodeStands(0):
            sys.stdout.write(_root_help())
        return 0
    if name not in COMMANDS:
        _usage_error(_unknown_command(name))
    function, options = COMMANDS[name]
    parser = command_parser(name)
    arguments, unknown = parser.parse_known_args(argv[1:])
    if unknown:
        parser.error(_unrecognized(unknown, options))
    return function(**vars(arguments)) or 0


def _usage_error(message: str) -> NoReturn:
    """A mistake on the top-level command line, reported as argparse reports the commands' own."""
    print(f"usage: {ROOT_USAGE}\ndbtgate: error: {message}", file=sys.stderr)
    sys.exit(2)


# Commands other tools (and habit) name, with the dbtgate command that does their job.
_DOES_THAT = {
    "explain": "`dbtgate rules CODE` explains a finding code",
    "fix": "`dbtgate lint --fix` fixes the SQL (each finding's `fix:` line says how)",
}


def _unknown_command(name: str) -> str:
    if name.startswith("-"):
        return f"unrecognized option: {name} (options go after the command)"
    if name in _DOES_THAT:
        return f"no command '{name}': {_DOES_THAT[name]}"
    import difflib

    close = difflib.get_close_matches(name, COMMANDS, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "`dbtgate --help` lists the commands"
    return f"no command '{name}': {hint}"


def _unrecognized(words: list[str], options: tuple[Opt, ...]) -> str:
    """argparse's message for words no option took, with the closest option to a misspelt one.
    Names are compared without their `--`, which made any two flags look alike (`--bogus`
    drew "did you mean --out?")."""
    import difflib

    message = f"unrecognized arguments: {' '.join(words)}"
    names = {flag[2:]: flag for option in options for flag in option.flags if flag.startswith("--")}
    for word in words:
        if word.startswith("--"):
            close = difflib.get_close_matches(word.split("=")[0][2:], names, n=1)
            if close:
                return f"{message} (did you mean {names[close[0]]}?)"
    return message


def _help_width() -> int:
    """The terminal's width, capped so that help paragraphs stay readable on a wide screen."""
    import shutil

    return min(shutil.get_terminal_size().columns, 100) - 2


def _wrap(text: str, width: int, **indents: str) -> list[str]:
    """`text` in lines of `width`, broken neither at a hyphen (`--base-ref`,
    `breaking-change-ok` and `--project-dir` are typed as they are printed) nor inside a code
    span (`dbt parse`, `--comment-key ${{ matrix.target }}` are pasted whole): its spaces are
    no-break spaces while textwrap, which breaks only at ASCII whitespace, wraps."""
    import re
    import textwrap

    glued = re.sub(r"`[^`]*`", lambda span: span[0].replace(" ", "\u00a0"), text)
    lines = textwrap.wrap(glued, width, break_on_hyphens=False, **indents)
    return [line.replace("\u00a0", " ") for line in lines]


def _paragraphs(text: str, width: int) -> str:
    """Reflow each paragraph of a docstring (paragraphs are separated by a blank line)."""
    paragraphs = (" ".join(paragraph.split()) for paragraph in text.strip().split("\n\n"))
    return "\n\n".join("\n".join(_wrap(paragraph, width)) for paragraph in paragraphs)


def _summary(function: Callable[..., object]) -> str:
    """A command's one-line summary: the first clause of its docstring, cut at the first
    `. `, `: ` or `; ` outside parentheses (`(--prune: ...)` cut at its colon read as an
    unclosed parenthesis)."""
    text = " ".join((function.__doc__ or "").split())
    depth = 0
    for at, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char in ".:;" and text[at + 1 : at + 2] in (" ", ""):
            return text[:at]
    return text


def _root_help() -> str:
    """`dbtgate --help`: the commands with their summaries, from their docstrings. Written here
    rather than as argparse sub-parsers, which would build every command's parser on each run."""
    width = _help_width()
    column = max(map(len, COMMANDS)) + 4
    lines: list[str] = []
    for name in HELP_ORDER:
        function, _ = COMMANDS[name]
        lines += _wrap(
            _summary(function),
            width,
            initial_indent=f"  {name:<{column - 2}}",
            subsequent_indent=" " * column,
        )
    commands = "\n".join(lines)
    return (
        f"usage: {ROOT_USAGE}\n\n{_paragraphs(ROOT_HELP, width)}\n\n"
        f"commands:\n{commands}\n\n"
        "options:\n  --version   Show the version.\n  -h, --help  Show this help and exit.\n\n"
        f"`dbtgate COMMAND --help` shows a command's options.\n{EXIT_CODES}\n"
    )


def _help_formatter():
    """argparse's formatter, its options' help wrapped by `_wrap`: argparse's own breaks
    `--project-dir` after its hyphen and `dbt parse` between its words."""
    import argparse

    class HelpFormatter(argparse.RawDescriptionHelpFormatter):
        def _split_lines(self, text: str, width: int) -> list[str]:
            return _wrap(" ".join(text.split()), width)

    return HelpFormatter


def command_parser(name: str) -> argparse.ArgumentParser:
    """The parser of one command: usage, the docstring, then its arguments and options."""
    import argparse

    function, options = COMMANDS[name]
    width = _help_width()
    formatter = _help_formatter()
    usage = [f"dbtgate {name} [OPTIONS]"]
    for option in options:
        if option.positional:
            metavar = str(option.settings["metavar"])
            nargs = option.settings.get("nargs")
            shown = {"?": f"[{metavar}]", "+": f"{metavar}...", "*": f"[{metavar}...]"}
            usage.append(shown.get(nargs, metavar))
    parser = argparse.ArgumentParser(
        prog=f"dbtgate {name}",
        usage=" ".join(usage),
        description=_paragraphs(function.__doc__ or "", width),
        formatter_class=lambda prog: formatter(prog, max_help_position=30, width=width),
        add_help=False,
        allow_abbrev=False,
    )
    # `--x/--no-x`, None when neither is given; named so that `Opt`s need no argparse import.
    parser.register("action", "on/off", argparse.BooleanOptionalAction)
    positionals = parser.add_argument_group("arguments")
    flags = parser.add_argument_group("options")
    for option in options:
        (positionals if option.positional else flags).add_argument(*option.flags, **option.settings)
    flags.add_argument("-h", "--help", action="help", help="Show this help and exit.")
    return parser


# Width of tables written to a pipe or a CI log when COLUMNS does not say: rich's 80 columns
# fold the diff table's seven columns into one-word slivers, and CI logs do not wrap.
PIPED_WIDTH = 160


# Set by `--json -`: standard output carries the JSON report alone, the console goes to stderr.
_report_on_stdout = False


def _console(stderr: bool = False):
    from rich.console import Console

    from dbtgate.report.console import reader_may_leave

    console = reader_may_leave(
        Console(stderr=stderr or _report_on_stdout, highlight=False, soft_wrap=True, emoji=False)
    )
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console.width = PIPED_WIDTH
    return console


def _project_and_config(
    project_dir: Path | None,
    artifacts: Path | None,
    config_path: Path | None,
    problems: list[DbtgateError] | None = None,
):
    """The dbt project's folder (`_project_dir_above`) and the config: --config, else the first
    found in the current directory, the project's folder, or the dbt project that holds
    --artifacts (its parent, as for the project directory). The current directory is looked
    at once for a config, which both looked for (a pyproject.toml there was read twice), and
    a pyproject.toml found is loaded as it was read to find it; what each folder looked in held
    is kept (`Config.searched`). With `problems`, the config's problems are listed there rather
    than raised (`load_config`)."""
    from dbtgate.config import found_config, load_config

    if config_path is not None:
        return project_dir, load_config(config_path, problems)
    found = found_config(Path("."))
    searched = {Path(".").resolve(): found}
    if found is None:
        project_dir = _project_dir_above(project_dir, artifacts, None, config_here=False)
        starts = [project_dir]
        if artifacts is not None:
            parent = artifacts.resolve().parent
            if (parent / "dbt_project.yml").is_file():
                starts.append(parent)
        for start in starts:
            found = found_config(start) if start is not None else None
            if start is not None:
                searched[start.resolve()] = found
            if found is not None:
                break
    config = load_config(found, problems)
    # What each folder held, for the commands printed to run in one of them (`config_in`).
    config.searched = {
        folder: held.path.resolve() if held is not None else None
        for folder, held in searched.items()
    }
    return project_dir, config


def _project_dir_above(
    project_dir: Path | None,
    artifacts: Path | None,
    config_path: Path | None,
    *,
    config_here: bool,
) -> Path | None:
    """`project_dir`, or, when nothing says where the project is (no --project-dir, --artifacts
    or --config, and no dbt project, build or config here: `config_here`), the nearest folder
    above holding a dbt_project.yml: run from `models/staging`, dbtgate gates the project, as
    dbt runs it."""
    if project_dir is not None or artifacts is not None or config_path is not None:
        return project_dir
    here = Path.cwd()
    if (here / "dbt_project.yml").is_file() or (here / "target" / "manifest.json").is_file():
        return None
    if config_here:
        return None
    for folder in here.parents:
        if (folder / "dbt_project.yml").is_file():
            return Path(os.path.relpath(folder))
    return None


def _default_artifacts(given: Path | None, config, project_dir: Path | None) -> Path:
    """--artifacts, else the config's `artifacts` (relative to the config file), else the
    project's target/, where dbt writes it (the working directory's without a project)."""
    if given is not None:
        return given
    if "artifacts" not in config.lines:
        project_dir = project_dir or (Path(config.project_dir) if config.project_dir else None)
        if project_dir is not None:
            return project_dir / "target"
    return Path(config.artifacts)


def _artifacts_dir(given: Path | None, config, project_dir: Path | None = None) -> Path:
    """`_default_artifacts`; what the config names is an error at the config's line: a
    directory that does not exist, a file other than a build's (its manifest.json stands for
    its folder, as with --artifacts), and a `project_dir` the default target/ would be in
    that is no dbt project (the error was then about its target/, not the setting)."""
    if given is not None:
        return given
    from dbtgate.artifacts.load import ARTIFACT_FILES, WRITTEN_BY
    from dbtgate.config import configured_project_dir

    if project_dir is None and "artifacts" not in config.lines:
        configured_project_dir(config)
    directory = _default_artifacts(None, config, project_dir)
    line = config.lines.get("artifacts")
    if config.path is None or (line is None and project_dir is not None):
        # Not the config's: the loader names the folder alone (`--project-dir proj` read as
        # "dbtgate.yml: the default proj/target", a setting the config did not hold).
        return directory
    where = f"{config.path}:{line}: artifacts" if line else f"{config.path}: the default"
    problem = lookup_problem(directory)
    if problem is not None:
        raise DbtgateError(f"{where} {directory}: {problem}")
    if not directory.exists():
        raise DbtgateError(
            f"{where} {directory}: directory not found (run {WRITTEN_BY['manifest']} first, or "
            "pass --artifacts DIR)"
        )
    from dbtgate.pipes import is_pipe

    if directory.is_file() or is_pipe(directory):
        if directory.name in ARTIFACT_FILES:
            return directory.parent
        # (the message was --artifacts's, an option the user had not given)
        raise DbtgateError(
            f"{where} {directory}: takes the build's directory or its manifest.json: dbtgate "
            "reads a build's files by dbt's names (manifest.json, run_results.json, ...)"
        )
    return directory


def _resolve_project_dir(explicit: Path | None, config, artifacts: Path) -> Path | None:
    from dbtgate.config import configured_project_dir

    if explicit is not None:
        project_file = explicit / "dbt_project.yml"
        problem = lookup_problem(project_file)
        if problem is None and project_file.is_dir():
            problem = f"{project_file} is a directory, not dbt's project file"
        if problem is not None:
            raise DbtgateError(f"{explicit}: --project-dir: {problem}")
        from dbtgate.pipes import is_pipe, pipe_for_a_folder

        if is_pipe(explicit):
            raise DbtgateError(
                pipe_for_a_folder(explicit, "--project-dir", "the dbt project's folder")
            )
        if not project_file.is_file():
            raise DbtgateError(f"{explicit}: --project-dir has no dbt_project.yml")
        return explicit
    configured = configured_project_dir(config)
    if configured is not None:
        return configured
    for candidate in (artifacts.resolve().parent, Path.cwd()):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    return None


def _refuse_outside_a_project(artifacts_dir: Path) -> None:
    """Run where there is no dbt project (a repository's root, its project in `analytics/`),
    the missing default target/ is not a build dbt has yet to write: saying "run dbt first" sent
    the user to build a project they were not in."""
    from dbtgate.projects_below import project_dir_hint

    raise DbtgateError(
        f"{artifacts_dir}: artifacts directory not found, and no dbt_project.yml here or above: "
        "run from the dbt project, or pass --artifacts DIR (or --project-dir DIR)"
        + project_dir_hint(Path.cwd())
    )


def load_context(
    artifacts: Path | None,
    base: str | None,
    config_path: Path | None,
    project_dir: Path | None,
    *,
    with_base: bool = True,
    profiles_dir: Path | None = None,
    judges_the_build: bool = True,
    announce: Callable[[str], None] | None = None,
    base_for_the_diff: bool = False,
    config=None,
):
    """Config, Project (and base Project) ready for the gate. `config`: the config already
    read from `config_path` (`_lint_context`'s, with `project_dir` as found with it): read
    again, a `--config <(...)` pipe gave nothing the second time, and lint ran without its
    settings. `judges_the_build`: the verdict is
    of what dbt built (not so for lint, which reads the files), so a build older than the models
    on disk is warned about, and the catalog and sources.json are read. `announce`: told when a --base git ref is parsed (seconds).
    `base_for_the_diff`: of the base build, read only what the schema diff reads (`dbtgate
    diff`), not also the results the gate's KPIs and `run.slower` compare."""
    from dbtgate.artifacts import load_artifacts
    from dbtgate.artifacts.load import OPTIONAL_ARTIFACTS
    from dbtgate.checks import CheckContext
    from dbtgate.project import OwnerSettings, Project, TierSettings
    from dbtgate.unbuilt_edits import unbuilt_edits_warning

    if base is not None and not base.strip():
        # An unset CI variable (`--base "$BASE"`): gating without a base would skip breaking
        # changes with only a note.
        raise DbtgateError("--base is empty: give a build directory or a git ref, or leave it out")
    if config is None:  # else `project_dir` is the one `_project_and_config` gave with it
        project_dir, config = _project_and_config(project_dir, artifacts, config_path)
    artifacts_dir = _artifacts_dir(artifacts, config, project_dir)
    resolved_dir = _resolve_project_dir(project_dir, config, artifacts_dir)
    if artifacts is None and resolved_dir is None and not artifacts_dir.exists():
        _refuse_outside_a_project(artifacts_dir)
    tiers = TierSettings(tuple(config.tier.from_), config.tier.default)
    owners = OwnerSettings(tuple(config.owner.from_))
    # Lint reads files, not the warehouse: a catalog or sources.json older than the build is
    # nothing to it, and its warning was noise in every `dbtgate lint` (the pre-commit hook's).
    read = OPTIONAL_ARTIFACTS if judges_the_build else {"run_results"}
    project = Project.from_artifacts(
        load_artifacts(artifacts_dir, read), resolved_dir, tiers, owners
    )
    base_project = None
    base_spec = base or config.base
    no_base = None
    if with_base and base_spec:
        from dbtgate.base import BASE_ARTIFACTS, GATE_BASE_ARTIFACTS, NoProjectAtBase, load_base

        try:
            base_artifacts = load_base(
                base_spec,
                project_dir=resolved_dir,
                profiles_dir=profiles_dir,
                optional=BASE_ARTIFACTS if base_for_the_diff else GATE_BASE_ARTIFACTS,
                announce=announce,
            )
        except NoProjectAtBase as exc:
            if base_for_the_diff:
                raise
            # The change adds the project: every resource is its, gated as the whole project.
            no_base = f"{exc}: the whole project is gated, as the change's"
        except DbtgateError as exc:
            if base:
                raise
            raise DbtgateError(
                _config_base_error(config, str(exc).replace("--base ", "", 1))
            ) from None
        else:
            _check_distinct_builds(base_spec, base_artifacts, project.artifacts)
            base_project = Project.from_artifacts(base_artifacts, None, tiers, owners)
    context = CheckContext(project=project, config=config, base=base_project)
    if no_base:
        context.warnings.append(no_base)
    unbuilt = unbuilt_edits_warning(project) if judges_the_build else None
    if unbuilt:
        context.warnings.append(unbuilt)
    if base_project is not None and base_project.name != project.name:
        context.warnings.append(_other_project_warning(base_spec, base_project, project))
    if base_project is not None:
        base_ref = base_ref_input(base_spec, resolved_dir)
        if base_ref is None:  # on disk: a parsed ref is always newer, and says nothing by it
            from dbtgate.base_newer import newer_base_note

            newer = newer_base_note(base_spec, base_project, project)
            if newer:
                context.notes.append(newer)
        if base_ref is not None:
            context.options.setdefault("inputs", {})["base_ref"] = base_ref
            if base_ref.get("merge_base") == "none":
                context.warnings.append(
                    f"--base {base_spec} and HEAD have no common history (a shallow clone? in "
                    "CI: actions/checkout with fetch-depth: 0): compared with its tip, so what "
                    f"{base_spec} gained since the branch left it reads as this change"
                )
            if "tip" in base_ref:
                context.notes.append(
                    f"--base {base_spec}: compared with where this branch left it (the merge "
                    f"base, {base_ref['sha'][:12]}), not its tip ({base_ref['tip'][:12]}): what "
                    f"{base_spec} gained since is not this change"
                )
    if config.path is None:
        context.notes.append(
            "no dbtgate.yml (or [tool.dbtgate] in pyproject.toml) found: no policies applied;"
            " `dbtgate init` writes a starter file"
        )
        context.not_checked.append("policies (no dbtgate.yml)")
    elif not config.policies:
        context.notes.append(
            f"{config.name} has no policies: no rule was applied to the models (run "
            "status, freshness, KPIs and breaking changes are gated as configured)"
        )
        context.not_checked.append(f"policies ({config.name} has none)")
    if base_project is not None:
        from dbtgate.state import compare_builds, in_scope
        from dbtgate.state_modified import DbtState

        changes = compare_builds(project, base_project)
        context.sections["changes"] = changes
        context.changed = in_scope(changes, project)
        context.dbt_state = DbtState(project, base_project, changes)
    from dbtgate.config import codeowners_location
    from dbtgate.rules.codeowners import find_codeowners

    where = f"{codeowners_location(config)}: " if config.path else ""
    context.options["codeowners"] = find_codeowners(resolved_dir, config.owner.codeowners, where)
    return context


def _check_distinct_builds(base_spec: str, base, pr) -> None:
    """A base that is the pull request's own build (the same dbt invocation) would make every
    resource unchanged: under `scope: changed` nothing would block, in silence."""
    base_id = base.manifest.data.metadata.invocation_id if base.manifest.data.metadata else None
    pr_id = pr.manifest.data.metadata.invocation_id if pr.manifest.data.metadata else None
    if base_id and base_id == pr_id:
        raise DbtgateError(
            f"{base_spec}: --base is the same build as --artifacts (dbt invocation {base_id}); "
            "pass the build of the branch the pull request targets"
        )


def _other_project_warning(base_spec: str, base_project, project) -> str:
    """The warning that --base is a build of another dbt project. A build's folder is named as
    the reports name files, from the repository's root (`locate.display_root`), its span kept
    (`named_files`): the reports are the same from whichever folder dbtgate ran, the console
    names it from the working directory; a git ref as it was given."""
    from dbtgate.locate import display_input, display_root
    from dbtgate.named_files import File, naming

    base: str | File = base_spec
    if Path(base_spec).exists():
        base = File(display_input(Path(base_spec), display_root(project.project_dir)))
    return naming(
        "--base ",
        base,
        f" is a build of dbt project {base_project.name!r}, this one of {project.name!r}: "
        "unless the project was renamed, pass the base branch's build of this project (every "
        "model looks new or removed)",
    )


def base_ref_input(spec: str, project_dir: Path | None) -> dict[str, str] | None:
    """For the report's audit trail: the git ref a base build was parsed from, and the commit
    compared (where the branch left the ref, `base.compared_commit`: a branch moves, the sha says
    what was compared). None for a base on disk."""
    if Path(spec).exists():
        return None
    import git

    from dbtgate.base import compared_commit

    try:
        repo = git.Repo(project_dir or Path.cwd(), search_parent_directories=True)
        compared, tip = compared_commit(repo, spec)
    except (git.GitError, ValueError):
        return {"ref": spec, "sha": ""}
    if compared is None:  # no common history: the tip, and a warning (`load_context`)
        return {"ref": spec, "sha": tip.hexsha, "merge_base": "none"}
    found = {"ref": spec, "sha": compared.hexsha}
    return found if tip == compared else {**found, "tip": tip.hexsha}


@command(
    ARTIFACTS,
    BASE,
    CONFIG,
    PROJECT_DIR,
    SELECT,
    EXCLUDE,
    JSON,
    QUIET,
    MAX_FINDINGS,
    BASELINE,
    PROFILES_DIR,
    ACK_LABEL,
    OUT,
    FORMATS,
    REPO_URL,
    Opt(
        "--comment",
        action="store_true",
        help="Create or update the sticky PR comment (token from GITHUB_TOKEN). A failed post "
        "is reported and does not change the verdict.",
    ),
    Opt(
        "--comment-required",
        action="store_true",
        help="With --comment: a failed post is an error (exit 2).",
    ),
    Opt(
        "--comment-key",
        metavar="TEXT",
        help="With --comment: tells apart the comments of several gates of one project on one "
        "pull request, e.g. a matrix job's `--comment-key ${{ matrix.target }}` (each updates "
        "its own comment instead of replacing the other's).",
    ),
    Opt(
        "--repo",
        metavar="OWNER/NAME",
        help="owner/name for --comment. Default: GITHUB_REPOSITORY.",
    ),
    Opt(
        "--pr",
        type=int,
        metavar="N",
        help="PR number for --comment. Default: from the GitHub event.",
    ),
    Opt(
        "--annotations",
        action="on/off",
        help="Print GitHub workflow-command annotations. Default: on when GITHUB_ACTIONS=true.",
    ),
)
def check(
    artifacts: Path | None,
    base: str | None,
    config: Path | None,
    project_dir: Path | None,
    select: list[str] | None,
    exclude: list[str] | None,
    json_path: Path | None,
    quiet: bool,
    max_findings: int,
    baseline: Path | None,
    profiles_dir: Path | None,
    ack_label: list[str] | None,
    out: Path | None,
    formats: str | None,
    repo_url: str | None,
    comment: bool,
    comment_required: bool,
    comment_key: str | None,
    repo: str | None,
    pr: int | None,
    annotations: bool | None,
) -> int:
    """Run the gate on a dbt build: policies, breaking changes, run status and freshness, lint,
    KPIs. Exit 1 on failure."""
    request = _publish_request(
        json_path,
        out,
        formats,
        comment=comment,
        comment_required=comment_required,
        comment_key=comment_key,
        repo=repo,
        pr=pr,
        annotations=annotations,
    )
    if comment:
        _check_comment_target(pr)
    # What the gate learns on the way that an error report needs (the project's name).
    known: dict[str, Any] = {}
    try:
        return _gate_and_publish(
            request,
            known,
            artifacts=artifacts,
            base=base,
            config=config,
            project_dir=project_dir,
            select=select,
            exclude=exclude,
            quiet=quiet,
            max_findings=max_findings,
            baseline=baseline,
            profiles_dir=profiles_dir,
            ack_label=ack_label,
            repo_url=repo_url,
        )
    except (BrokenPipeError, ReaderGone):
        raise  # the reader of the console went away: the gate itself ran
    except Exception as exc:
        # Whatever stopped the gate (an error in the input, an internal one), its earlier
        # verdict must not stand where CI shows it.
        try:
            _publish_error(
                _failure_text(exc),
                request,
                known,
                artifacts,
                project_dir,
                select,
                exclude,
                repo_url,
            )
        except Exception as failed:  # the gate's own error is what the run reports
            print(f"dbtgate: could not report the error in CI: {failed!r}", file=sys.stderr)
        raise


def _check_comment_target(pr: int | None) -> None:
    """--comment in a run that cannot tell its pull request (no --pr, the event payload
    missing): an error before the gate runs, as a mistyped flag is, not a failed post after
    it. A push's run has no pull request, which is said after the gate and fails nothing."""
    import contextlib

    from dbtgate.report.github import NoPullRequest, comment_pull_request

    with contextlib.suppress(NoPullRequest):
        comment_pull_request(os.environ, pr)


def _gate_and_publish(
    request,
    known: dict[str, Any],
    *,
    artifacts: Path | None,
    base: str | None,
    config: Path | None,
    project_dir: Path | None,
    select: list[str] | None,
    exclude: list[str] | None,
    quiet: bool,
    max_findings: int,
    baseline: Path | None,
    profiles_dir: Path | None,
    ack_label: list[str] | None,
    repo_url: str | None,
) -> int:
    """`check` once its options are known to be good: load, gate, publish, print."""
    from dbtgate.baseline import (
        check_baseline_project,
        configured_baseline,
        load_baseline,
        unread_baseline_warning,
    )
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator, display_input, display_root
    from dbtgate.report.console import report_console, stage
    from dbtgate.summary import summarise

    # A mistyped --baseline or --select fails before 160 MB of artifacts are read, not after.
    given_baseline = load_baseline(baseline) if baseline is not None else None
    selecting, excluding, focus = _parse_focus_options(select, exclude)
    context = _load_announced(artifacts, base, config, project_dir, profiles_dir, quiet=quiet)
    known["project"] = context.project.name
    known["project_dir"] = context.project.project_dir
    known["emoji"] = context.config.report.emoji
    if focus is not None:
        _focus(context, focus, selecting, excluding, "The summary, the KPIs and the lineage")
    if request.comment_key:
        context.options.setdefault("inputs", {})["comment_key"] = request.comment_key.strip()
    _refuse_overwriting_inputs(context, (request.json_path, "--json"))
    context.options["ack_labels"] = _ack_labels(ack_label, context)
    baseline_path = baseline or configured_baseline(context.config)
    if baseline_path is not None:
        loaded = given_baseline if given_baseline is not None else load_baseline(baseline_path)
        check_baseline_project(loaded, context.project.root_package)
        context.options["baseline"] = loaded
        context.options.setdefault("inputs", {})["baseline"] = display_input(
            baseline_path, display_root(context.project.project_dir)
        )
    elif unread := unread_baseline_warning(
        context.config, context.project.root_package, display_root(context.project.project_dir)
    ):
        context.warnings.append(unread)
    if context.config.lint.enabled:
        # Without git or a base build, lint every file as the gate does without a base.
        _lint_before_gate(
            context,
            lint_all=False,
            base_ref=None,
            quiet=quiet,
            base_spec=base or context.config.base,
            when_unknown="all",
        )
    locator = Locator.for_project(context.project.project_dir, context.project.root_package)
    with stage(report_console(stderr=True), "running checks", quiet=quiet):
        # Files, lines and fingerprints for what is printed or published only (GateResult.complete).
        result = run_gate(context, locator, complete=False)
    console = report_console(stderr=_report_on_stdout)
    verdict = 1 if result.decision == "fail" else 0
    with _ExitCodeStands(verdict):  # the annotations (GitHub Actions) are its first lines
        published = _publish(result, context, request, repo_url)  # annotations are commands
    code = published or verdict
    summary = None if quiet else summarise(context.project, result.sections["kpis"])
    _print_gate(
        console,
        result,
        request,
        code,
        quiet=quiet,
        max_findings=max_findings,
        project_dir=context.project.project_dir,
        summary=summary,
        diff_command=_diff_command(artifacts, base, config, project_dir, select, exclude),
    )
    _retain(context, result)
    return code


def _diff_command(
    artifacts: Path | None,
    base: str | None,
    config: Path | None,
    project_dir: Path | None,
    select: list[str] | None,
    exclude: list[str] | None,
) -> str:
    """The `dbtgate diff` that lists the changes `check` counted: with the builds, config and
    selection given to `check` (a plain `dbtgate diff` after `check --base DIR` stops, asking
    for a base)."""
    import shlex

    given = {
        "--artifacts": [artifacts],
        "--base": [base],
        "--config": [config],
        "--project-dir": [project_dir],
        "--select": select or [None],
        "--exclude": exclude or [None],
    }
    words = [
        word
        for flag, values in given.items()
        if values[0] is not None
        for word in (flag, *map(str, values))
    ]
    return shlex.join(["dbtgate", "diff", *words])


def _failure_text(exc: Exception) -> str:
    """What stopped `check`, as `main` prints it (without the `dbtgate: error:` prefix)."""
    if isinstance(exc, DbtgateError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename or ''}: {exc.strerror}"
    return f"internal error: {type(exc).__name__}: {exc}"


def _publish_error(
    message: str,
    request,
    known: dict[str, Any],
    artifacts: Path | None,
    project_dir: Path | None,
    select: list[str] | None,
    exclude: list[str] | None,
    repo_url: str | None,
) -> None:
    """A check that stopped with an error replaces its earlier verdict where CI shows it (the
    sticky comment, the job summary, the `verdict` output): see report/failure.py."""
    environ = os.environ
    in_actions = (
        environ.get("GITHUB_STEP_SUMMARY", "").strip() or environ.get("GITHUB_OUTPUT", "").strip()
    )
    if not (request.comment or in_actions):
        return
    from dbtgate.locate import declared_project_name, repository_folder
    from dbtgate.report.failure import publish_error
    from dbtgate.report.github import comment_focus
    from dbtgate.report.options import render_options

    project, folder = known.get("project"), known.get("project_dir")
    if project is None:
        folders = [project_dir, (artifacts or Path("target")).resolve().parent, Path.cwd()]
        project, folder = next(
            (
                (name, folder)
                for folder in folders
                if folder and (name := declared_project_name(folder))
            ),
            (None, None),
        )
    publish_error(
        message,
        project=project,
        key=request.comment_key,
        focus=comment_focus(" ".join(select or ()), " ".join(exclude or ()), request.comment_key),
        comment=request.comment,
        folder=repository_folder(folder),
        repo=request.repo,
        pr=request.pr,
        options=render_options(environ, repo_url=repo_url, emoji=known.get("emoji", False)),
        environ=environ,
        stderr=sys.stderr,
    )


def _parse_focus_options(select: list[str] | None, exclude: list[str] | None):
    """--select/--exclude as one selector text each (`--select a b` is a union, as in dbt)
    and their parse (None when neither is given); a mistake is an error before any load."""
    from dbtgate.focus import parse_focus

    selecting = " ".join(select) if select else None
    excluding = " ".join(exclude) if exclude else None
    return selecting, excluding, parse_focus(selecting, excluding)


def _focus(context, focus, select: str | None, exclude: str | None, unfocused: str = "") -> None:
    """Narrow the gate to the selected resources (`dbtgate.focus`), and say so in the inputs;
    `unfocused` names what the command still shows for the whole project."""
    from dbtgate.focus import Focus, select_focus
    from dbtgate.report.view import focus_label

    label = focus_label(select, exclude)
    selected = select_focus(context, *focus, label)
    if not selected:
        nothing = (
            f"{label} selects no model, seed, snapshot, source, exposure or macro of dbt project "
            f"{context.project.name!r}"
        )
        if not focus[0].uses_state:  # a mistyped name, not "nothing changed"
            from dbtgate.rules.policies import context_selection
            from dbtgate.selector_hints import selector_hint

            # ` (did you mean X?)`, inside the one parenthesis: "did you mean X? `dbt ls` ..."
            hint = selector_hint(select or "", context_selection(context)).strip()[1:-1]
            tip = "`dbt ls --select ...` shows what a selector picks"
            raise DbtgateError(f"{nothing} ({f'{hint} {tip}' if hint else tip})")
        context.warnings.append(f"{nothing}: the verdict covers nothing")
    context.options["focus"] = Focus(label, selected, unfocused)
    given = {"select": select, "exclude": exclude}
    context.options.setdefault("inputs", {}).update(
        {key: value for key, value in given.items() if value is not None}
    )


def _ack_labels(given: list[str] | None, context: CheckContext) -> list[str]:
    from dbtgate.diff.labels import gather_ack_labels

    return gather_ack_labels(given or (), os.environ, context.warnings)


@command(
    BASE,
    ARTIFACTS,
    CONFIG,
    PROJECT_DIR,
    DIFF_SELECT,
    DIFF_EXCLUDE,
    PROFILES_DIR,
    ACK_LABEL,
    JSON,
    OUT,
    FORMATS,
    REPO_URL,
)
def diff(
    base: str | None,
    artifacts: Path | None,
    config: Path | None,
    project_dir: Path | None,
    select: list[str] | None,
    exclude: list[str] | None,
    profiles_dir: Path | None,
    ack_label: list[str] | None,
    json_path: Path | None,
    out: Path | None,
    formats: str | None,
    repo_url: str | None,
) -> int:
    """Diff the build against a base build: every schema change with its class (breaking,
    risky, safe), code, reason and downstream impact. Exit 1 when a breaking change fails the
    gate (not acknowledged by a new version, deprecation_date, config entry or PR label)."""
    from dbtgate.diff.console import diff_result, print_diff
    from dbtgate.locate import Locator, console_paths
    from dbtgate.report.console import untrusted_output

    request = _publish_request(json_path, out, formats)
    selecting, excluding, focus = _parse_focus_options(select, exclude)
    context = _load_announced(
        artifacts, base, config, project_dir, profiles_dir, base_for_the_diff=True
    )
    if focus is not None:
        _focus(context, focus, selecting, excluding)
    _refuse_overwriting_inputs(context, (request.json_path, "--json"))
    context.options["ack_labels"] = _ack_labels(ack_label, context)
    locator = Locator.for_project(context.project.project_dir, context.project.root_package)
    result = diff_result(context, locator)
    _write_files(result, context, request, repo_url)
    console = _console()
    code = 1 if result.decision == "fail" else 0
    with _ExitCodeStands(code), untrusted_output(console):
        print_diff(
            console,
            result,
            console_paths(context.project.project_dir),
            written=request.written_reports(),
        )
    _retain(context, result)
    return code


def _check_output(
    path: Path | None, option: str, *, directory: bool = False, example: str = "gate.json"
) -> None:
    """Refuse an output path that cannot be written before any artifact is read: the reason in
    words (a file where a directory must be, no permission), with the option it came from."""
    if path is None:
        return
    if directory and path.exists() and not path.is_dir():
        from dbtgate.pipes import is_pipe

        what = "a pipe" if is_pipe(path) else "a file"
        raise DbtgateError(f"{option} {path}: is {what}; give a directory for the reports")
    if not directory and path.is_dir():
        raise DbtgateError(f"{option} {path}: is a directory; give a file name ({example})")
    existing = path if directory else path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise DbtgateError(f"{option} {path}: {existing} is a file, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise DbtgateError(f"{option} {path}: {existing} is not writable")


def _refuse_overwriting_inputs(context: CheckContext, *outputs: tuple[Path | None, str]) -> None:
    """An output path that names an artifact just read (`--json target/manifest.json`) would
    replace the build with a report: refused, before anything is written."""
    inputs = {
        loaded.path.resolve()
        for project in (context.project, context.base)
        if project is not None and project.artifacts is not None
        for _, loaded in project.artifacts.files()
    }
    from dbtgate.report.json_report import TO_STDOUT

    for path, option in outputs:
        if path is not None and path != TO_STDOUT and path.resolve() in inputs:
            raise DbtgateError(
                f"{option} {path}: is the {path.name} this run reads; write the report elsewhere"
            )


def _publish_request(json_path: Path | None, out: Path | None, formats: str | None, **more):
    from dbtgate.report.json_report import TO_STDOUT
    from dbtgate.report.publish import PublishRequest

    global _report_on_stdout
    if json_path == TO_STDOUT:
        _report_on_stdout = True
    else:
        _check_output(json_path, "--json")
    _check_output(out, "--out", directory=True)
    return PublishRequest(json_path=json_path, out_dir=out, formats=_formats(formats), **more)


def _formats(text: str | None) -> list[str] | None:
    from dbtgate.report.render import parse_formats

    return parse_formats(text) if text is not None else None


def _write_files(result, context, request, repo_url: str | None) -> None:
    """`--json` and `--out`/`--format` for `diff` and `lint` (the job summary, annotations and
    PR comment are `check`'s: one verdict per pull request)."""
    from dbtgate.report.options import render_options
    from dbtgate.report.publish import gate_report, write_files

    if request.json_path is None and request.out_dir is None:
        return
    options = render_options(os.environ, repo_url=repo_url, emoji=context.config.report.emoji)
    write_files(gate_report(result, context), request, options)


def _publish(result, context, request, repo_url: str | None) -> int:
    """Reports, job summary, annotations and PR comment; non-zero only for a required comment."""
    from dbtgate.report.options import render_options
    from dbtgate.report.publish import gate_report, publish

    if not request.wanted(os.environ):
        return 0
    options = render_options(os.environ, repo_url=repo_url, emoji=context.config.report.emoji)
    if request.comment:
        from msgspec.structs import replace

        from dbtgate.locate import repository_folder

        request = replace(request, comment_folder=repository_folder(context.project.project_dir))
    return publish(gate_report(result, context), request, options, os.environ)


@command(
    Opt(
        "report_file",
        type=Path,
        metavar="REPORT_FILE",
        help="A JSON gate report (check --json, or --format json).",
    ),
    Opt("--out", type=Path, default=".", metavar="DIR", help="Directory for the reports."),
    Opt(
        "--format",
        dest="formats",
        default="md,html",
        metavar="LIST",
        help="Comma-separated: md,html,sarif,junit,gitlab,json.",
    ),
    REPO_URL,
    Opt("--emoji", action="store_true", help="A check mark or cross before the verdict."),
)
def report(report_file: Path, out: Path, formats: str, repo_url: str | None, emoji: bool) -> None:
    """Re-render a saved JSON gate report into other formats (nothing is re-run)."""
    from dbtgate.report.json_report import load_report
    from dbtgate.report.options import render_options
    from dbtgate.report.render import parse_formats, write_reports

    names = parse_formats(formats)
    _check_output(out, "--out", directory=True)
    saved = load_report(report_file)
    options = render_options(os.environ, repo_url=repo_url, emoji=emoji)
    written = write_reports(saved, names, out, options)
    with _ExitCodeStands(0):
        for path in written.values():
            print(path)


@command(
    Opt(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="Lint (and fix) these SQL files of the project, changed or not; every line counts "
        "as changed unless a base measures their change: --base-ref or --base, or the "
        "config's lint.base_ref or `base:`.",
    ),
    Opt(
        "--whole",
        action="store_true",
        help="Lint (and fix) the FILEs named whole, every line counted as changed, even where "
        "the config's `base:` or lint.base_ref would measure their change.",
    ),
    Opt(
        "--all",
        dest="all_files",
        action="store_true",
        help="Lint every SQL file, not only the changed ones.",
    ),
    Opt(
        "--fix",
        nargs="?",
        const="",
        metavar="CODES",
        help="Fix what sqlfluff can fix in the files linted, first (comma-separated codes, e.g. "
        "CP01,LT01; none: every fixable rule), rendered as the lint renders them (dbt's "
        "ref/source/config/target stubs, the project's macros), then report what is left.",
    ),
    BASE_REF,
    Opt(
        "--base",
        metavar="DIR|REF",
        help="The previous build whose SQL (its manifest's raw_code) the changed lines are "
        "measured against, where there is no git (`check --base` measures them so); a git ref "
        "here is read as --base-ref. Default: `base` from the config.",
    ),
    ARTIFACTS,
    CONFIG,
    PROJECT_DIR,
    JSON,
    OUT,
    FORMATS,
    REPO_URL,
    QUIET,
    MAX_FINDINGS,
)
def lint(
    files: list[Path],
    whole: bool,
    all_files: bool,
    fix: str | None,
    base_ref: str | None,
    base: str | None,
    artifacts: Path | None,
    config: Path | None,
    project_dir: Path | None,
    json_path: Path | None,
    out: Path | None,
    formats: str | None,
    repo_url: str | None,
    quiet: bool,
    max_findings: int,
) -> int:
    """Lint the changed SQL with sqlfluff; under scope: changed only violations on changed
    lines block. No dbt build needed (a manifest maps files to models). Exit 1 on failure."""
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator
    from dbtgate.report.console import report_console

    request = _publish_request(json_path, out, formats)
    if fix and _looks_like_a_file(fix):  # `--fix models/a.sql`: a file, every fixable rule
        files, fix = [Path(fix), *files], ""
    _check_whole(whole, files, base_ref, base)
    context = _lint_context(artifacts, config, project_dir, base)
    _refuse_overwriting_inputs(context, (request.json_path, "--json"))
    codes = None if fix is None else [code.strip() for code in fix.split(",") if code.strip()]
    run = _lint_before_gate(
        context,
        lint_all=all_files,
        base_ref=base_ref,
        base_spec=base,
        quiet=quiet,
        fix=codes,
        only=files,
        whole=whole,
    )
    locator = Locator.for_project(context.project.project_dir, context.project.root_package)
    result = run_gate(context, locator, families={"lint"})
    _write_files(result, context, request, repo_url)
    code = 1 if result.decision == "fail" else 0
    console = report_console(stderr=_report_on_stdout)
    # The verdict stands from the first line on: a reader gone before it (`| head -0`) met the
    # run's own lines, printed before the report, and turned a pass into an exit 1.
    with _ExitCodeStands(code):
        _print_lint_run(console, run, fixing=fix is not None, quiet=quiet)
    _print_gate(
        console,
        result,
        request,
        code,
        quiet=quiet,
        max_findings=max_findings,
        project_dir=context.project.project_dir,
    )
    return code


def _print_lint_run(console: Any, run: LintRun, *, fixing: bool, quiet: bool) -> None:
    """What `lint` did before its report: the files `--fix` fixed or would not fix, and how
    many files it read in how long, measured against what, in which dialect."""
    if fixing:
        from dbtgate.plain_text import one_line

        # The pull request names the files: printed as text, never as rich markup.
        fixed = "; ".join(map(one_line, run.fixed)) if run.fixed else "none needed it"
        if not run.fixed and run.not_fixed:
            fixed = "see below"
        console.print(
            f"lint --fix: {counted(len(run.fixed), 'file')} fixed ({fixed})",
            markup=False,
            highlight=False,
        )
        for refused in run.not_fixed:
            console.print(
                f"lint --fix: not fixed {one_line(refused)}", markup=False, highlight=False
            )
    if not quiet:
        linted = len(run.files)
        per_file = (run.seconds - run.setup_seconds) / linted if linted else 0.0
        console.print(
            f"lint: {counted(linted, 'file')} in {run.seconds:.1f}s "
            f"({run.setup_seconds:.1f}s setup, {per_file:.2f}s per file); {run.measured()}, "
            f"dialect {run.dialect}",
            markup=False,
            highlight=False,
        )


def _print_gate(
    console: Any,
    result: Any,
    request: Any,
    code: int,
    *,
    quiet: bool,
    max_findings: int,
    project_dir: Path | None,
    summary: Any = None,
    diff_command: str = "dbtgate diff",
) -> None:
    """The gate's console report (after the project's `summary`, when given) of a verdict
    already reached (`code`, which a reader leaving early does not change: `_ExitCodeStands`),
    its files named from the working directory (`locate.console_paths`)."""
    from dbtgate.locate import command_paths, console_paths
    from dbtgate.report.console import print_result, print_summary, untrusted_output

    # The verdict stands from the first line on: in GitHub Actions that is untrusted_output's
    # `::stop-commands::`, which a reader already gone turned into an exit 1.
    with _ExitCodeStands(code), untrusted_output(console):
        if summary is not None:
            print_summary(console, summary)
        print_result(
            console,
            result,
            quiet=quiet,
            max_findings=max_findings,
            full_reports=request.complete_reports(),
            written=request.written_reports(),
            diff_command=diff_command,
            paths=console_paths(project_dir),
            commands=command_paths(project_dir),
        )


def _check_whole(whole: bool, files: list[Path], base_ref: str | None, base: str | None) -> None:
    """`--whole` is for files named, and says the opposite of a base that measures the change:
    both at once would leave the reader guessing which one won."""
    if not whole:
        return
    if not files:
        raise DbtgateError("--whole lints the FILEs named whole: name them (or pass --all)")
    if base_ref is not None or base is not None:
        flag = "--base-ref" if base_ref is not None else "--base"
        raise DbtgateError(f"--whole and {flag}: the one counts every line, the other the change")


def _looks_like_a_file(value: str) -> bool:
    """A path rather than rule codes (CP01,LT01 have neither a slash nor a suffix)."""
    return "/" in value or "\\" in value or value.lower().endswith((".sql", ".py"))


def _load_announced(
    artifacts: Path | None,
    base: str | None,
    config: Path | None,
    project_dir: Path | None,
    profiles_dir: Path | None,
    *,
    quiet: bool = False,
    base_for_the_diff: bool = False,
):
    """`load_context` under the "loading artifacts" spinner, which names the `dbt parse` of a
    --base git ref while it runs (seconds: check and diff sat silent)."""
    from dbtgate.report.console import report_console, stage

    with stage(report_console(stderr=True), "loading artifacts", quiet=quiet) as loading:
        return load_context(
            artifacts,
            base,
            config,
            project_dir,
            profiles_dir=profiles_dir,
            announce=loading.describe,
            base_for_the_diff=base_for_the_diff,
        )


def _lint_context(
    artifacts: Path | None,
    config_path: Path | None,
    project_dir: Path | None,
    base: str | None = None,
):
    """Like `load_context`, but a dbt build is optional: without manifest.json the findings name
    files rather than models, and the dialect comes from the config. A base build (`--base`, or
    the config's `base:`, when a directory) is loaded for its SQL; a git ref is not parsed: lint
    reads the ref's files with git."""
    from dbtgate.checks import CheckContext
    from dbtgate.lint.run import project_without_build

    project_dir, config = _project_and_config(project_dir, artifacts, config_path)
    artifacts_dir = _default_artifacts(artifacts, config, project_dir)
    spec = base or config.base
    base_build = spec if spec and Path(spec).is_dir() else None
    if spec and base_build is None:
        named = f"--base {spec}" if base else _config_base_error(config, spec)
        _refuse_a_ref_without_git(named, project_dir or Path.cwd())
    if artifacts is not None or (artifacts_dir / "manifest.json").is_file():
        return load_context(
            artifacts,
            base_build,
            config_path,
            project_dir,
            with_base=base_build is not None,
            judges_the_build=False,
            config=config,
        )
    resolved = _resolve_project_dir(project_dir, config, artifacts_dir)
    if resolved is None:
        from dbtgate.projects_below import project_dir_hint

        raise DbtgateError(
            "no dbt project found (no dbt_project.yml here): pass --project-dir, or run from "
            "the dbt project" + project_dir_hint(Path.cwd())
        )
    context = CheckContext(project=project_without_build(resolved), config=config)
    if base_build is not None:  # its SQL is all lint reads: its manifest, as `--base` finds it
        from dbtgate.base import load_base
        from dbtgate.project import Project

        context.base = Project.from_artifacts(load_base(base_build, optional=()), None)
    return context


def _config_base_error(config, message: str) -> str:
    """`message` about the base build as an error at the config's `base:` line: the user who
    wrote it there passed no --base, and an error blaming --base sent them looking for one."""
    line = config.lines.get("base")
    return f"{config.path}:{line}: base: {message}" if line else f"{config.path}: base: {message}"


def _refuse_a_ref_without_git(named: str, start: Path) -> None:
    """A --base that is no directory is a git ref: outside a repository, it is neither (a
    typo in a build's path, most likely), and saying only "not inside a git repository" would
    not name it."""
    from dbtgate.lint.changes import open_repo

    try:
        open_repo(start)
    except DbtgateError:
        raise DbtgateError(
            f"{named}: no such directory, and no git repository here to read it as a ref"
        ) from None


def _lint_before_gate(
    context,
    *,
    lint_all: bool,
    base_ref: str | None,
    quiet: bool,
    base_spec: str | None = None,
    when_unknown: Literal["error", "all"] = "error",
    fix: list[str] | None = None,
    only: list[Path] | None = None,
    whole: bool = False,
):
    """Run sqlfluff (files, git) before the gate; the pure `lint` check reads the result.
    `check` passes its --base: a git ref, or a build whose SQL the files are compared with."""
    from rich.markup import escape
    from rich.progress import Progress

    from dbtgate.lint.check import LINT_RUN_OPTION
    from dbtgate.lint.run import run_lint
    from dbtgate.plain_text import one_line

    console = _console(stderr=True)
    # Only on a terminal: in a CI log a progress bar is noise.
    with Progress(console=console, transient=True, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task("lint", total=None)

        def progress(index: int, total: int, path: str) -> None:
            # The description is rich markup: a `[` in a file of the pull request is text.
            shown = escape(one_line(path))
            bar.update(task, total=total, completed=index, description=f"lint {shown}")

        run = run_lint(
            context.project,
            context.config,
            lint_all=lint_all,
            base_ref=base_ref,
            base_spec=base_spec,
            base_build=context.base,
            when_unknown=when_unknown,
            progress=progress,
            fix=fix,
            only=only or None,
            whole=whole,
        )
    context.options[LINT_RUN_OPTION] = run
    return run


@command(
    Opt(
        "--project-dir",
        type=Path,
        metavar="DIR",
        help="The dbt project to write dbtgate.yml for. Default: the one here, or the nearest "
        "above.",
    ),
    Opt("--force", action="store_true", help="Overwrite an existing file."),
)
def init(project_dir: Path | None, force: bool) -> None:
    """Write a commented starter dbtgate.yml for the dbt project found."""
    from dbtgate.starter import write_starter_config

    existing: Path | Literal[False] | None = False  # not looked for yet
    if project_dir is None:
        from dbtgate.config import find_config

        here = find_config(Path("."))
        project_dir = _project_dir_above(None, None, None, config_here=here is not None)
        if project_dir is None:  # this folder's: its config is the one just looked for
            project_dir, existing = Path("."), here
    written = write_starter_config(project_dir, force=force, existing=existing)
    console = _console()
    with _ExitCodeStands(0):  # the file is written: a reader gone (`| head`) changes nothing
        console.print(
            f"wrote {written.path}: review the policies, then run `dbtgate check`; on a project "
            "with legacy debt, `dbtgate baseline` records today's findings, and `baseline: "
            "dbtgate-baseline.json` in this file makes only new ones block",
            markup=False,
        )
        console.print(written.policies_note, markup=False)


@command(
    Opt(
        "--dir",
        dest="directory",
        type=Path,
        metavar="DIR",
        help="Where to build the demo and write its reports (DIR/reports): a new or empty "
        "directory; run it again on the same DIR to gate your edits of DIR/pr/project. "
        "Default: a new temporary directory.",
    ),
)
def demo(directory: Path | None) -> int:
    """Build the bundled DuckDB example project (its main branch and a pull request) with
    dbt-duckdb and gate the pull request."""
    from dbtgate.demo import run_demo
    from dbtgate.report.console import output_dropped_once_gone

    # `dbtgate demo | head`: the builds and the reports are still made, unread.
    return run_demo(directory, output_dropped_once_gone(_console()))


@command(
    Opt(
        "reports",
        nargs="+",
        type=Path,
        metavar="REPORT",
        help="JSON gate reports (`dbtgate check --json`), or directories holding them "
        "(subfolders too).",
    ),
    Opt("--md", type=_output_file, metavar="FILE", help="Also write the trend as markdown here."),
    Opt(
        "--html",
        type=_output_file,
        metavar="FILE",
        help="Also write the trend as an HTML page here.",
    ),
)
def trend(reports: list[Path], md: Path | None, html: Path | None) -> None:
    """How each KPI moved over a series of builds: a table with sparklines, oldest to latest."""
    from dbtgate.report.render import write_report_file
    from dbtgate.status.trend import load_trend
    from dbtgate.status.trend_console import print_trend
    from dbtgate.status.trend_pages import render_html, render_markdown

    series = load_trend(reports)
    # The files first: `dbtgate trend ... --md FILE | head` writes them whole.
    for path, render in ((md, render_markdown), (html, render_html)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_report_file(path, render(series).encode("utf-8"))
    with _ExitCodeStands(0):
        print_trend(_console(), series)


@command(
    Opt(
        "code",
        nargs="?",
        metavar="CODE",
        help="A code to explain (tests.primary_key, breaking.column_removed, run.not_run, "
        "lint.LT01, ...), or a family to list (docs, run, kpi, ...).",
    ),
    CONFIG_FOR_PLUGINS,
    Opt(
        "--markdown",
        action="store_true",
        help="Print the whole reference as markdown (what docs/rules.md holds).",
    ),
)
def rules(code: str | None, config: Path | None, markdown: bool) -> None:
    """List every finding code (policy rules and the other checks' codes), or explain one: what,
    why, example, fix, default severity (and parameters for rules)."""
    from dbtgate.codes import code_docs
    from dbtgate.rules.policies import config_rules
    from dbtgate.rules.reference import (
        families,
        find_docs,
        print_code,
        print_rule,
        print_rules,
        render_markdown,
    )
    from dbtgate.rules.registry import Rule

    try:
        registry = config_rules(_project_and_config(None, None, config)[1])
    except DbtgateError as exc:
        if config is not None:
            raise
        # The config found here is broken: the reference is what its author needs to mend it.
        from dbtgate.rules.registry import load_rules

        print(f"dbtgate: warning: {_error_text(exc)}; the built-in rules only", file=sys.stderr)
        registry = load_rules()
    if markdown:
        if code is not None:
            raise DbtgateError("--markdown prints the whole reference: give no CODE")
        with _ExitCodeStands(0):
            sys.stdout.write(render_markdown(registry, code_docs()))
        return
    console = _console()
    # `KPI`, `Docs.Model_Description`, `lint.lt01` too: find_docs compares without case and
    # an unknown code is quoted as the user typed it.
    family = None if code is None else code.lower()
    if family is None or family in families(registry):
        with _ExitCodeStands(0):  # `dbtgate rules | head` read what it wanted
            print_rules(console, registry, code_docs(), family=family)
        return
    docs = find_docs(code, registry)
    with _ExitCodeStands(0):
        if isinstance(docs, Rule):
            print_rule(console, docs)
        else:
            print_code(console, docs)


@command(
    CONFIG_NO_BUILD,
    PROJECT_DIR_NO_BUILD,
    Opt(
        "--schema",
        action="store_true",
        help="Print the JSON Schema of the config, for editors to complete and check "
        "dbtgate.yml as it is written, and read no config.",
    ),
)
def validate(config: Path | None, project_dir: Path | None, schema: bool) -> int:
    """Check the dbtgate config without a dbt build: rule codes, parameters, selectors, waivers,
    plugins and lint settings, as `check` would, listing every problem with its line (exit 2
    if there is any), and say which waivers expired or expire soon."""
    if schema:
        return _print_schema(config, project_dir)
    from dbtgate.today import waiver_today
    from dbtgate.validate import validate_config

    problems: list[DbtgateError] = []
    _, loaded = _project_and_config(project_dir, None, config, problems=problems)
    if loaded.path is None:
        from dbtgate.projects_below import config_hint

        raise DbtgateError(
            "no dbtgate.yml (or [tool.dbtgate] in pyproject.toml) found: pass --config, or "
            "write one with `dbtgate init`" + config_hint(Path.cwd())
        )
    result = validate_config(loaded, waiver_today(), problems)
    if result.problems:
        for problem in result.problems:
            print(f"dbtgate: error: {_error_text(problem)}", file=sys.stderr)
        count = counted(len(result.problems), "problem")
        if len(result.problems) > 1:
            count += "; `dbtgate check` stops at the first it meets"
        print(_error_text(f"{loaded.path}: {count}"), file=sys.stderr)
        if result.unchecked:
            codes = ", ".join(result.unchecked)
            print(
                _error_text(
                    f"{loaded.path}: not known without the plugins that failed to load, so not "
                    f"checked: {codes}"
                ),
                file=sys.stderr,
            )
        return 2
    console = _console()
    with _ExitCodeStands(0):  # valid, whether or not the reader stays (`| head`)
        for warning in result.warnings:
            console.print(f"warning: {warning}", markup=False, highlight=False)
        console.print(f"{loaded.path}: valid", markup=False, highlight=False)
        for line in result.summary:
            console.print(f"  {line}", markup=False, highlight=False)
    return 0


@command(
    ARTIFACTS,
    BASE,
    CONFIG,
    PROJECT_DIR,
    PROFILES_DIR,
    Opt(
        "-o",
        "--output",
        type=_output_file,
        metavar="FILE",
        help="Where to write the baseline. Default: `baseline` from the config, else "
        "dbtgate-baseline.json.",
    ),
    Opt(
        "--prune",
        action="store_true",
        help="Rewrite the existing baseline (--output's, else the config's) without the entries "
        "that no longer match, fixed or on what is no longer built, with those of a renamed "
        "model or column (the latter with --base) under its new name, and add nothing: the "
        "findings that are new still block.",
    ),
)
def baseline(
    artifacts: Path | None,
    base: str | None,
    config: Path | None,
    project_dir: Path | None,
    profiles_dir: Path | None,
    output: Path | None,
    prune: bool,
) -> None:
    """Record today's policy and lint findings so that `check` blocks only on new ones, once
    the config's `baseline:` (or `check --baseline`) names the file. `--prune` only drops from
    the baseline what is fixed or gone."""
    from functools import partial

    from dbtgate.baseline import (
        DEFAULT_BASELINE,
        baseline_setting,
        build_baseline,
        check_baseline_project,
        file_checksum,
        pruned_baseline,
        write_baseline,
    )
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator, anchoring

    _check_output(output, "--output", example="dbtgate-baseline.json")
    context = load_context(artifacts, base, config, project_dir, profiles_dir=profiles_dir)
    _refuse_overwriting_inputs(context, (output, "--output"))
    if output is None and context.config.baseline:
        path = baseline_setting(context.config)
    else:
        path = output or Path(DEFAULT_BASELINE)
    root_package = context.project.root_package
    before = _previous_baseline(path, prune)
    if prune:
        check_baseline_project(before, root_package)
        context.options["baseline"] = before
    if context.config.lint.enabled:
        # Every file's lint findings: legacy SQL is what a baseline is for.
        _lint_before_gate(context, lint_all=True, base_ref=None, quiet=False)
    locator = Locator.for_project(context.project.project_dir, root_package)
    result = run_gate(context, locator)
    checksum = partial(file_checksum, context.project)
    project_dir = context.project.project_dir
    anchor = anchoring(project_dir) if project_dir is not None else (lambda shown: shown)
    if prune:
        recorded = pruned_baseline(
            before, result.sections["baseline"], root_package, checksum, result.findings, anchor
        )
        write_baseline(recorded, path)
        _said_when_done(_pruned_summary(path, result, len(recorded.findings)))
        return
    recorded = build_baseline(result.findings, root_package, checksum, anchor)
    write_baseline(recorded, path)
    count = len(recorded.findings)
    # The config's own baseline is read by every `check`; another file must be named.
    configured = context.config.baseline and Path(context.config.baseline) == path
    how = "`dbtgate check`" if configured else f"`dbtgate check --baseline {path}`"
    # CI reads the baseline only from the repository, through the config or the flag; the
    # config's paths are relative to its own folder, not to where this ran.
    in_config = os.path.relpath(path, context.config.folder) if context.config.folder else str(path)
    keep = (
        "commit the file"
        if configured
        else f"commit the file and set `baseline: {in_config}` in the config (relative to it), "
        "so that every check reads it"
    )
    if not count:
        # An empty file committed in good faith would leave every finding of the config the
        # team writes next blocking, with nothing said today.
        why = (
            "no dbtgate.yml was found, so no policy ran (`dbtgate init` writes one)"
            if context.config.path is None
            else "no policy or lint finding to record"
        )
        _said_when_done(
            f"wrote an empty baseline to {path}: {why}; nothing is recorded, so every finding "
            "`dbtgate check` reports counts"
        )
        return
    # dbtgate.yml (the pull request's) may name the path: printed without markup.
    _said_when_done(
        f"wrote {counted(count, 'finding')} to {path}{_rewritten(before, recorded)}: {how} now "
        "blocks only on new policy and lint findings (breaking and risky changes, run and "
        f"freshness status and KPI targets always count); {keep}"
    )


def _said_when_done(text: str) -> None:
    """The last line of a command whose file is written, without markup: the work is done, so a
    reader gone (`| head`) leaves the exit code 0."""
    with _ExitCodeStands(0):
        _console().print(text, markup=False)


def _previous_baseline(path: Path, prune: bool):
    """The baseline `baseline` writes over: the one `--prune` prunes (which must be there and
    readable), else read only to say what the rewrite adds, and left unread when it is not a
    baseline (the rewrite replaces it)."""
    from dbtgate.baseline import load_baseline

    if prune:
        if not path.exists():
            raise DbtgateError(
                f"{path}: no baseline to prune (`dbtgate baseline` without --prune writes one)"
            )
        return load_baseline(path)
    if not path.is_file():
        return None
    try:
        return load_baseline(path)
    except DbtgateError:
        return None


def _rewritten(before, recorded) -> str:
    """What a rewrite changed in the file it replaced: the entries it added are today's
    findings taken in as debt (in a pull request, its new ones), which no longer block."""
    if before is None:
        return ""
    old = before.fingerprints
    new = {entry.fingerprint for entry in recorded.findings}
    added, dropped = len(new - old), len(old - new)
    if not added and not dropped:
        return " (the same entries as before)"
    parts = []
    if added:
        parts.append(f"{counted(added, 'finding')} not in it before, now recorded as debt")
    if dropped:
        parts.append(f"{counted(dropped, 'entry')} dropped")
    tail = "; to drop what is fixed and add nothing, `dbtgate baseline --prune`" if added else ""
    return f" ({', '.join(parts)}{tail})"


def _pruned_summary(path: Path, result, left: int) -> str:
    """`baseline --prune`'s one line: what it dropped and carried, what is left, and the new
    findings it did not record (they still block)."""
    from dbtgate.baseline import can_baseline
    from dbtgate.wording import number

    report = result.sections["baseline"]
    why = [
        f"{number(len(entries))} {what}"
        for entries, what in (
            (report.fixed, "fixed"),
            (report.gone, "on resources or columns no longer built"),
        )
        if entries
    ]
    dropped = len(report.fixed) + len(report.gone)
    said = [
        f"pruned {path}: dropped {counted(dropped, 'entry')} ({', '.join(why)})"
        if dropped
        else f"pruned {path}: nothing to drop"
    ]
    for renamed in ("resource", "column"):
        moved = [c for c in report.carried if (c.column_name is None) == (renamed == "resource")]
        if moved:
            said.append(f"moved {counted(len(moved), 'entry')} to a renamed {renamed}'s name")
    if report.unchecked:
        said.append(f"kept {len(report.unchecked)} this run did not check")
    said.append(f"{counted(left, 'entry')} left")
    new = sum(
        1
        for f in result.findings
        if f.disposition != "baselined" and f.waiver is None and f.fingerprint and can_baseline(f)
    )
    if new:
        said.append(
            f"{counted(new, 'finding')} not in it left out, to count as new (`dbtgate "
            "baseline` without --prune records every finding)"
        )
    return "; ".join(said)


def _print_schema(config: Path | None, project_dir: Path | None) -> int:
    """`validate --schema`: the schema of every config, with the rules of dbtgate and of the
    installed plugins; the rules of a config's `plugins:` are not loaded, so it reads none."""
    from dbtgate.config_schema import schema_text
    from dbtgate.rules.registry import load_rules

    if config is not None or project_dir is not None:
        given = "--config" if config is not None else "--project-dir"
        raise DbtgateError(f"--schema reads no config: give no {given}")
    text = schema_text(load_rules())
    with _ExitCodeStands(0):
        sys.stdout.write(text)
    return 0


# Under the console script (`run`): what a command keeps alive until `_fast_exit`. None when
# `main` or `dispatch` runs in-process (tests, the demo), where nothing is kept.
_RETAINED: list[object] | None = None


def _retain(*objects: object) -> None:
    if _RETAINED is not None:
        _RETAINED.extend(objects)


def _fast_exit(code: int) -> None:
    """End the process without freeing the decoded artifacts one object at a time (millions at
    10,000 models, 0.1-0.2 s); the OS takes the memory back at once. Only from `run`, after a
    command has finished, with the output flushed and the exit handlers run."""
    import atexit

    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class ReaderGone(Exception):
    """The console's reader went away (a closed pipe) after the exit code was known: the run
    exits with that code (`_ExitCodeStands`)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _ExitCodeStands:
    """Printing what follows an exit code already known (`code`): a gate's verdict, or 0 for
    what only informs (`rules`, `--help`, `--version`). A reader gone mid-way (`| head`) does
    not turn it into a failure. A class, not contextlib's decorator: `--version` imports
    neither."""

    def __init__(self, code: int) -> None:
        self.code = code

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None and issubclass(kind, BrokenPipeError):
            raise ReaderGone(self.code) from None


def main() -> None:
    """Run `dbtgate` on sys.argv, turning DbtgateError into one line on stderr and exit 2
    (SystemExit always: `run` is the console script)."""
    # One short-lived run: the cyclic collector would rescan the decoded manifest (millions of
    # objects at 10,000 models) again and again for garbage it does not hold; refcounting frees
    # the rest. This halves the load time (benchmarks/README.md).
    gc.disable()
    code = None
    try:
        try:
            code = dispatch(sys.argv[1:])
        except SystemExit as ended:
            # argparse's end of a command's --help (0) or usage error (2): its output too
            # meets a closed pipe in the flush, which the interpreter's exit made an exit 120.
            code = ended.code
            sys.stdout.flush()
            raise
        sys.stdout.flush()  # output that fitted the buffer meets a closed pipe here
    except DbtgateError as exc:
        text = _error_text(exc)
        print(f"dbtgate: error: {text}", file=sys.stderr)
        _annotate_error(text)
        sys.exit(2)
    except KeyboardInterrupt:
        print("dbtgate: interrupted", file=sys.stderr)
        sys.exit(130)
    except (BrokenPipeError, ReaderGone) as gone:
        # The reader went away (`dbtgate check | head`): stop printing, quietly. A verdict
        # reached stands (GitHub Actions runs bash with pipefail: a pass cut short by `head`
        # failed the step); else exit 1, as rich's console did. Standard output now leads
        # nowhere, so the final flush cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(gone.code if isinstance(gone, ReaderGone) else 1 if code is None else code)
    except OSError as exc:
        # A report path that cannot be written, a full disk: the user's environment, not a bug.
        from dbtgate.plain_text import one_line

        print(
            f"dbtgate: error: {one_line(str(exc.filename or ''))}: {exc.strerror}", file=sys.stderr
        )
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("DBTGATE_DEBUG"):
            raise
        print(
            f"dbtgate: internal error: {type(exc).__name__}: {_error_text(exc)} "
            "(set DBTGATE_DEBUG=1 for the traceback and please report it)",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(code)


def _annotate_error(text: str) -> None:
    """In GitHub Actions, the error that stopped dbtgate also as an error annotation: the run's
    page then says why the step failed, where it said only "exit code 2"."""
    if os.environ.get("GITHUB_ACTIONS", "").lower() != "true":
        return
    from dbtgate.report.annotations import format_annotation

    file, line = _error_place(text)
    annotation = format_annotation("error", text, file=file, line=line, title="dbtgate stopped")
    print(annotation, file=sys.stderr)


def _error_place(text: str) -> tuple[str | None, int | None]:
    """The file and line an error starts with (`dbtgate.yml:7: ...`), as a path in the
    repository GitHub checked out (`$GITHUB_WORKSPACE`), so that the annotation shows on that
    line of the pull request's diff; (None, None) for an error of no file in it."""
    import re

    found = re.match(r"([^:\s][^:]*):(\d+): ", text)
    if found is None or not Path(found[1]).is_file():
        return None, None
    workspace = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        relative = Path(found[1]).resolve().relative_to(workspace)
    except ValueError:
        return None, None
    return relative.as_posix(), int(found[2])


def _error_text(exc: BaseException) -> str:
    """An error as printed on stderr: it may quote the pull request (a config key, dbt's
    output), so no control codes, and no line of its own that could start a workflow command
    (dbtgate.plain_text), nor a GitHub token (dbtgate.secrets)."""
    from dbtgate.plain_text import indented_lines
    from dbtgate.secrets import scrub_tokens

    return indented_lines(scrub_tokens(str(exc), os.environ))


def run() -> None:
    """The console script: `main`, then `_fast_exit` when a command kept its data alive."""
    global _RETAINED
    _RETAINED = []
    try:
        main()
    except SystemExit as exit:
        if _RETAINED and isinstance(exit.code, int):
            _fast_exit(exit.code)
        raise


if __name__ == "__main__":
    run()
