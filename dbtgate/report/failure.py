"""What a CI run shows when `dbtgate check` stops with an error (exit 2) instead of a verdict.

The sticky comment, the job summary and the step outputs are where a pull request's reviewers
read the gate. Left alone after an error (a manifest dbt could not write because the change broke
parsing, a typo in dbtgate.yml), they go on showing the verdict of an earlier push: a green PASS
over a red job. So the error replaces them: the comment says the gate could not run at this
commit and why, the summary says the same, and the `verdict` output is `error`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from msgspec.structs import replace

from dbtgate.errors import DbtgateError
from dbtgate.report.escape import md_code, md_text, md_text_code, md_url
from dbtgate.report.options import RenderOptions
from dbtgate.secrets import scrub_tokens

ERROR_VERDICT = "error"


def error_markdown(
    project: str | None, message: str, options: RenderOptions, key: str | None = None
) -> str:
    """The comment and summary of a gate that could not run: the error, the commit, the run."""
    icon = "⚠️ " if options.emoji else ""
    named = [md_text(text) for text in (project, key) if text and text.strip()]
    of_project = f" (dbt project {', '.join(named)})" if project else ""
    commit = ""
    if options.commit:
        short = md_code(options.commit[:7])
        commit = f"[{short}]({md_url(options.commit_url)})" if options.commit_url else short
        commit = f" at {commit}"
    run = "the job's log"
    if options.full_report_url and not options.job_summary:  # the summary is on the run's page
        run = f"the [run's log]({md_url(options.full_report_url)})"
    return (
        f"### {icon}dbtgate: ERROR, no verdict{of_project}\n\n"
        f"The gate could not run{commit}:\n\n"
        f"> {md_text_code(message)}\n\n"
        "Nothing was checked, so there is no verdict, and an earlier one no longer applies. "
        f"Fix the error and push again; {run} has the details.\n"
    )


def publish_error(
    message: str,
    *,
    project: str | None,
    key: str | None,
    focus: str,
    comment: bool,
    folder: str = "",
    repo: str | None,
    pr: int | None,
    options: RenderOptions,
    environ: Mapping[str, str],
    stderr: TextIO,
) -> None:
    """Say in the job summary, the step outputs and (with `comment`) the sticky comment that the
    gate stopped with `message`. Never raises: the error itself is what the run reports, and
    what could not be said here is one line on `stderr`. `folder`: the project's folder from
    the repository's root, as in the verdict's comment (`github.comment_marker`)."""
    from dbtgate.report.publish import append_runner_file

    # dbt's own output may be in the message (a failed `dbt parse` of the base): never a token.
    message = scrub_tokens(message, environ)
    markdown = error_markdown(project, message, options, key)
    summary_path = environ.get("GITHUB_STEP_SUMMARY", "").strip()
    if summary_path:
        summary = error_markdown(project, message, replace(options, job_summary=True), key)
        append_runner_file(summary_path, "GITHUB_STEP_SUMMARY", summary + "\n", stderr, environ)
    output_path = environ.get("GITHUB_OUTPUT", "").strip()
    if output_path:
        outputs = f"verdict={ERROR_VERDICT}\n"
        append_runner_file(output_path, "GITHUB_OUTPUT", outputs, stderr, environ)
    if comment:
        _comment_error(markdown, project, focus, folder, repo, pr, environ, stderr)


def _comment_error(
    markdown: str,
    project: str | None,
    focus: str,
    folder: str,
    repo: str | None,
    pr: int | None,
    environ: Mapping[str, str],
    stderr: TextIO,
) -> None:
    """Put the error in the sticky comment, or say in one line why not: a push's run has no pull
    request (said first: the project's name it may lack would not matter)."""
    from dbtgate.report.github import (
        NoPullRequest,
        comment_marker,
        github_context_from_env,
        post_sticky_comment,
    )

    try:
        context = github_context_from_env(environ, repo=repo, pr=pr)
    except NoPullRequest as exc:
        stderr.write(f"dbtgate: no PR comment: {exc}\n")
        return
    except DbtgateError as exc:
        stderr.write(f"dbtgate: could not post the error to the PR comment: {exc}\n")
        return
    if not project:
        stderr.write(
            "dbtgate: the PR comment was not updated: the dbt project's name is unknown (no "
            "manifest, no dbt_project.yml), so its comment cannot be found\n"
        )
        return
    try:
        marker = comment_marker(project, focus, folder)
        earlier = comment_marker(project, focus) if folder else None
        body = f"{marker}\n{markdown}"
        result = post_sticky_comment(context, marker, body, earlier_marker=earlier)
    except DbtgateError as exc:
        from dbtgate.report.publish import say_comment_failure

        # The comment goes on showing an earlier push's verdict: a permission to grant is as
        # much the admin's to read on the run as on a run with a verdict.
        line = f"could not post the error to the PR comment: {exc}"
        say_comment_failure(line, exc, False, environ, stderr)
        return
    stderr.write(f"dbtgate: {result.describe(' with the error')}\n")
    for left in result.duplicates_left:
        stderr.write(f"dbtgate: warning: {left}\n")
