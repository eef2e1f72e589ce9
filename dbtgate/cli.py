"""The `dbtgate` command line: thin commands that wire loader, gate and reporters together.

Exit codes are the contract with CI: 0 the gate passed, 1 the gate failed, 2 the input was wrong
(usage, config, artifacts). Errors are one line on stderr, never a traceback (set DBTGATE_DEBUG=1
to see one when reporting a bug).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import typer

from dbtgate import __version__
from dbtgate.errors import DbtgateError

app = typer.Typer(
    name="dbtgate",
    help=(
        "The quality gate for dbt pull requests: policies, breaking schema changes, run status "
        "and lint, with one verdict.\n\n"
        "Exit codes: 0 pass, 1 gate failed, 2 usage, config or artifact error."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ArtifactsOption = Annotated[
    Path | None,
    typer.Option(
        "--artifacts",
        "-a",
        help="Directory with manifest.json (and run_results/catalog/sources.json). "
        "Default: `artifacts` from the config, else ./target.",
        show_default=False,
    ),
]
BaseOption = Annotated[
    str | None,
    typer.Option(
        "--base",
        help="The previous build to compare with: a directory holding its manifest.json "
        "(and catalog.json), or a git ref (parsed with `dbt parse` in a temporary worktree, "
        "cached by commit). Default: `base` from the config.",
        show_default=False,
    ),
]
ProfilesDirOption = Annotated[
    Path | None,
    typer.Option(
        "--profiles-dir",
        help="Where profiles.yml is, for `dbt parse` of a --base git ref. Default: "
        "$DBT_PROFILES_DIR, the current or project directory, else ~/.dbt.",
        show_default=False,
    ),
]
AckLabelOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ack-label",
        help="A label of the pull request (repeatable); the config's `breaking.ack_label` "
        "acknowledges breaking changes. Also read from $DBTGATE_ACK_LABELS (comma-separated) "
        "and the GitHub event at $GITHUB_EVENT_PATH.",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="dbtgate.yml or pyproject.toml with [tool.dbtgate]. Default: found in the current "
        "directory or the dbt project directory.",
        show_default=False,
    ),
]
ProjectDirOption = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        help="The dbt project (where dbt_project.yml is), used to point findings at YAML lines. "
        "Default: the parent of the artifacts directory when it holds dbt_project.yml.",
        show_default=False,
    ),
]
JsonOption = Annotated[
    Path | None,
    typer.Option("--json", help="Write the JSON gate report here.", show_default=False),
]
BaselineOption = Annotated[
    Path | None,
    typer.Option(
        "--baseline",
        help="A baseline file written by `dbtgate baseline`: its findings do not block, new "
        "ones do. Default: `baseline` from the config.",
        show_default=False,
    ),
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only warnings and the verdict.")
]
MaxFindingsOption = Annotated[
    int,
    typer.Option(
        "--max-findings",
        min=0,
        help="Print at most N findings per group (blocking, advisory, ...); 0 prints all. "
        "The JSON, markdown and HTML reports keep every finding.",
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Write the reports into this directory (all formats unless --format says which).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="Comma-separated report formats for --out: md,html,sarif,junit,gitlab,json.",
        show_default=False,
    ),
]
RepoUrlOption = Annotated[
    str | None,
    typer.Option(
        "--repo-url",
        help="Link findings to files here: a repository URL (the PR head sha is appended from "
        "the GitHub environment) or a .../blob/<sha> URL. Default: from GITHUB_SERVER_URL, "
        "GITHUB_REPOSITORY and the PR head sha.",
        show_default=False,
    ),
]


def _version_callback(value: bool) -> None:
    if value:
        print(f"dbtgate {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """The quality gate for dbt pull requests."""


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _resolve_config(config_path: Path | None, project_dir: Path | None):
    from dbtgate.config import find_config, load_config

    if config_path is None:
        for start in (Path.cwd(), project_dir):
            if start is not None:
                config_path = find_config(start)
                if config_path:
                    break
    return load_config(config_path)


def _resolve_project_dir(
    explicit: Path | None, configured: str | None, artifacts: Path
) -> Path | None:
    if explicit is not None:
        if not (explicit / "dbt_project.yml").is_file():
            raise DbtgateError(f"{explicit}: --project-dir has no dbt_project.yml")
        return explicit
    if configured:
        return Path(configured)
    for candidate in (artifacts.resolve().parent, Path.cwd()):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    return None


def load_context(
    artifacts: Path | None,
    base: str | None,
    config_path: Path | None,
    project_dir: Path | None,
    *,
    with_base: bool = True,
    profiles_dir: Path | None = None,
):
    """Config, Project (and base Project) ready for the gate."""
    from dbtgate.artifacts import load_artifacts
    from dbtgate.checks import CheckContext
    from dbtgate.project import OwnerSettings, Project, TierSettings

    config = _resolve_config(config_path, project_dir)
    artifacts_dir = artifacts or Path(config.artifacts)
    resolved_dir = _resolve_project_dir(project_dir, config.project_dir, artifacts_dir)
    tiers = TierSettings(tuple(config.tier.from_), config.tier.default)
    owners = OwnerSettings(tuple(config.owner.from_))
    project = Project.from_artifacts(load_artifacts(artifacts_dir), resolved_dir, tiers, owners)
    base_project = None
    base_spec = base or config.base
    if with_base and base_spec:
        from dbtgate.base import load_base

        base_artifacts = load_base(base_spec, project_dir=resolved_dir, profiles_dir=profiles_dir)
        base_project = Project.from_artifacts(base_artifacts, None, tiers, owners)
    context = CheckContext(project=project, config=config, base=base_project)
    if base_project is not None:
        base_ref = base_ref_input(base_spec, resolved_dir)
        if base_ref is not None:
            context.options.setdefault("inputs", {})["base_ref"] = base_ref
    if config.path is None:
        context.notes.append(
            "no dbtgate.yml (or [tool.dbtgate] in pyproject.toml) found: no policies applied;"
            " `dbtgate init` writes a starter file"
        )
    if base_project is not None:
        from dbtgate.state import compare_builds, in_scope

        changes = compare_builds(project, base_project)
        context.sections["changes"] = changes
        context.changed = in_scope(changes, project)
    from dbtgate.rules.codeowners import find_codeowners

    context.options["codeowners"] = find_codeowners(resolved_dir, config.owner.codeowners)
    return context


def base_ref_input(spec: str, project_dir: Path | None) -> dict[str, str] | None:
    """For the report's audit trail: the git ref a base build was parsed from, and the commit it
    named then (a branch moves; the sha says what was compared). None for a base on disk."""
    if Path(spec).exists():
        return None
    import git

    try:
        repo = git.Repo(project_dir or Path.cwd(), search_parent_directories=True)
        return {"ref": spec, "sha": repo.commit(spec).hexsha}
    except (git.GitError, ValueError):
        return {"ref": spec, "sha": ""}


def _path_prefix(project_dir: Path | None) -> str:
    """Findings name files relative to where dbtgate runs (the repo root in CI)."""
    if project_dir is None:
        return ""
    try:
        relative = os.path.relpath(project_dir.resolve(), Path.cwd())
    except ValueError:
        return str(project_dir)
    return "" if relative == "." else relative


@app.command()
def check(
    artifacts: ArtifactsOption = None,
    base: BaseOption = None,
    config: ConfigOption = None,
    project_dir: ProjectDirOption = None,
    json_path: JsonOption = None,
    quiet: QuietOption = False,
    max_findings: MaxFindingsOption = 200,
    baseline: BaselineOption = None,
    profiles_dir: ProfilesDirOption = None,
    ack_label: AckLabelOption = None,
    out: OutOption = None,
    formats: FormatOption = None,
    repo_url: RepoUrlOption = None,
    comment: Annotated[
        bool,
        typer.Option(
            "--comment",
            help="Create or update the sticky PR comment (token from GITHUB_TOKEN). A failed post "
            "is reported and does not change the verdict.",
        ),
    ] = False,
    comment_required: Annotated[
        bool,
        typer.Option(
            "--comment-required", help="With --comment: a failed post is an error (exit 2)."
        ),
    ] = False,
    repo: Annotated[
        str | None,
        typer.Option("--repo", help="owner/name for --comment. Default: GITHUB_REPOSITORY."),
    ] = None,
    pr: Annotated[
        int | None,
        typer.Option("--pr", help="PR number for --comment. Default: from the GitHub event."),
    ] = None,
    annotations: Annotated[
        bool | None,
        typer.Option(
            "--annotations/--no-annotations",
            help="Print GitHub workflow-command annotations. Default: on when GITHUB_ACTIONS=true.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the gate on a dbt build: policies, breaking changes, run status. Exit 1 on failure."""
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator
    from dbtgate.report.console import print_result, print_summary, stage
    from dbtgate.report.publish import PublishRequest
    from dbtgate.summary import summarise

    request = PublishRequest(
        json_path=json_path,
        out_dir=out,
        formats=_formats(formats),
        comment=comment,
        comment_required=comment_required,
        repo=repo,
        pr=pr,
        annotations=annotations,
    )
    with stage(_console(stderr=True), "loading artifacts", quiet=quiet):
        context = load_context(artifacts, base, config, project_dir, profiles_dir=profiles_dir)
    context.options["ack_labels"] = _ack_labels(ack_label)
    baseline_path = baseline or (Path(context.config.baseline) if context.config.baseline else None)
    if baseline_path is not None:
        from dbtgate.baseline import load_baseline

        context.options["baseline"] = load_baseline(baseline_path)
        context.options.setdefault("inputs", {})["baseline"] = baseline_path.as_posix()
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
    locator = Locator(context.project.project_dir, _path_prefix(context.project.project_dir))
    with stage(_console(stderr=True), "running checks", quiet=quiet):
        result = run_gate(context, locator)
    console = _console()
    if not quiet:
        print_summary(console, summarise(context.project))
    published = _publish(result, context, request, repo_url)
    print_result(console, result, quiet=quiet, max_findings=max_findings)
    _retain(context, result)
    raise typer.Exit(published or (1 if result.decision == "fail" else 0))


