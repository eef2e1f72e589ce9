"""Put the gate's report where people look: files, the job summary, annotations, the PR comment.

`dbtgate check` (and `diff`, `lint`) finish here: the JSON report and the `--format` files are
written, the markdown goes to `$GITHUB_STEP_SUMMARY`, workflow-command annotations to stdout, and
the sticky PR comment is created or updated. Publishing never changes the verdict: a PR comment
that cannot be posted (a fork's read-only token, a rate limit) is reported on stderr and the gate's
exit code stands, unless the caller said the comment is required.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TextIO

from msgspec import Struct, structs

from dbtgate.errors import DbtgateError
from dbtgate.report.options import STEP_SUMMARY_BYTES, STEP_SUMMARY_LIMIT, RenderOptions

if TYPE_CHECKING:
    from dbtgate.checks import CheckContext
    from dbtgate.gate import GateResult

ALL_FORMATS = "md,html,sarif,junit,gitlab,json"
# Annotated dispositions: what a reviewer should see on the diff. Waived, baselined and
# out-of-scope findings stay in the reports, not on the lines.
_ANNOTATED = ("blocking", "advisory")
# Below this a job summary would hold the verdict and little else: the step's other output has
# taken the room, and the summary is left out, saying so, rather than cut to nothing.
_LEAST_SUMMARY_CHARS = 4_000


class PublishRequest(Struct, frozen=True):
    json_path: Path | None = None
    out_dir: Path | None = None
    formats: list[str] | None = None
    comment: bool = False
    comment_required: bool = False
    comment_key: str | None = None
    repo: str | None = None
    pr: int | None = None
    annotations: bool | None = None  # None: on when GITHUB_ACTIONS=true
    # The project's folder in its repository (`locate.repository_folder`), in the comment's
    # marker: set once the project is found.
    comment_folder: str = ""

    def __post_init__(self) -> None:
        # Checked before the gate runs: a typo in CI flags should not cost a whole gate run.
        if self.formats is not None and self.out_dir is None:
            raise DbtgateError("--format needs --out DIR (where to write the reports)")
        if self.comment_required and not self.comment:
            raise DbtgateError("--comment-required only makes sense with --comment")
        if self.comment_key is not None and not self.comment:
            raise DbtgateError("--comment-key only makes sense with --comment")
        if self.comment_key is not None and not self.comment_key.strip():
            raise DbtgateError("--comment-key is empty: give a text that tells this gate apart")
        self._check_json_path_is_no_other_report()
        if self.repo is not None or self.pr is not None:
            from dbtgate.report.github import check_target

            check_target(self.repo, self.pr)

    def _check_json_path_is_no_other_report(self) -> None:
        """`--json reports/gate.md --out reports`: one report would overwrite the other."""
        if self.json_path is None or self.out_dir is None or str(self.json_path) == "-":
            return
        from dbtgate.report.render import FORMATS, parse_formats

        formats = self.formats or parse_formats(ALL_FORMATS)
        target = self.json_path.resolve()
        for name in formats:
            if name != "json" and (self.out_dir / FORMATS[name].filename).resolve() == target:
                raise DbtgateError(
                    f"--json {self.json_path} is where --out {self.out_dir} writes the {name} "
                    "report: one would overwrite the other; name another file"
                )

    def written_reports(self) -> list[str]:
        """Every report file this run writes, as given (from the working directory): `--out`'s
        in the order of `--format`, then `--json`'s file. The console names them in one line
        before the verdict, as `report` and `demo` name what they write; `--json -` writes no
        file."""
        paths = []
        if self.out_dir is not None:
            from dbtgate.report.render import FORMATS, parse_formats

            formats = self.formats or parse_formats(ALL_FORMATS)
            paths += [(self.out_dir / FORMATS[name].filename).as_posix() for name in formats]
        if self.json_path is not None and str(self.json_path) != "-":
            paths.append(self.json_path.as_posix())
        return list(dict.fromkeys(paths))

    def complete_reports(self) -> list[str]:
        """The files asked for that hold every finding, the HTML page first (to read), then the
        JSON report: the console names them where it prints the first findings of a group
        only. Not the markdown (cut to GitHub's size), nor SARIF (5,000 results)."""
        paths = []
        if self.out_dir is not None:
            from dbtgate.report.render import FORMATS, parse_formats

            formats = self.formats or parse_formats(ALL_FORMATS)
            paths += [
                str(self.out_dir / FORMATS[name].filename)
                for name in ("html", "json")
                if name in formats
            ]
        if self.json_path is not None and str(self.json_path) != "-":
            paths.append(str(self.json_path))
        return list(dict.fromkeys(paths))

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
    lineage = lineage_section(context.project, context.changed or (), breaking, with_outcomes=True)
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

    # The comment first: whether it was posted goes into the job summary, the step outputs and
    # the annotations (its own, if any, takes one of the ten GitHub shows of its level).
    failed: CommentFailure | None = None
    if request.comment:
        # The gate.md just written when there is one (0.2 s to render again at 48,000 findings).
        markdown = (
            written["md"].read_text(encoding="utf-8")
            if "md" in written
            else render(report, "md", options)
        )
        failed = _post_comment(report, markdown, request, environ, stderr)
    status = 2 if failed is not None and failed.required else 0

    summary_path = environ.get("GITHUB_STEP_SUMMARY", "").strip()
    if summary_path:
        note = ""
        if failed is not None:
            from dbtgate.report.escape import md_text

            note = f"\n**The PR comment was not posted**: {md_text(failed.line)}\n"
        used = _summary_used(summary_path)
        summary = _summary(report, options, STEP_SUMMARY_BYTES - used - len(note.encode()))
        if summary is None:
            stderr.write(
                f"dbtgate: the job summary was not written: {summary_path} (GITHUB_STEP_SUMMARY)"
                f" already holds {used:,} bytes of the 1 MiB GitHub shows of a step's summary;"
                " the gate reports have it all\n"
            )
        else:
            append_runner_file(summary_path, "GITHUB_STEP_SUMMARY", summary + note, stderr, environ)
    output_path = environ.get("GITHUB_OUTPUT", "").strip()
    if output_path:
        outputs = step_outputs(report, written, request, failed=status == 2)
        append_runner_file(output_path, "GITHUB_OUTPUT", outputs, stderr, environ)

    annotate = request.annotations
    if annotate is None:
        annotate = environ.get("GITHUB_ACTIONS", "").lower() == "true"
    if annotate:
        from dbtgate.report.job_annotations import JobAnnotations

        earlier = JobAnnotations.read(environ)
        taken = earlier.this_step()
        if failed is not None and failed.level:
            taken[failed.level] = taken.get(failed.level, 0) + 1
        lines = annotation_lines(report, taken, earlier.other_steps())
        for line in lines:
            stdout.write(line + "\n")
        stdout.flush()
        earlier.record(lines, stderr, also=failed.level if failed is not None else None)
    return status


class CommentFailure:
    """The PR comment that could not be posted: the line said, whether it fails the run
    (`--comment-required`), and the annotation level it was said at (None: a plain line).
    A plain class: a dataclass costs ~2 M instructions to create at every import of the
    gate's path, which this module is on."""

    __slots__ = ("level", "line", "required")

    def __init__(self, line: str, required: bool, level: str | None) -> None:
        self.line = line
        self.required = required
        self.level = level


def _summary_used(path: str) -> int:
    """The bytes a step's job summary holds already: what ran before in the step (another tool,
    a `dbtgate check` of another project in the same `run:`) counts against GitHub's 1 MiB."""
    try:
        return os.path.getsize(path)
    except OSError:  # not there yet; one that cannot be written is said when writing it
        return 0


def _summary(report: dict[str, Any], options: RenderOptions, room: int) -> str | None:
    """The job summary: the PR comment's markdown with eight times the room
    (`STEP_SUMMARY_LIMIT`), so more findings when the comment is cut, and read on the run's own
    page, so naming the run's gate.html among its artifacts where the comment links the run.
    At most `room` bytes of UTF-8: names and descriptions that are not ASCII take two to four
    bytes a character, so an over-long render is cut again in proportion. None when there is
    no room for a summary worth reading."""
    from dbtgate.report.markdown import render_markdown

    chars = min(STEP_SUMMARY_LIMIT, room)
    while chars >= _LEAST_SUMMARY_CHARS:
        summary = structs.replace(options, max_markdown_chars=chars, job_summary=True)
        text = render_markdown(report, summary) + "\n"
        size = len(text.encode("utf-8"))
        if size <= room:
            return text
        chars = min(chars - 1, chars * room // size * 39 // 40)
    return None


def step_outputs(
    report: dict[str, Any], written: dict[str, Path], request: PublishRequest, *, failed: bool
) -> str:
    """The step's outputs, for the workflow's next steps to branch on (`steps.gate.outputs.
    verdict == 'fail'`) or pick up the reports without knowing their names. A required comment
    that could not be posted (`failed`, exit 2) makes the verdict `error`, as the exit code says;
    the reports were written and keep their outputs."""
    counts = report["counts"]
    json_path = written.get("json") or request.json_path
    reports = {
        "report-json": None if str(json_path) == "-" else json_path,
        "report-html": written.get("html"),
        "report-markdown": written.get("md"),
        # The folder of every report written (--out), to upload as one artifact.
        "reports": request.out_dir if written else None,
    }
    outputs = {
        "verdict": "error" if failed else report["verdict"],
        "blocking": counts["by_disposition"].get("blocking", 0),
        "findings": counts["total"],
        # Absolute: a later step may run in another folder (the action's working-directory, a
        # monorepo's project folder).
        **{name: os.path.abspath(path) if path else "" for name, path in reports.items()},
    }
    return "".join(f"{name}={value}\n" for name, value in outputs.items())


def append_runner_file(
    path: str, variable: str, text: str, stderr: TextIO, environ: Mapping[str, str]
) -> None:
    """Append to a file the runner gave (`$GITHUB_STEP_SUMMARY`, `$GITHUB_OUTPUT`): where the job
    shows the gate, not an input of its verdict, so a failure is said and the run goes on. The
    text is scrubbed of the step's GitHub tokens (dbtgate.secrets)."""
    from dbtgate.secrets import scrub_tokens

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(scrub_tokens(text, environ))
    except OSError as exc:
        what = "step summary" if variable == "GITHUB_STEP_SUMMARY" else "step outputs"
        stderr.write(
            f"dbtgate: could not write the {what} to {path} ({variable}): "
            f"{exc.strerror or exc}; the gate's verdict is unchanged\n"
        )


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


def annotation_lines(
    report: dict[str, Any], taken: Mapping[str, int] | None = None, job_taken: int = 0
) -> list[str]:
    """The findings' annotations; `taken`: how many of each level's ten the step already used,
    `job_taken`: how many of the job's fifty its other steps did."""
    from dbtgate.report.annotations import render_annotations
    from dbtgate.report.view import path_deleted

    # The fix on a line of its own: the annotation on the PR's diff is where the author reads
    # the finding, and a lint finding's fix is a command to run (`dbtgate lint --fix ...`).
    # A file the pull request deleted has no lines on its head: the annotation is the run's
    # (GitHub links a file's annotation to the file at the commit, a 404 for a deleted one).
    items = [
        SimpleNamespace(
            **{
                **finding,
                "message": _with_fix(finding),
                **({"path": None} if path_deleted(finding) else {}),
            }
        )
        for finding in report["findings"]
        if finding["disposition"] in _ANNOTATED
    ]
    return render_annotations(
        items,
        full_report="the job summary and the gate reports",
        taken=taken or {},
        job_taken=job_taken,
    )


def _with_fix(finding: dict[str, Any]) -> str:
    fix = finding.get("fix")
    return f"{finding['message']}\nfix: {fix}" if fix else finding["message"]


def _post_comment(
    report: dict[str, Any],
    markdown: str,
    request: PublishRequest,
    environ: Mapping[str, str],
    stderr: TextIO,
) -> CommentFailure | None:
    from dbtgate.report.github import (
        NoPullRequest,
        comment_focus,
        comment_marker,
        github_context_from_env,
        post_sticky_comment,
    )

    try:
        context = github_context_from_env(environ, repo=request.repo, pr=request.pr)
        inputs = report["inputs"]
        focus = comment_focus(inputs.get("select"), inputs.get("exclude"), request.comment_key)
        folder = request.comment_folder
        marker = comment_marker(report["project"], focus, folder)
        # The comment a dbtgate before the folder was in the marker wrote: taken over, not doubled.
        earlier = comment_marker(report["project"], focus) if folder else None
        body = f"{marker}\n{markdown}"
        result = post_sticky_comment(context, marker, body, earlier_marker=earlier)
    except DbtgateError as exc:
        if isinstance(exc, NoPullRequest) and not request.comment_required:
            # A push to main gated by a workflow that comments on its pull requests: no failure.
            stderr.write(f"dbtgate: no PR comment: {exc}\n")
            return None
        consequence = (
            "failing the run (--comment-required)"
            if request.comment_required
            else "the gate's verdict is unchanged"
        )
        line = f"could not post the PR comment: {exc}; {consequence}"
        level = say_comment_failure(line, exc, request.comment_required, environ, stderr)
        return CommentFailure(line, request.comment_required, level)
    stderr.write(f"dbtgate: {result.describe()}\n")
    for left in result.duplicates_left:
        stderr.write(f"dbtgate: warning: {left}\n")
    return None


def say_comment_failure(
    line: str, exc: DbtgateError, required: bool, environ: Mapping[str, str], stderr: TextIO
) -> str | None:
    """Say why the PR comment was not posted; returns the annotation level it was said at, or
    None for a plain line. The comment goes on showing an earlier push's verdict: in GitHub
    Actions that is an annotation on the run, where whoever maintains the workflow looks (a
    permission to grant, an expired token, GitHub down), not a line among the log's; an error
    one when the comment is required. A fork's read-only token is no such mistake (GitHub
    means it so): a plain line."""
    from dbtgate.report.github import CommentError

    fork = isinstance(exc, CommentError) and exc.fork
    if fork or environ.get("GITHUB_ACTIONS", "").lower() != "true":
        stderr.write(f"dbtgate: {line}\n")
        return None
    from dbtgate.report.annotations import format_annotation

    level = "error" if required else "warning"
    stderr.write(format_annotation(level, line, title="dbtgate: PR comment not posted") + "\n")
    return level
