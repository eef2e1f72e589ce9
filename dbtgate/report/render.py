"""Format names to renderers: the one table `check`, `diff`, `lint` and `report` share.

Every renderer takes the JSON report dict (never live gate objects), so a saved report re-renders
to any format later and all commands write the same files for the same `--format` list.
Renderers are imported only for the formats asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from msgspec import Struct

from dbtgate.errors import DbtgateError
from dbtgate.report.options import RenderOptions

Renderer = Callable[[dict[str, Any], RenderOptions], str]


class Format(Struct, frozen=True):
    name: str
    filename: str
    module: str
    function: str
    what: str  # for the reader of a list of written files

    def renderer(self) -> Renderer:
        return getattr(importlib.import_module(self.module), self.function)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "md",
            "gate.md",
            "dbtgate.report.markdown",
            "render_markdown",
            "the PR comment and job summary (markdown)",
        ),
        Format(
            "html",
            "gate.html",
            "dbtgate.report.html",
            "render_html",
            "the gate report for release managers: open it in a browser",
        ),
        Format(
            "sarif",
            "gate.sarif",
            "dbtgate.report.sarif",
            "render_sarif",
            "SARIF 2.1.0 for code scanning",
        ),
        Format(
            "junit",
            "gate-junit.xml",
            "dbtgate.report.junit",
            "render_junit",
            "JUnit XML for CI test tabs",
        ),
        Format(
            "gitlab",
            "gl-code-quality-report.json",
            "dbtgate.report.gitlab",
            "render_gitlab",
            "GitLab code quality",
        ),
        Format(
            "json",
            "gate.json",
            "dbtgate.report.render",
            "render_json",
            "the JSON gate report (`dbtgate report` renders the others from it)",
        ),
    )
}


# Names a user types for a format that has a shorter one: `--format markdown` was refused.
_FORMAT_ALIASES = {"markdown": "md", "xml": "junit"}


def parse_formats(text: str) -> list[str]:
    """`"md, html,sarif"` -> ["md", "html", "sarif"] (`markdown` for md, `xml` for junit); an
    unknown name is a usage error."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    names = [_FORMAT_ALIASES.get(name, name) for name in names]
    if not names:
        raise DbtgateError(f"--format: no format given (choose from {', '.join(FORMATS)})")
    unknown = [name for name in names if name not in FORMATS]
    if unknown:
        raise DbtgateError(
            f"--format: unknown format {', '.join(unknown)} (choose from {', '.join(FORMATS)})"
        )
    return list(dict.fromkeys(names))


def render(report: dict[str, Any], name: str, options: RenderOptions | None = None) -> str:
    return FORMATS[name].renderer()(report, options or RenderOptions())


# Below this many findings all formats render in well under a second: not worth a fork.
PARALLEL_MIN_FINDINGS = 2000
# What each format costs to render and write, relative to the others (measured in process at
# 48,655 findings on 2026-12-03: HTML 1.2 s, JUnit 0.56 s, GitLab 0.2 s, JSON 0.17 s, markdown
# 0.19 s, SARIF 0.08 s): the two processes get about the same share, HTML and SARIF here.
_COST = {"html": 12, "junit": 6, "gitlab": 2, "json": 2, "md": 2, "sarif": 1}


def unlink_symlink(path: Path) -> None:
    """A report is written as a file of its own, never through a symbolic link: in CI the
    output folder is in the pull request's checkout, which may hold a link named like a report
    pointing at any file the job can write."""
    if path.is_symlink():
        path.unlink()


def write_report_file(path: Path, data: bytes) -> None:
    """Write a report; a disk that is full or read-only is one line naming the file (the
    OSError of a write names none)."""
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DbtgateError(f"{path}: cannot write the report: {exc.strerror or exc}") from None


def make_report_dir(given: Path, option: str, *, parent: bool = False) -> None:
    """Create the folder a report goes into (`given`, or with `parent` the folder of the file
    `given`), or say in one line, as `_check_output` words the cases it sees first, which
    option named it and why it cannot be made (`--out /proc/x: cannot create the folder: No
    such file or directory`): mkdir's own error named a path and no option."""
    directory = given.parent if parent else given
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        folder = f"the folder {directory}" if parent else "the folder"
        reason = exc.strerror or str(exc)
        raise DbtgateError(f"{option} {given}: cannot create {folder}: {reason}") from None


def write_reports(
    report: dict[str, Any],
    formats: list[str],
    out_dir: Path,
    options: RenderOptions | None = None,
) -> dict[str, Path]:
    """Render each format into `out_dir` under its conventional file name; returns the paths.

    For a large report on a machine with two cores or more, a forked child renders about half
    of the formats (by cost) while this process renders the rest (`dbtgate.forked`)."""
    from dbtgate import forked

    make_report_dir(out_dir, "--out")
    paths = {name: out_dir / FORMATS[name].filename for name in formats}

    def write(names: list[str]) -> None:
        for name in names:
            unlink_symlink(paths[name])
            write_report_file(paths[name], render(report, name, options).encode("utf-8"))

    here, there = list(formats), []
    if len(report["findings"]) >= PARALLEL_MIN_FINDINGS and len(formats) > 1 and forked.can_fork():
        here, there = _halves(formats)
    with forked.alongside((lambda: write(there)) if there else None):
        write(here)
    return paths


def _halves(formats: list[str]) -> tuple[list[str], list[str]]:
    """Two lists of formats of about equal cost (the costliest first, each to the lighter)."""
    halves: tuple[list[str], list[str]] = ([], [])
    totals = [0, 0]
    for name in sorted(formats, key=lambda n: -_COST[n]):
        lighter = 0 if totals[0] <= totals[1] else 1
        halves[lighter].append(name)
        totals[lighter] += _COST[name]
    return halves


def render_json(report: dict[str, Any], options: RenderOptions | None = None) -> str:
    from dbtgate.report.json_report import encode_report

    return encode_report(report).decode()