def _ack_labels(given: list[str] | None) -> list[str]:
    from dbtgate.diff.labels import gather_ack_labels

    return gather_ack_labels(given or (), os.environ)


@app.command()
def diff(
    base: BaseOption = None,
    artifacts: ArtifactsOption = None,
    config: ConfigOption = None,
    project_dir: ProjectDirOption = None,
    profiles_dir: ProfilesDirOption = None,
    ack_label: AckLabelOption = None,
    json_path: JsonOption = None,
    out: OutOption = None,
    formats: FormatOption = None,
    repo_url: RepoUrlOption = None,
) -> None:
    """Diff the build against a base build: every schema change with its class (breaking,
    risky, safe), code, reason and downstream impact. Exit 1 when a breaking change fails the
    gate (not acknowledged by a new version, deprecation_date, config entry or PR label)."""
    from dbtgate.diff.console import diff_result, print_diff
    from dbtgate.locate import Locator
    from dbtgate.report.publish import PublishRequest

    request = PublishRequest(json_path=json_path, out_dir=out, formats=_formats(formats))
    context = load_context(artifacts, base, config, project_dir, profiles_dir=profiles_dir)
    context.options["ack_labels"] = _ack_labels(ack_label)
    locator = Locator(context.project.project_dir, _path_prefix(context.project.project_dir))
    result = diff_result(context, locator)
    _write_files(result, context, request, repo_url)
    print_diff(_console(), result)
    _retain(context, result)
    raise typer.Exit(1 if result.decision == "fail" else 0)


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
    return publish(gate_report(result, context), request, options, os.environ)


