"""The `dbtgate` command line: thin commands that wire loader, gate and reporters together.

Exit codes are the contract with CI: 0 the gate passed, 1 the gate failed, 2 the input was wrong
(usage, config, artifacts). Errors are one line on stderr, never a traceback (set DBTGATE_DEBUG=1
to see one when reporting a bug).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

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
        "(and catalog.json). Default: `base` from the config.",
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
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print only warnings and the verdict.")
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

        base_artifacts = load_base(base_spec)
        base_project = Project.from_artifacts(base_artifacts, None, tiers, owners)
    return CheckContext(project=project, config=config, base=base_project)


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
) -> None:
    """Run the gate on a dbt build: policies, breaking changes, run status. Exit 1 on failure."""
    from dbtgate.gate import run_gate
    from dbtgate.locate import Locator
    from dbtgate.report.console import print_result, print_summary
    from dbtgate.summary import summarise

    context = load_context(artifacts, base, config, project_dir)
    locator = Locator(context.project.project_dir, _path_prefix(context.project.project_dir))
    result = run_gate(context, locator)
    console = _console()
    if not quiet:
        print_summary(console, summarise(context.project))
    if json_path is not None:
        from dbtgate.report.json_report import write_json_report

        write_json_report(result, json_path)
    print_result(console, result, quiet=quiet)
    raise typer.Exit(1 if result.decision == "fail" else 0)


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


def main() -> None:
    """Console-script entry point: turn DbtgateError into one line on stderr and exit 2."""
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
    main()
