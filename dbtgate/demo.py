"""`dbtgate demo`: the whole job on the bundled DuckDB fixture, offline, in one command.

A newcomer sees what the gate does on a real dbt project before configuring anything: the fixture
is built twice with dbt-duckdb (the base branch and a pull request with planted problems), and the
PR build is gated against the base with the fixture's own dbtgate.yml, exactly as the printed
`dbtgate check` command line would do it in CI, writing every report format (the HTML page and the
PR comment's markdown first in the list printed at the end).
"""

from __future__ import annotations

import os
import re
import shlex
import tempfile
from pathlib import Path

from rich.console import Console

# Where the fixture's README turns from how it is built and kept (for dbtgate's developers) to
# what it plants: the sections the demo's reader wants beside the reports.
_PLANTED_FROM = "## Deliberate gaps in the base"
# Asides in those sections for dbtgate's developers (which test checks a line, what the fixture
# builder accepts), marked in the fixture README as HTML comments show nothing on GitHub.
_DEVELOPERS_ONLY = re.compile(r"<!-- developers -->.*?<!-- /developers -->", re.DOTALL)
# How the demo's console names each of the two builds: "fixture" and "state" are the test
# suite's words, not a newcomer's.
_BUILDS = {"base": "base build (the main branch)", "pr": "pull request build"}


def demo_guide(fixture_readme: str, workdir: Path) -> str:
    """The README.md the demo writes beside its builds: what the folder holds and how to try an
    edit, then the fixture README's sections on what the base lacks and the pull request plants,
    each with the finding it gives. Not the whole fixture README: its first part tells dbtgate's
    developers to keep the file exact and renumber lines, which a demo user editing
    `pr/project` is not asked to do."""
    planted = _DEVELOPERS_ONLY.sub("", fixture_readme[fixture_readme.index(_PLANTED_FROM) :])
    again = shlex.join(["dbtgate", "demo", "--dir", str(workdir)])
    return (
        "# dbtgate demo: what the pull request plants\n\n"
        "Two builds of the bundled DuckDB project `shop`, made with dbt-duckdb: `base/project`"
        " (the main branch) and `pr/project` (a pull request with problems planted in it), and"
        " in `reports/` the gate's reports of the pull request against the base (open"
        " `reports/gate.html` in a browser).\n\n"
        "Below: the gaps the base already has, the changes the pull request makes, and the"
        " finding each gives. Paths are those inside a project folder (`base/project`,"
        " `pr/project`); `shop_pr/` is the pull request's files as dbtgate ships them. Line"
        " numbers are those of the project as dbtgate ships it: they move when you edit"
        " `pr/project`.\n\n"
        "To see the gate answer a change of your own, edit `pr/project` (a model's SQL, its"
        f" YAML, dbtgate.yml) and run `{again}` again.\n\n" + planted
    )


def _make_workdir(workdir: Path) -> None:
    """Create --dir, or say in words why it cannot be: mkdir's own error on a file there was
    `DIR: File exists`, which reads as a directory the demo refuses to reuse."""
    from dbtgate.errors import DbtgateError
    from dbtgate.pipes import is_pipe

    if workdir.exists() and not workdir.is_dir():
        what = "a pipe" if is_pipe(workdir) else "a file"
        raise DbtgateError(f"--dir {workdir}: is {what}; give a directory for the demo's builds")
    if workdir.is_dir() and any(workdir.iterdir()) and not _made_by_demo(workdir):
        # `--dir .` in a repository would write its README.md over the repository's.
        raise DbtgateError(
            f"--dir {workdir}: not empty, and not a directory `dbtgate demo` made (it writes "
            "base/, pr/, reports/ and README.md there): give a new or empty directory"
        )
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DbtgateError(f"--dir {workdir}: cannot create it: {exc.strerror or exc}") from None


def _made_by_demo(workdir: Path) -> bool:
    """Whether an earlier demo built there (its lock is taken before anything is built, so a
    first run that failed counts too): running again gates the user's edits of its project."""
    return any((workdir / state / "fixture.lock").is_file() for state in ("base", "pr"))