@app.command()
def report(
    report_file: Annotated[
        Path, typer.Argument(help="A JSON gate report (check --json, or --format json).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for the reports.")] = Path("."),
    formats: Annotated[
        str,
        typer.Option("--format", help="Comma-separated: md,html,sarif,junit,gitlab,json."),
    ] = "md,html",
    repo_url: RepoUrlOption = None,
    emoji: Annotated[
        bool, typer.Option("--emoji", help="A check mark or cross before the verdict.")
    ] = False,
) -> None:
    """Re-render a saved JSON gate report into other formats (nothing is re-run)."""
    from dbtgate.report.json_report import load_report
    from dbtgate.report.options import render_options
    from dbtgate.report.render import parse_formats, write_reports

    names = parse_formats(formats)
    saved = load_report(report_file)
    options = render_options(os.environ, repo_url=repo_url, emoji=emoji)
    for path in write_reports(saved, names, out, options).values():
        print(path)


BaseRefOption = Annotated[
    str | None,
    typer.Option(
        "--base-ref",
        help="Git ref the change is measured against (its merge base with HEAD, plus "
        "uncommitted edits). Default: lint.base_ref, else origin/$GITHUB_BASE_REF, "
        "origin/HEAD, origin/main, origin/master, main, master.",
        show_default=False,
    ),
]


