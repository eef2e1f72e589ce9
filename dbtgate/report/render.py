"""Format names to renderers: the one table `check`, `diff`, `lint` and `report` share.

Every renderer takes the JSON report dict (never live gate objects), so a saved report re-renders
to any format later and all commands write the same files for the same `--format` list.
Renderers are imported only for the formats asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbtgate.errors import DbtgateError
from dbtgate.report.options import RenderOptions

Renderer = Callable[[dict[str, Any], RenderOptions], str]


@dataclass(frozen=True)
class Format:
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


def parse_formats(text: str) -> list[str]:
    """`"md, html,sarif"` -> ["md", "html", "sarif"]; an unknown name is a usage error."""
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
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


def write_reports(
    report: dict[str, Any],
    formats: list[str],
    out_dir: Path,
    options: RenderOptions | None = None,
) -> dict[str, Path]:
    """Render each format into `out_dir` under its conventional file name; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in formats:
        path = out_dir / FORMATS[name].filename
        path.write_text(render(report, name, options), encoding="utf-8")
        written[name] = path
    return written


def render_json(report: dict[str, Any], options: RenderOptions | None = None) -> str:
    from dbtgate.report.json_report import encode_report

    return encode_report(report).decode()
