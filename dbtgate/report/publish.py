"""Put the gate's report where people look: files, the job summary, annotations, the PR comment.

`dbtgate check` (and `diff`, `lint`) finish here: the JSON report and the `--format` files are
written, the markdown goes to `$GITHUB_STEP_SUMMARY`, workflow-command annotations to stdout, and
the sticky PR comment is created or updated. Publishing never changes the verdict: a PR comment
that cannot be posted (a fork's read-only token, a rate limit) is reported on stderr and the gate's
exit code stands, unless the caller said the comment is required.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TextIO

from dbtgate.errors import DbtgateError
from dbtgate.report.options import RenderOptions

if TYPE_CHECKING:
    from dbtgate.checks import CheckContext
    from dbtgate.gate import GateResult

ALL_FORMATS = "md,html,sarif,junit,gitlab,json"
# Annotated dispositions: what a reviewer should see on the diff. Waived, baselined and
# out-of-scope findings stay in the reports, not on the lines.
_ANNOTATED = ("blocking", "advisory")


@dataclass(frozen=True)
class PublishRequest:
    json_path: Path | None = None
    out_dir: Path | None = None
    formats: list[str] | None = None
    comment: bool = False
    comment_required: bool = False
    repo: str | None = None
    pr: int | None = None
    annotations: bool | None = None  # None: on when GITHUB_ACTIONS=true

    def __post_init__(self) -> None:
        # Checked before the gate runs: a typo in CI flags should not cost a whole gate run.
        if self.formats is not None and self.out_dir is None:
            raise DbtgateError("--format needs --out DIR (where to write the reports)")
        if self.comment_required and not self.comment:
            raise DbtgateError("--comment-required only makes sense with --comment")
        if self.repo is not None or self.pr is not None:
            from dbtgate.report.github import check_target

            check_target(self.repo, self.pr)

    def wanted(self, environ: Mapping[str, str]) -> bool:
        """Whether anything is to be published: the report is not built for nothing (at 10,000
        models building it costs as much as running the policies)."""
        annotate = self.annotations
        if annotate is None:
            annotate = environ.get("GITHUB_ACTIONS", "").lower() == "true"
        summary = environ.get("GITHUB_STEP_SUMMARY", "").strip()
        return bool(self.json_path or self.out_dir or self.comment or annotate or summary)


def gate_report(result: GateResult, context: CheckContext) -> dict[str, Any]:
    """The report dict of a gate run, with the lineage of what changed drawn from the project."""
    from dbtgate.report.json_report import report_dict
    from dbtgate.report.lineage import lineage_section

    breaking = {f.unique_id for f in result.findings if f.family == "breaking" and f.unique_id}
    lineage = lineage_section(context.project, context.changed or (), breaking)
    if lineage is not None:
        result.sections["lineage"] = lineage
    return report_dict(result)


def publish(
    report: dict[str, Any],
    request: PublishRequest,
    options: RenderOptions,
    environ: Mapping[str, str],
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Write and post everything asked for; returns 2 when a required comment failed, else 0."""
    stderr = stderr or sys.stderr
    # With `--json -` standard output carries the report alone; GitHub reads workflow commands
    # (the annotations) from standard error too.
    from dbtgate.report.json_report import TO_STDOUT
    from dbtgate.report.render import render

    stdout = stderr if request.json_path == TO_STDOUT else stdout or sys.stdout

    written = write_files(report, request, options)

    summary_path = environ.get("GITHUB_STEP_SUMMARY", "").strip()
    markdown = None
    if summary_path or request.comment:
        # The gate.md just written when there is one (0.2 s to render again at 48,000 findings).
        markdown = (
            written["md"].read_text(encoding="utf-8")
            if "md" in written
            else render(report, "md", options)
        )
    if summary_path:
        try:
            with open(summary_path, "a", encoding="utf-8") as summary:
                summary.write(markdown + "\n")
        except OSError as exc:  # the job's summary, not the verdict's input: said, and go on
            reason = exc.strerror or exc
            stderr.write(
                f"dbtgate: could not write the step summary to {summary_path} "
                f"(GITHUB_STEP_SUMMARY): {reason}; the gate's verdict is unchanged\n"
            )

    annotate = request.annotations
    if annotate is None:
        annotate = environ.get("GITHUB_ACTIONS", "").lower() == "true"
    if annotate:
        for line in annotation_lines(report):
            stdout.write(line + "\n")
        stdout.flush()

    if request.comment:
        return _post_comment(report, markdown or "", request, environ, stderr)
    return 0


def write_files(
    report: dict[str, Any], request: PublishRequest, options: RenderOptions
) -> dict[str, Path]:
    """The report files alone (`--json`, `--out`/`--format`): what `diff` and `lint` write too.
    Returns the paths written into `--out` by format."""
    from dbtgate.report.render import parse_formats, write_reports

    if request.json_path is not None:
        from dbtgate.report.json_report import write_json_report

        write_json_report(report, request.json_path)
    if request.out_dir is None:
        return {}
    formats = request.formats or parse_formats(ALL_FORMATS)
    return write_reports(report, formats, request.out_dir, options)


def annotation_lines(report: dict[str, Any]) -> list[str]:
    from dbtgate.report.annotations import render_annotations

    items = [
        SimpleNamespace(**finding)
        for finding in report["findings"]
        if finding["disposition"] in _ANNOTATED
    ]
    return render_annotations(items, full_report="the job summary and the gate reports")


def _post_comment(
    report: dict[str, Any],
    markdown: str,
    request: PublishRequest,
    environ: Mapping[str, str],
    stderr: TextIO,
) -> int:
    from dbtgate.report.github import (
        comment_marker,
        github_context_from_env,
        post_sticky_comment,
    )

    try:
        context = github_context_from_env(environ, repo=request.repo, pr=request.pr)
        marker = comment_marker(report["project"])
        result = post_sticky_comment(context, marker, f"{marker}\n{markdown}")
    except DbtgateError as exc:
        consequence = (
            "failing the run (--comment-required)"
            if request.comment_required
            else "the gate's verdict is unchanged"
        )
        stderr.write(f"dbtgate: could not post the PR comment: {exc}; {consequence}\n")
        return 2 if request.comment_required else 0
    where = f": {result.html_url}" if result.html_url else ""
    stderr.write(f"dbtgate: PR comment {result.action}{where}\n")
    return 0