@app.command()
def lint(
    all_files: Annotated[
        bool, typer.Option("--all", help="Lint every SQL file, not only the changed ones.")
    ] = False,
    base_ref: BaseRefOption = None,
    artifacts: ArtifactsOption = None,
    config: ConfigOption = None,
    project_dir: ProjectDirOption = None,
    json_path: JsonOption = None,
    out: OutOption = None,
    formats: FormatOption = None,
    repo_url: RepoUrlOption = None,
    quiet: QuietOption = False,
    max_findings: MaxFindingsOption = 200,
) -> None:
    """Lint the changed SQL with sqlfluff; under scope: changed only violations on changed
    lines block. No dbt build needed (a manifest maps files to models). Exit 1 on failure."""
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator
    from dbtgate.report.console import print_result
    from dbtgate.report.publish import PublishRequest

    request = PublishRequest(json_path=json_path, out_dir=out, formats=_formats(formats))
    context = _lint_context(artifacts, config, project_dir)
    run = _lint_before_gate(context, lint_all=all_files, base_ref=base_ref, quiet=quiet)
    locator = Locator(context.project.project_dir, _path_prefix(context.project.project_dir))
    result = run_gate(context, locator, families={"lint"})
    console = _console()
    if not quiet:
        linted = len(run.files)
        per_file = (run.seconds - run.setup_seconds) / linted if linted else 0.0
        console.print(
            f"lint: {linted} file(s) in {run.seconds:.1f}s "
            f"({run.setup_seconds:.1f}s setup, {per_file:.2f}s per file)",
            highlight=False,
        )
    _write_files(result, context, request, repo_url)
    print_result(console, result, quiet=quiet, max_findings=max_findings)
    raise typer.Exit(1 if result.decision == "fail" else 0)


def _lint_context(artifacts: Path | None, config_path: Path | None, project_dir: Path | None):
    """Like `load_context`, but a dbt build is optional: without manifest.json the findings name
    files rather than models, and the dialect comes from the config."""
    from dbtgate.checks import CheckContext
    from dbtgate.lint.run import project_without_build

    config = _resolve_config(config_path, project_dir)
    artifacts_dir = artifacts or Path(config.artifacts)
    if artifacts is not None or (artifacts_dir / "manifest.json").is_file():
        return load_context(artifacts, None, config_path, project_dir, with_base=False)
    resolved = _resolve_project_dir(project_dir, config.project_dir, artifacts_dir)
    if resolved is None:
        raise DbtgateError(
            "no dbt project found (no dbt_project.yml here): pass --project-dir, or run from "
            "the dbt project"
        )
    return CheckContext(project=project_without_build(resolved), config=config)