def run_demo(directory: Path | None, console: Console) -> int:
    """Build base and PR, gate the PR; 0 when the demo ran (the planted problems fail the gate,
    which is the point being shown, not an error of the demo), 2 when something went wrong."""
    from dbtgate.fixture_build import build_fixture, fixtures_dir, holds_edits
    from dbtgate.report.render import FORMATS

    workdir = directory or Path(tempfile.mkdtemp(prefix="dbtgate-demo-"))
    _make_workdir(workdir)
    reports = workdir.resolve() / "reports"
    # The reports of an earlier run describe the project before its edits: gone before the
    # build, so a build that fails does not leave them to be read as this run's.
    for report in FORMATS.values():
        (reports / report.filename).unlink(missing_ok=True)
    projects = {}
    for state in ("base", "pr"):
        console.print(f"[bold]Building the demo project's {_BUILDS[state]} with dbt-duckdb[/] …")
        projects[state] = build_fixture(
            state,
            workdir,
            echo=lambda line: console.print(f"  {line}"),
            name=f"the {_BUILDS[state]}",
        )
    pr, base = projects["pr"].resolve(), projects["base"].resolve()
    # What the fixture's pull request changes and plants, for the reader of the reports.
    guide = workdir.resolve() / "README.md"
    fixture_readme = (fixtures_dir() / "README.md").read_text(encoding="utf-8")
    guide.write_text(demo_guide(fixture_readme, workdir.resolve()), encoding="utf-8")
    # Run in the PR's project folder, as an engineer would: its target/ and dbtgate.yml are found
    # there, and findings name files as the repository does (`models/marts/_marts.yml:50`).
    args = [
        "check",
        "--base",
        os.path.relpath(base / "target", pr),
        "--out",
        os.path.relpath(reports, pr),
    ]
    console.print()
    console.print(
        f"[bold]Gating the pull request:[/]\n  cd {shlex.quote(str(pr))}\n"
        f"  dbtgate {shlex.join(args)}",
        highlight=False,
    )
    console.print()
    from dbtgate.cli import ReaderGone, dispatch
    from dbtgate.report.console import reader_gone, reports_listed_after

    started_in = Path.cwd()
    os.chdir(pr)
    try:
        # The reports are listed below by paths that open from where the demo was run, not
        # from the pull request's folder the check runs in (`../../reports/gate.md`).
        with reports_listed_after():
            code = dispatch(args)
    except ReaderGone as gone:  # the gate's report met the closed pipe, its verdict reached
        code = gone.code
        reader_gone(console)
    finally:
        os.chdir(started_in)
    console.print()
    console.print(f"base build artifacts: {base / 'target'}")
    console.print(f"PR build artifacts:   {pr / 'target'}")
    console.print(f"what the PR plants:   {guide}")
    console.print(f"reports:              {reports}")
    width = max(len(str(reports / report.filename)) for report in FORMATS.values())
    for report in FORMATS.values():
        path = str(reports / report.filename)
        console.print(f"  {path:<{width}}  [dim]{report.what}[/]", highlight=False)
    edited = holds_edits(workdir, "pr")
    if code == 1 and edited:
        console.print(
            "\nThe gate failed on the pull request as you edited it: your edits, and what the"
            " demo's pull request plants (listed in its README above). In CI, `dbtgate"
            " check` exits 1 here and fails the job."
        )
    elif code == 1:
        console.print(
            "\nThe gate failed on the problems planted in the demo's pull request, as it"
            " should: in CI, `dbtgate check` exits 1 here and fails the job."
        )
    if code in (0, 1):
        again = shlex.join(["dbtgate", "demo", "--dir", str(workdir.resolve())])
        console.print(
            f"\nTry a change of your own: edit the pull request's project ({pr}: a model's SQL,"
            f" its YAML, dbtgate.yml) and run `{again}` again; what you edited is rebuilt and"
            " gated. The `fix:` commands above run in that folder.",
            highlight=False,
        )
        return 0
    return code
