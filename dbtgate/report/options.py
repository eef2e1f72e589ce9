"""How a report is rendered, beyond the gate report itself: links, size limit, emoji.

A report links each finding to its file and line on the PR head, so a reviewer lands on the line to
fix. Where those files live is not part of the gate result: it comes from `--repo-url`, or from the
GitHub Actions environment (server, repository, and the PR head sha from the event payload;
GITHUB_SHA on a pull_request event is a temporary merge commit).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct, structs

from dbtgate.github_event import read_event

# GitHub refuses comments longer than this; room is left for the sticky comment's marker.
GITHUB_COMMENT_LIMIT = 65_536
MARKDOWN_LIMIT = GITHUB_COMMENT_LIMIT - 512
# A step's job summary may hold 1 MiB of UTF-8, all it was given in that step (what ran before
# dbtgate in the same `run:` too); over it GitHub shows none of it, only an error. The summary
# is cut to the room left (`publish`), and to at most half a MiB in characters: more would take
# longer to render than it is worth reading.
STEP_SUMMARY_BYTES = 1024 * 1024
STEP_SUMMARY_LIMIT = STEP_SUMMARY_BYTES // 2


class RenderOptions(Struct, frozen=True):
    # Base of file links, e.g. https://github.com/acme/shop/blob/<sha>; None: no links.
    blob_url: str | None = None
    # The same at the base commit, for a file the pull request deleted (`at_base`); None: no
    # link to such a file (the PR head's would be a 404).
    base_blob_url: str | None = None
    # The pull request's base commit from the GitHub event: where a deleted file still is when
    # the base build was given as a directory (a downloaded artifact), which names no commit.
    event_base_sha: str | None = None
    # Where the complete report can be read (the Actions run with its artifacts), if known.
    full_report_url: str | None = None
    # The markdown is the job summary, read on that run's own page: it names the run's gate.html
    # by where the page shows it (its artifacts), where the PR comment links the run.
    job_summary: bool = False
    emoji: bool = False
    max_markdown_chars: int = MARKDOWN_LIMIT
    # The commit gated (the PR head in GitHub Actions) and its page: the sticky comment names it,
    # so a comment left from an earlier push (a later run failed before posting) reads as such.
    commit: str | None = None
    commit_url: str | None = None


def render_options(
    environ: Mapping[str, str], *, repo_url: str | None = None, emoji: bool = False
) -> RenderOptions:
    """Options from `--repo-url` (a repository or a `/blob/<ref>` URL) and the Actions environment."""
    server = environ.get("GITHUB_SERVER_URL", "").rstrip("/") or "https://github.com"
    repository = environ.get("GITHUB_REPOSITORY", "").strip()
    sha = head_sha(environ)
    blob_url = None
    if repo_url:
        repo_url = repo_url.rstrip("/")
        blob_url = repo_url if "/blob/" in repo_url else f"{repo_url}/blob/{sha or 'HEAD'}"
    elif repository and sha:
        blob_url = f"{server}/{repository}/blob/{sha}"
    run_id = environ.get("GITHUB_RUN_ID", "").strip()
    run_url = f"{server}/{repository}/actions/runs/{run_id}" if repository and run_id else None
    commit_url = f"{server}/{repository}/commit/{sha}" if repository and sha else None
    return RenderOptions(
        blob_url=blob_url,
        event_base_sha=_event_sha(environ, "base"),
        full_report_url=run_url,
        emoji=emoji,
        commit=sha,
        commit_url=commit_url,
    )


def head_sha(environ: Mapping[str, str]) -> str | None:
    """The PR head commit from the event payload, else GITHUB_SHA. Links are a convenience:
    an event that cannot be read means no head sha, not a failed gate (`check` and `diff`
    warn of it once, where they read the labels)."""
    return _event_sha(environ, "head") or environ.get("GITHUB_SHA", "").strip() or None


def _event_sha(environ: Mapping[str, str], side: str) -> str | None:
    """`pull_request.<side>.sha` of the event payload (`head` or `base`), if it has one."""
    pull_request = read_event(environ).payload.get("pull_request")
    if isinstance(pull_request, dict):
        found = pull_request.get(side)
        if isinstance(found, dict) and isinstance(found.get("sha"), str) and found["sha"]:
            return found["sha"]
    return None


def at_base(options: RenderOptions, report: dict[str, Any]) -> RenderOptions:
    """`options` with links to the base commit the report was compared with (`inputs.base_ref`:
    `--base REF`, the commit dbt parsed), where a file the pull request deleted still is. A base
    build given as a directory names no commit: on a pull request, its base commit from the
    event stands in (the branch the base build is made from); elsewhere such a file gets no
    link."""
    base_ref = report.get("inputs", {}).get("base_ref")
    sha = base_ref.get("sha") if isinstance(base_ref, dict) else None
    sha = sha or options.event_base_sha
    if not options.blob_url or not isinstance(sha, str) or not sha:
        return options
    repository = options.blob_url.rsplit("/blob/", 1)[0]
    return structs.replace(options, base_blob_url=f"{repository}/blob/{sha}")