def _lint_before_gate(
    context,
    *,
    lint_all: bool,
    base_ref: str | None,
    quiet: bool,
    base_spec: str | None = None,
    when_unknown: Literal["error", "all"] = "error",
):
    """Run sqlfluff (files, git) before the gate; the pure `lint` check reads the result.
    `check` passes its --base: a git ref, or a build whose SQL the files are compared with."""
    from rich.progress import Progress

    from dbtgate.lint.check import LINT_RUN_OPTION
    from dbtgate.lint.run import run_lint

    console = _console(stderr=True)
    # Only on a terminal: in a CI log a progress bar is noise.
    with Progress(console=console, transient=True, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task("lint", total=None)

        def progress(index: int, total: int, path: str) -> None:
            bar.update(task, total=total, completed=index, description=f"lint {path}")

        run = run_lint(
            context.project,
            context.config,
            lint_all=lint_all,
            base_ref=base_ref,
            base_spec=base_spec,
            base_build=context.base,
            when_unknown=when_unknown,
            progress=progress,
        )
    context.options[LINT_RUN_OPTION] = run
    return run


@app.command()
def init(
    project_dir: Annotated[
        Path, typer.Option("--project-dir", help="The dbt project to write dbtgate.yml for.")
    ] = Path("."),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter dbtgate.yml for the dbt project found."""
    from dbtgate.starter import write_starter_config

    path = write_starter_config(project_dir, force=force)
    _console().print(f"wrote {path}: review the policies, then run `dbtgate check`")


@app.command()
def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Where to build the fixture project (default: a temporary directory)."
        ),
    ] = None,
) -> None:
    """Build the bundled DuckDB fixture (base and pull request) with dbt and gate the PR."""
    from dbtgate.demo import run_demo

    raise typer.Exit(run_demo(directory, _console()))


@app.command()
def trend(
    reports: Annotated[
        list[Path],
        typer.Argument(
            help="JSON gate reports (`dbtgate check --json`), or directories of them.",
            show_default=False,
        ),
    ],
    md: Annotated[
        Path | None, typer.Option("--md", help="Also write the trend as markdown here.")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the trend as an HTML page here.")
    ] = None,
) -> None:
    """How each KPI moved over a series of builds: a table with sparklines, oldest to latest."""
    from dbtgate.status.trend import load_trend, print_trend, render_html, render_markdown

    series = load_trend(reports)
    print_trend(_console(), series)
    for path, render in ((md, render_markdown), (html, render_html)):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(series), encoding="utf-8")


@app.command()
def rules(
    code: Annotated[
        str | None,
        typer.Argument(
            help="A code to explain (tests.primary_key, breaking.column_removed, run.not_run, "
            "lint.LT01, ...), or a family to list (docs, run, kpi, ...).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown", help="Print the whole reference as markdown (what docs/rules.md holds)."
        ),
    ] = False,
) -> None:
    """List every finding code (policy rules and the other checks' codes), or explain one: what,
    why, example, fix, default severity (and parameters for rules)."""
    from dbtgate.codes import code_docs
    from dbtgate.rules.reference import (
        families,
        find_docs,
        print_code,
        print_rule,
        print_rules,
        render_markdown,
    )
    from dbtgate.rules.registry import Rule, load_rules

    settings = _resolve_config(config, None)
    base_dir = settings.path.parent if settings.path is not None else None
    registry = load_rules(settings.plugins, base_dir)
    if markdown:
        if code is not None:
            raise DbtgateError("--markdown prints the whole reference: give no CODE")
        sys.stdout.write(render_markdown(registry, code_docs()))
        return
    console = _console()
    if code is None or code in families(registry):
        print_rules(console, registry, code_docs(), family=code)
        return
    docs = find_docs(code, registry)
    if isinstance(docs, Rule):
        print_rule(console, docs)
    else:
        print_code(console, docs)


@app.command()
def baseline(
    artifacts: ArtifactsOption = None,
    base: BaseOption = None,
    config: ConfigOption = None,
    project_dir: ProjectDirOption = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the baseline. Default: `baseline` from the config, else "
            "dbtgate-baseline.json.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Record the current findings so that `check --baseline` blocks only on new ones."""
    from dbtgate.baseline import DEFAULT_BASELINE, build_baseline, write_baseline
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator

    context = load_context(artifacts, base, config, project_dir)
    locator = Locator(context.project.project_dir, _path_prefix(context.project.project_dir))
    result = run_gate(context, locator)
    recorded = build_baseline(result.findings)
    path = output or Path(context.config.baseline or DEFAULT_BASELINE)
    write_baseline(recorded, path)
    _console().print(
        f"wrote {len(recorded.findings)} finding(s) to {path}: `dbtgate check --baseline {path}` "
        "now blocks only on new findings"
    )


# Under the console script (`main`): what a command keeps alive until `_fast_exit`. None when
# the app runs in-process (tests), where nothing is kept.
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


def main() -> None:
    """Run the app, turning DbtgateError into one line on stderr and exit 2 (SystemExit always:
    `run` is the console script)."""
    # One short-lived run: the cyclic collector would rescan the decoded manifest (millions of
    # objects at 10,000 models) again and again for garbage it does not hold; refcounting frees
    # the rest. This halves the load time (benchmarks/README.md).
    gc.disable()
    try:
        code = app(standalone_mode=False)
    except DbtgateError as exc:
        print(f"dbtgate: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except _click_exceptions() as exc:
        exc.show()
        sys.exit(2 if exc.exit_code == 1 else exc.exit_code)
    except KeyboardInterrupt:
        print("dbtgate: interrupted", file=sys.stderr)
        sys.exit(130)
    except OSError as exc:
        # A report path that cannot be written, a full disk: the user's environment, not a bug.
        print(f"dbtgate: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:
        if os.environ.get("DBTGATE_DEBUG"):
            raise
        print(
            f"dbtgate: internal error: {type(exc).__name__}: {exc} "
            "(set DBTGATE_DEBUG=1 for the traceback and please report it)",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)


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


def _click_exceptions() -> tuple[type[Exception], ...]:
    """Usage errors (unknown option, missing argument): shown with their usage line, exit 2.

    Typer >= 0.20 vendors click as `typer._click`; older Typer uses click itself."""
    classes: list[type[Exception]] = []
    try:
        from typer._click.exceptions import ClickException as VendoredClickException

        classes.append(VendoredClickException)
    except ImportError:
        pass
    import click

    classes.append(click.ClickException)
    return tuple(classes)


if __name__ == "__main__":
    run()
