"""The sticky PR comment: one comment per project, found by a hidden marker and updated in place;
and a pull request's labels, read through the same client for a merge queue's run.

A gate that posts a new comment on every push buries the conversation, so the comment carries an
HTML-comment marker (`<!-- dbtgate:<project> -->`) and later runs edit that comment instead. This
talks to the GitHub REST API with the standard library only (urllib), reads the repository, PR
number and token from the Actions environment, and turns every failure into a one-line
`CommentError` that says what to fix. The token goes in the Authorization header and nowhere else:
it is scrubbed from any text GitHub sends back before that text reaches a message.
"""

from __future__ import annotations

import http.client
import json
import re
import string
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from email.message import Message
from typing import IO, Any, Literal
from urllib.parse import quote, urlsplit

from dbtgate import __version__
from dbtgate.errors import DbtgateError
from dbtgate.github_event import Event, read_event
from dbtgate.secrets import scrub_tokens

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_SERVER_URL = "https://github.com"
# GitHub rejects longer comment bodies with a 422; the markdown renderer truncates before this.
MAX_COMMENT_CHARS = 65_536
DEFAULT_TIMEOUT = 10.0
# Secondary rate limits ask to wait (Retry-After); waiting longer than this would stall the job.
DEFAULT_MAX_RETRY_WAIT = 10.0
# The events whose payload names a pull request (an issue comment's, when the issue is one).
_EVENTS_OF_A_PULL_REQUEST = (
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
)
_PR_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
# What the comment marker holds as it is (`_marker_text`): project-name characters, and those of
# dbt selectors and `--comment-key` texts in the focus part.
_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "_.-")
_FOCUS_CHARS = _NAME_CHARS | frozenset(":=+,*@/ ")
# A project's folder (`path=`): name characters and `/`; a space is encoded, as it parts the
# marker's words.
_PATH_CHARS = _NAME_CHARS | frozenset("/")
# Answers of a gateway or an overloaded server, retried once for a request safe to repeat; and
# GitHub's 500, which it answers now and then to a request that then succeeds (Octokit's retry
# plugin retries every status but 400, 401, 403, 404, 422 and 451).
_PASSING_ERRORS = (500, 502, 503, 504)
_IDEMPOTENT = ("GET", "PATCH", "DELETE")
_PASSING_ERROR_WAIT = 2.0
# Personal access tokens (classic, fine-grained): their scopes, not a workflow's `permissions:`,
# say what they may do. The Actions and App installation tokens start with `ghs_`.
_PERSONAL_TOKEN_PREFIXES = ("ghp_", "github_pat_")


class NoPullRequest(DbtgateError):
    """The run is of no pull request (a push to main gated with the action's `comment: true`):
    there is nothing to comment on, which is no failed comment."""


class CommentError(DbtgateError):
    """Posting or updating the PR comment failed (permissions, not found, rate limit, network)."""

    def __init__(self, message: str, *, refused: bool = False, fork: bool = False) -> None:
        super().__init__(message)
        # GitHub refused the token the permission (HTTP 403, not a rate limit).
        self.refused = refused
        # Refused because the pull request is a fork's, whose runs get a read-only token: as
        # GitHub means it, not a mistake anyone can fix in the workflow.
        self.fork = fork


@dataclass(frozen=True)
class GitHubContext:
    """Where the comment goes and the credentials to put it there."""

    repository: str
    pr_number: int
    token: str = field(repr=False)
    api_url: str = DEFAULT_API_URL
    sha: str | None = None
    server_url: str = DEFAULT_SERVER_URL
    run_url: str | None = None
    # The pull request's head as the event that started the run saw it: the commit gated. Set,
    # the comment is left alone once the pull request has moved on (`post_sticky_comment`).
    event_head_sha: str | None = None
    # Whether the token is a fork's read-only one, as the event tells (`_read_only`): True for
    # a `pull_request` run of a fork's pull request, False for a branch of the repository (the
    # workflow's `permissions:` decide), None when the event does not say (no payload, `--pr`).
    read_only: bool | None = None
    # The fork (`owner/name`) a read-only token's pull request comes from; None otherwise, and
    # for a fork since deleted (GitHub then sends no head repository).
    fork: str | None = None
    # This run of the workflow, (GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT): GitHub numbers runs in the
    # order they start, and a re-run keeps its run's number with the next attempt, so the
    # larger pair is the later run. Stamped into the comment (`_run_stamp`) so that of two runs
    # racing, the later one's verdict is the one left; None outside Actions (always written).
    run: tuple[int, int] | None = None


@dataclass(frozen=True)
class CommentResult:
    """What `post_sticky_comment` did."""

    action: Literal["created", "updated", "unchanged", "superseded"]
    comment_id: int | None
    html_url: str
    # For "superseded": the pull request's head now, a newer commit than the one gated.
    newer_head: str | None = None
    # For "superseded": the later run of the workflow whose verdict the comment shows.
    newer_run: tuple[int, int] | None = None
    # Further comments of ours with the same marker (runs that posted at the same instant):
    # how many were deleted, and why each of the others was not, or could not be looked for
    # (warnings for the log).
    duplicates_deleted: int = 0
    duplicates_left: tuple[str, ...] = ()

    def describe(self, what: str = "") -> str:
        """The line the run's log gets, e.g. `PR comment updated: <url>`; `what` says what the
        comment holds (` with the error`)."""
        if self.action == "superseded" and self.newer_run is None:
            return (
                f"PR comment left as it is: the pull request's head is now "
                f"{(self.newer_head or '')[:7]}, newer than the commit this run gated (a re-run "
                "of an earlier push, or a push while it ran); the newer commit's gate writes it"
            )
        where = f": {self.html_url}" if self.html_url else ""
        deleted = self.duplicates_deleted
        copies = f"{deleted} duplicate{'s' if deleted > 1 else ''}"
        also = f" ({copies} posted by runs at the same instant deleted)" if deleted else ""
        if self.action == "superseded" and self.newer_run is not None:
            run_id, attempt = self.newer_run
            return (
                f"PR comment left with the verdict of a later run of the workflow (run {run_id}, "
                f"attempt {attempt}), which wrote it while this one ran{where}{also}"
            )
        return f"PR comment {self.action}{what}{where}{also}"


def check_target(repository: str | None, pr: int | None) -> None:
    """A repository (`owner/name`) and pull request number (positive) that can be commented on:
    checked before the gate runs when they come as flags (a typo must not cost a gate run)."""
    if repository is not None and not _REPOSITORY.match(repository):
        raise DbtgateError(f"repository must look like owner/name, got {repository!r}")
    if pr is not None and (isinstance(pr, bool) or not isinstance(pr, int) or pr < 1):
        raise DbtgateError(f"pull request number must be a positive integer, got {pr!r}")


def github_context_from_env(
    environ: Mapping[str, str], *, repo: str | None = None, pr: int | None = None
) -> GitHubContext:
    """Build the context from the GitHub Actions environment; `repo`/`pr` (flags) win over it.

    The PR number comes from the flag, else the event payload at GITHUB_EVENT_PATH
    (`pull_request.number`, `number`, or an issue comment's `issue.number`), else GITHUB_REF
    (`refs/pull/N/merge`). The sha is the PR head's from the event when there is one: GITHUB_SHA
    on a pull_request event is the temporary merge commit, which file links should not point at.
    """
    # The pull request first: a push's run has none, and then no token or repository is missing.
    read = read_event(environ)
    event = read.payload
    number = comment_pull_request(environ, pr, read)
    head = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
    # The event's head and origin are of the event's pull request, not of another one `--pr`
    # names.
    own_event = _pr_from_event(event) == number
    read_only = _read_only(head, environ) if own_event else None
    if read_only and not environ.get("GITHUB_TOKEN", "").strip():
        # `token: ${{ secrets.BOT_TOKEN }}`: a fork's run gets no secrets, as GitHub means it.
        raise CommentError(
            f"the pull request comes from {_fork_named(_repo_name(head, 'head'))}, whose runs "
            "GitHub gives no secrets: GITHUB_TOKEN is empty; the verdict is in the job summary "
            "and the job's status",
            fork=True,
        )
    token = _token(environ, "post the PR comment")
    repository = (repo or environ.get("GITHUB_REPOSITORY", "")).strip()
    if not repository:
        raise DbtgateError(
            "no repository for the PR comment: set GITHUB_REPOSITORY or pass --repo owner/name"
        )
    check_target(repository, None)

    server_url = environ.get("GITHUB_SERVER_URL", "").rstrip("/") or DEFAULT_SERVER_URL
    run_id = environ.get("GITHUB_RUN_ID", "").strip()
    attempt = environ.get("GITHUB_RUN_ATTEMPT", "").strip() or "1"
    head_sha = head.get("head", {}).get("sha") if isinstance(head.get("head"), dict) else None
    head_sha = head_sha if isinstance(head_sha, str) and head_sha else None
    return GitHubContext(
        repository=repository,
        pr_number=number,
        token=token,
        api_url=_api_url(environ, token),
        sha=head_sha or environ.get("GITHUB_SHA") or None,
        server_url=server_url,
        run_url=f"{server_url}/{repository}/actions/runs/{run_id}" if run_id else None,
        event_head_sha=head_sha if own_event else None,
        read_only=read_only,
        fork=_repo_name(head, "head") if read_only else None,
        run=(int(run_id), int(attempt)) if run_id.isdigit() and attempt.isdigit() else None,
    )


def _token(environ: Mapping[str, str], purpose: str) -> str:
    """GITHUB_TOKEN, which every call to the API needs; unset or blank, an error saying what it
    was needed for (`purpose`: `post the PR comment`) and how a workflow sets it."""
    token = environ.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise DbtgateError(
            f"no GitHub token to {purpose}: set GITHUB_TOKEN (in a workflow: `env: GITHUB_TOKEN:"
            " ${{ github.token }}`; the dbtgate action's `token` input sets it, the job's own"
            " token unless the input names a secret that is empty)"
        )
    return token


def _api_url(environ: Mapping[str, str], token: str) -> str:
    """GITHUB_API_URL (GitHub Enterprise's `https://ghe.example.com/api/v3`), or github.com's.
    Checked here, where a mistake is one line saying the comment was not posted: urllib takes
    `api.github.com` without a scheme, or a space in the host, for a bug (an internal error)."""
    url = environ.get("GITHUB_API_URL", "").strip().rstrip("/")
    if not url:
        return DEFAULT_API_URL
    try:
        parts = urlsplit(url)
        # `.port` raises for a port that is no number or out of range.
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # that, or a bracketed host left open
        usable = False
    if usable and not any(char.isspace() or ord(char) < 32 for char in url):
        return url
    shown = scrub_tokens(url, environ, token)
    raise DbtgateError(
        f"GITHUB_API_URL={shown!r} is not the http(s) URL of a GitHub API (e.g."
        " https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server)"
    )


def comment_pull_request(
    environ: Mapping[str, str], pr: int | None = None, event: Event | None = None
) -> int:
    """The number of the pull request to comment on: `pr` (--pr), else the event payload's,
    else GITHUB_REF's (`refs/pull/N/merge`). A run of no pull request (a push) raises
    NoPullRequest, which is no failure. A run of a pull request's event (or of no named one)
    whose payload is missing or unreadable (GITHUB_EVENT_PATH), with no number from
    GITHUB_REF, raises a plain DbtgateError naming what is missing and the flag that gives
    it: the comment was asked for and cannot be posted, which `check --comment` says before
    the gate runs."""
    if pr is not None:
        check_target(None, pr)
        return pr
    event = read_event(environ) if event is None else event
    number = _pr_from_event(event.payload) or _pr_from_ref(environ)
    if number is not None:
        return number
    event_name = environ.get("GITHUB_EVENT_NAME", "").strip()
    if event.missing and (event_name in _EVENTS_OF_A_PULL_REQUEST or not event_name):
        raise DbtgateError(
            f"no pull request number for the PR comment: {event.missing}, and GITHUB_REF names "
            "no pull request: pass --pr N (in a workflow: "
            "`--pr ${{ github.event.pull_request.number }}`)"
        )
    raise NoPullRequest(_no_pull_request(event_name))


def _no_pull_request(event_name: str) -> str:
    """Why there is no pull request to comment on: in Actions, the event that started the run
    (`push`; a merge queue's `merge_group`, whose pull requests have their own comments) says
    it; elsewhere what names one is missing."""
    if event_name == "merge_group":
        return (
            "this run's `merge_group` event is a merge queue's group of pull requests, whose "
            "own runs wrote their comments"
        )
    if event_name and event_name not in ("pull_request", "pull_request_target"):
        return (
            f"this run's `{event_name}` event is of no pull request, so there is none to comment"
            " on (--pr N names one)"
        )
    return (
        "no pull request number for the PR comment: run on a pull_request event"
        " (GITHUB_EVENT_PATH or GITHUB_REF=refs/pull/N/merge) or pass --pr N"
    )


def comment_marker(project_name: str, focus: str = "", folder: str = "") -> str:
    """The hidden marker that identifies this project's comment, e.g. `<!-- dbtgate:shop -->`;
    a gate of part of the project (`check --select`: its `focus`, `select=tag:finance+`) has its
    own comment, `<!-- dbtgate:shop select=tag:finance+ -->`, so neither replaces the other.
    A project in a folder of the repository (`folder`: `locate.repository_folder`) has it in it,
    `<!-- dbtgate:shop path=analytics -->`: two folders of a monorepo may hold projects of one
    name, and each must keep its own comment."""
    safe = _marker_text(project_name.strip(), _NAME_CHARS)
    if not safe:
        raise DbtgateError("the comment marker needs a project name, got an empty one")
    parts = [f"path={_marker_text(folder, _PATH_CHARS)}"] if folder else []
    focus = _marker_text(focus.strip(), _FOCUS_CHARS)
    parts += [focus] if focus else []
    return f"<!-- dbtgate:{' '.join([safe, *parts])} -->"


def _marker_text(text: str, safe: frozenset[str]) -> str:
    """`text` for inside the marker's HTML comment: name and selector characters as they are, any
    other character, and a `-` after a `-` (`--` or `>` would end the comment early), as `%XX` of
    its UTF-8 bytes. `%` itself is encoded, so two texts never give one marker (`--comment-key a<`
    and `a>` each keep their comment), and a text of safe characters reads as it always did, so
    the comments earlier runs posted are still found."""
    out: list[str] = []
    for char in text:
        if char in safe and not (char == "-" and out and out[-1] == "-"):
            out.append(char)
        else:
            # surrogatepass: a command-line argument that was not UTF-8 holds lone surrogates.
            out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass")))
    return "".join(out)


def comment_focus(select: str | None, exclude: str | None, key: str | None = None) -> str:
    """The part of `comment_marker` telling this gate's comment apart from other gates of the
    project: a `check --select/--exclude` gate's selection, and `--comment-key`."""
    chosen = (("select", select), ("exclude", exclude), ("key", key))
    return " ".join(f"{name}={text.strip()}" for name, text in chosen if text and text.strip())


def post_sticky_comment(
    ctx: GitHubContext,
    marker: str,
    body: str,
    *,
    earlier_marker: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
) -> CommentResult:
    """Create the PR comment carrying `marker`, or update the first one that already does and
    was written by the token's own account.

    The marker is prepended to `body` when the body does not contain it, so the next run finds the
    comment. Anyone can post a comment holding the marker; reusing one by the marker alone would
    make dbtgate edit a stranger's comment (a 403 that fails the job, or, with a personal token
    that may edit it, a silent overwrite), so a marked comment counts only when `_is_ours`. Other
    comments are left alone; an update whose body is unchanged is skipped. Further comments of
    ours with the same marker are deleted once the first is updated: two runs at the same
    instant (a push and a re-run, two pushes in quick succession) can both list the comments
    before either posts, and both create one; later runs update only the first, and the other
    would go on showing its stale verdict. So a run that created its comment lists them again
    and settles them at once (`_settle`): the later of two such runs always sees both. A
    duplicate that cannot be deleted is said in the result, never an error.

    In Actions the body names its run under the marker (`ctx.run`), and the comment kept shows
    the latest run's verdict: a run that started earlier, finishing last, leaves a later run's
    comment as it is ("superseded"). GitHub offers no conditional edit, so two runs editing the
    existing comment in the same split second still end with whichever edit lands last.

    A run that gated an older commit than the pull request's head (`ctx.event_head_sha`: a
    re-run of an earlier push, or a push while this run went on) leaves the comment alone: it
    would put an outdated verdict over the newer commit's, which that commit's gate writes.

    `earlier_marker`: the marker an earlier dbtgate gave the same comment (before a project in a
    folder had its folder in it). With no comment of ours carrying `marker`, the first of ours
    opening with the earlier one is updated, and carries `marker` from then on: no second comment
    after an upgrade. The others with the earlier marker are left alone (in a monorepo they are
    another folder's to take over).
    """
    try:
        return _post_sticky_comment(ctx, marker, body, earlier_marker, timeout, max_retry_wait)
    except CommentError as exc:
        if not (exc.refused and ctx.read_only):
            raise
        raise CommentError(
            f"the pull request comes from {_fork_named(ctx.fork)}, whose runs GitHub gives a "
            "read-only token; the verdict is in the job summary and the job's status",
            fork=True,
        ) from None


def _fork_named(fork: str | None) -> str:
    return f"the fork {fork}" if fork else "a fork (since deleted)"


def _post_sticky_comment(
    ctx: GitHubContext,
    marker: str,
    body: str,
    earlier_marker: str | None,
    timeout: float,
    max_retry_wait: float,
) -> CommentResult:
    if marker not in body:
        body = f"{marker}\n{body}"
    if ctx.run is not None and body.startswith(marker):
        body = f"{marker}\n{_run_stamp(ctx.run)}{body[len(marker) :]}"
    body = scrub_tokens(body, {}, ctx.token)  # whatever the text quotes, never the token
    if len(body) > MAX_COMMENT_CHARS:
        raise CommentError(
            f"PR comment body is {len(body):,} characters, over GitHub's limit of"
            f" {MAX_COMMENT_CHARS:,}: render the markdown with its size limit"
        )
    client = _Client(ctx, timeout=timeout, max_retry_wait=max_retry_wait)
    owner, name = (quote(part, safe="") for part in ctx.repository.split("/", 1))
    api = ctx.api_url.rstrip("/")
    issue = f"/repos/{owner}/{name}/issues"
    where = f"PR #{ctx.pr_number} of {ctx.repository}"

    newer = _newer_head(client, f"{api}/repos/{owner}/{name}/pulls/{ctx.pr_number}", ctx, where)
    if newer is not None:
        return CommentResult("superseded", None, "", newer_head=newer)

    comments = f"{api}{issue}/{ctx.pr_number}/comments?per_page=100"
    ours = _our_comments(client, api, comments, where, marker, earlier_marker)
    if ours:
        return _settle(client, f"{api}{issue}/comments", ours, marker, body, ctx.run, where)
    created, _ = client.request(
        "POST",
        f"{api}{issue}/{ctx.pr_number}/comments",
        payload={"body": body},
        doing=f"creating the comment on {where}",
    )
    result = _result("created", created, where)
    # Another run may have listed the comments while this one did and found none either (two
    # pushes in quick succession, a push and a re-run): listed again, each run sees the other's
    # comment if it came first, and the later of the two runs to post always does. The comment
    # was posted by the token's own account: its author tells ours without `GET /user`.
    author = _author(created).get("login")
    try:
        ours = _our_comments(client, api, comments, where, marker, None, author=author)
    except CommentError as exc:
        # The comment is posted: a copy this could not look for is a warning, as one that could
        # not be deleted is.
        return replace(
            result,
            duplicates_left=(
                "could not list the comments again for a copy another run posted at the same "
                f"instant (the next run deletes it): {exc}",
            ),
        )
    if not ours:  # deleted already: nothing of ours left to settle
        return result
    # Settled even when this run's comment is the only one: a run that saw both may have kept
    # the other and deleted it, or put its later verdict into it.
    return _settle(
        client, f"{api}{issue}/comments", ours, marker, body, ctx.run, where, created=result
    )


def _our_comments(
    client: _Client,
    api: str,
    url: str,
    where: str,
    marker: str,
    earlier_marker: str | None,
    *,
    author: str | None = None,
) -> list[Any]:
    """The comments of ours carrying `marker`, oldest (lowest id) first; for want of one, the
    first of ours carrying `earlier_marker`. Every page: a duplicate may be on a later one.
    `author`: the login of the token's account when known (the author of the comment it
    posted), else `_is_ours` asks GitHub."""
    ours: list[Any] = []
    earlier: list[Any] = []  # ours with `earlier_marker`, for want of one with `marker`
    markers = (marker, earlier_marker) if earlier_marker else (marker,)
    is_ours = _written_by(author) if isinstance(author, str) and author else None
    for page in client.pages(url, doing=f"listing the comments on {where}"):
        marked = [c for c in page if any(m in _comment_body(c) for m in markers)]
        if marked and is_ours is None:
            is_ours = _is_ours(client, api)
        ours += [c for c in marked if is_ours and is_ours(c, marker)]
        if earlier_marker:
            earlier += [c for c in marked if is_ours and is_ours(c, earlier_marker)]
    ours = ours or earlier[:1]
    return sorted(ours, key=lambda c: c.get("id") if isinstance(c.get("id"), int) else 0)


def _settle(
    client: _Client,
    comments_url: str,
    ours: list[Any],
    marker: str,
    body: str,
    run: tuple[int, int] | None,
    where: str,
    *,
    created: CommentResult | None = None,
) -> CommentResult:
    """Leave one comment, the oldest (the one later runs update), showing the latest run's
    verdict, and delete the others of ours with the marker.

    The latest run is the one of the largest `run` stamped in a comment (`_run_stamp`), or this
    run's own: a run that started before another, finishing after it, does not put its older
    verdict over the other's, and copies the later verdict into the comment kept when that is
    a duplicate. A comment without a stamp (an earlier dbtgate's, a run outside Actions) is
    older than any run; a run without one (`--pr` from a laptop) writes over whatever is there,
    as before. `created`: the comment this run just posted, among `ours` unless another run
    deleted it already."""
    kept = ours[0]
    latest: tuple[int, int] | None = None
    text = body
    for comment in ours:
        stamped = _stamped_run(comment, marker)
        if run is not None and stamped is not None and stamped > (latest or run):
            latest, text = stamped, _comment_body(comment)
    result = _result("unchanged", kept, where)
    if created is not None and created.comment_id == result.comment_id:
        result = created
    if _normalise(_comment_body(kept)) != _normalise(text):
        updated, _ = client.request(
            "PATCH",
            f"{comments_url}/{result.comment_id}",
            payload={"body": text},
            doing=f"updating comment {result.comment_id} on {where}",
        )
        result = _result("updated", updated, where)
    if latest is not None:
        result = replace(result, action="superseded", newer_run=latest)
    # Deleted after the update: the verdict shown is the new one before any copy goes.
    deleted, failed = _delete_duplicates(client, comments_url, ours[1:], where)
    return replace(result, duplicates_deleted=deleted, duplicates_left=failed)


def _run_stamp(run: tuple[int, int]) -> str:
    """The line after the marker naming the run that wrote the comment (`GitHubContext.run`)."""
    return f"<!-- dbtgate-run: {run[0]} attempt {run[1]} -->"


_RUN_STAMP = re.compile(r"<!-- dbtgate-run: (\d{1,20}) attempt (\d{1,9}) -->")


def _stamped_run(comment: Any, marker: str) -> tuple[int, int] | None:
    """The run stamped in a comment of ours: on the line right after the marker it opens with,
    never anywhere else (a finding may quote any text)."""
    text = _comment_body(comment).lstrip().replace("\r\n", "\n")
    if not text.startswith(marker):
        return None
    line = text[len(marker) :].split("\n", 2)
    found = _RUN_STAMP.fullmatch(line[1]) if len(line) > 1 and not line[0] else None
    return (int(found[1]), int(found[2])) if found else None


def _delete_duplicates(
    client: _Client, comments_url: str, duplicates: list[Any], where: str
) -> tuple[int, tuple[str, ...]]:
    """Delete the further comments of ours with the marker; how many are gone and, for each
    that is not, why (a warning: the comment that counts is updated already). A 404 is one
    gone already: another run, at the same instant, deleted it."""
    deleted, failed = 0, []
    for comment in duplicates:
        comment_id = comment.get("id")
        if not isinstance(comment_id, int):
            continue
        try:
            client.request(
                "DELETE",
                f"{comments_url}/{comment_id}",
                doing=f"deleting the duplicate comment {comment_id} on {where}",
                absent_on=(404,),
            )
        except CommentError as exc:
            failed.append(
                f"could not delete the duplicate PR comment {comment_id}, which goes on showing "
                f"an earlier verdict (delete it by hand): {exc}"
            )
        else:
            deleted += 1
    return deleted, tuple(failed)


def _newer_head(client: _Client, url: str, ctx: GitHubContext, where: str) -> str | None:
    """The pull request's head sha when it is not the commit this run gated, else None. A token
    that may not read the pull request (404/403: an `issues: write` token) cannot tell: the
    comment is then written as before."""
    if not ctx.event_head_sha:
        return None
    pull, _ = client.request(
        "GET", url, doing=f"reading the head commit of {where}", absent_on=(403, 404)
    )
    head = pull.get("head") if isinstance(pull, dict) else None
    sha = head.get("sha") if isinstance(head, dict) else None
    if isinstance(sha, str) and sha and sha != ctx.event_head_sha:
        return sha
    return None


def pull_request_labels(
    repository: str,
    number: int,
    environ: Mapping[str, str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
) -> list[str]:
    """The names of pull request `number`'s labels, read through the API with GITHUB_TOKEN
    (`GET /repos/{owner}/{name}/issues/{number}/labels`, every page): for a run whose event
    carries none, a merge queue's `merge_group`. Whatever stops it (no token, a GITHUB_API_URL
    that is none, GitHub's refusal, the network) raises a one-line DbtgateError, the token
    scrubbed, for the caller to turn into a warning; retries and timeouts are the comment's."""
    token = _token(environ, "read the pull request's labels")
    check_target(repository, number)
    ctx = GitHubContext(repository, number, token, _api_url(environ, token), read_only=False)
    client = _Client(ctx, timeout=timeout, max_retry_wait=max_retry_wait, access="read")
    owner, repo = (quote(part, safe="") for part in repository.split("/", 1))
    where = f"PR #{number} of {repository}"
    url = f"{ctx.api_url}/repos/{owner}/{repo}/issues/{number}/labels?per_page=100"
    names: list[str] = []
    for page in client.pages(url, doing=f"reading the labels of {where}"):
        for label in page:
            name = label.get("name") if isinstance(label, dict) else None
            if isinstance(name, str) and name.strip():
                names.append(name.strip())
    return names


def _is_ours(client: _Client, api: str) -> Callable[[Any, str], bool]:
    """Which comments the token's account wrote. A personal token's account is `GET /user`'s
    login. GitHub Actions' token and GitHub App tokens are refused there (403): they post as a bot
    (`github-actions[bot]`, `<app>[bot]`), an account no pull request author or commenter can
    post as, so a comment by a bot that opens with the marker counts (ours always does; another
    bot quoting or carrying the marker somewhere in its text, e.g. a dependency bot's changelog,
    is not taken for ours and edited). Either way, ours opens with the marker: another gate's
    comment (another selection or `--comment-key`) may quote this marker in its findings (a
    file name can hold anything), and must not be taken for this gate's."""
    user, _ = client.request(
        "GET", f"{api}/user", doing="asking GitHub whose token this is", absent_on=(403, 404)
    )
    login = user.get("login") if isinstance(user, dict) else None

    if isinstance(login, str) and login:
        return _written_by(login)
    return lambda c, marker: _author(c).get("type") == "Bot" and _opens_with(c, marker)


def _written_by(login: str) -> Callable[[Any, str], bool]:
    """Comments of the account `login` that open with the marker."""
    return lambda c, marker: _author(c).get("login") == login and _opens_with(c, marker)


def _opens_with(comment: Any, marker: str) -> bool:
    return _comment_body(comment).lstrip().startswith(marker)


def _author(comment: Any) -> dict[str, Any]:
    user = comment.get("user") if isinstance(comment, dict) else None
    return user if isinstance(user, dict) else {}


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only on the API's own host: the Authorization header travels with them."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urlsplit(newurl)[:2] != urlsplit(req.full_url)[:2]:
            return None  # urllib then raises the redirect as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Client:
    """JSON over HTTPS with GitHub's headers, one retry on a short Retry-After, clear errors."""

    def __init__(
        self,
        ctx: GitHubContext,
        *,
        timeout: float,
        max_retry_wait: float,
        access: Literal["read", "write"] = "write",
    ) -> None:
        self._token = ctx.token
        self._origin = urlsplit(ctx.api_url)[:2]
        # The host as messages name it: never a `user:password@` part (it may hold the token).
        self._host = self._scrub(urlsplit(ctx.api_url).hostname or "")
        self._refused_hint = _refused_hint(ctx, access)
        self._timeout = timeout
        self._max_retry_wait = max_retry_wait
        self._opener = urllib.request.build_opener(_SameOriginRedirects)

    def request(
        self,
        method: str,
        url: str,
        *,
        doing: str,
        payload: dict[str, Any] | None = None,
        retried: bool = False,
        absent_on: tuple[int, ...] = (),
    ) -> tuple[Any, str | None]:
        """Send one request; return the decoded JSON and the next page's URL (if any), or
        (None, None) when GitHub answers with a status in `absent_on`."""
        try:
            return self._send(method, url, payload)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code in absent_on and _rate_limit_reset(exc.headers) is None:
                    return None, None
                wait = _retry_after(exc.headers)
                if wait is None and exc.code in _PASSING_ERRORS and method in _IDEMPOTENT:
                    # A gateway's hiccup: once more, shortly. Never a POST: one that failed
                    # at a gateway may have created the comment all the same.
                    wait = min(_PASSING_ERROR_WAIT, self._max_retry_wait)
                if retried or wait is None or wait > self._max_retry_wait:
                    raise self._http_error(exc, doing) from None
            time.sleep(wait)
            return self.request(
                method, url, doing=doing, payload=payload, retried=True, absent_on=absent_on
            )
        except (OSError, http.client.HTTPException) as exc:
            # URLError, refused connections, timeouts; an answer that broke off mid-body
            # (IncompleteRead) or was no HTTP (BadStatusLine): a dropped connection, a proxy.
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            transient = isinstance(
                reason, TimeoutError | ConnectionResetError | http.client.HTTPException
            )
            if transient and not retried and method in _IDEMPOTENT:
                # An overloaded API or a dropped connection: once more. Never a POST, which
                # GitHub may have carried out without answering in time.
                return self.request(
                    method, url, doing=doing, payload=payload, retried=True, absent_on=absent_on
                )
            if isinstance(reason, TimeoutError):
                reason = f"no answer within {self._timeout:g} s"
            elif isinstance(reason, http.client.IncompleteRead):
                reason = "the answer broke off before its end"
            elif isinstance(reason, http.client.HTTPException) and not isinstance(reason, OSError):
                # Not RemoteDisconnected, an OSError too, whose own words say it.
                reason = f"an answer that is not HTTP ({type(reason).__name__})"
            raise CommentError(
                f"cannot reach the GitHub API at {self._host} while {doing}:"
                f" {self._scrub(str(reason)) or type(exc).__name__}"
            ) from None

    def pages(self, url: str, *, doing: str) -> Iterator[list[Any]]:
        """GET `url` and each next page GitHub's `Link` header names, one list of items a page:
        a list endpoint gives 100 at the most per page, and what is sought (a duplicate comment,
        a label) may be on any. An answer that is not a list is an error naming `doing`."""
        next_url: str | None = url
        while next_url:
            page, next_url = self.request("GET", next_url, doing=doing)
            if not isinstance(page, list):
                raise CommentError(f"unexpected answer {doing}: not a list")
            yield page

    def _send(
        self, method: str, url: str, payload: dict[str, Any] | None
    ) -> tuple[Any, str | None]:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", f"dbtgate/{__version__}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with self._opener.open(request, timeout=self._timeout) as response:
            raw = response.read()
            next_url = self._next_page(response.headers)
        try:
            return (json.loads(raw) if raw else None), next_url
        except ValueError:
            raise CommentError(
                f"GitHub answered {method} {urlsplit(url).path} with something that is not JSON"
            ) from None

    def _next_page(self, headers: Message) -> str | None:
        match = _NEXT_LINK.search(headers.get("Link", ""))
        if not match:
            return None
        next_url = match.group(1)
        if urlsplit(next_url)[:2] != self._origin:
            raise CommentError(
                f"GitHub's next-page link points to another host ({urlsplit(next_url).netloc});"
                " not following it with the token"
            )
        return next_url

    def _http_error(self, exc: urllib.error.HTTPError, doing: str) -> CommentError:
        status = exc.code
        github_says = self._github_message(exc)
        said = f" (GitHub says: {github_says})" if github_says else ""
        reset = _rate_limit_reset(exc.headers)
        secondary = "secondary rate limit" in github_says.lower()
        if status == 429 or (status == 403 and (reset is not None or secondary)):
            when = reset or "try again later"
            return CommentError(f"GitHub API rate limit exceeded while {doing}; {when}{said}")
        if status == 401:
            return CommentError(
                f"GitHub rejected the token (HTTP 401) while {doing}{said}:"
                " check that GITHUB_TOKEN is set to a valid, unexpired token"
            )
        if status == 403:
            return CommentError(
                f"GitHub refused access (HTTP 403) while {doing}{said}: {self._refused_hint}",
                refused=True,
            )
        if status == 404:
            return CommentError(
                f"GitHub found nothing (HTTP 404) while {doing}{said}: the repository or pull"
                " request does not exist or is not visible to the token"
            )
        if status == 422:
            return CommentError(
                f"GitHub rejected the request as invalid (HTTP 422) while {doing}{said}"
            )
        return CommentError(f"GitHub answered HTTP {status} while {doing}{said}")

    def _github_message(self, exc: urllib.error.HTTPError) -> str:
        try:
            raw = exc.read().decode("utf-8", "replace")
        except OSError:
            return ""
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = raw
        if isinstance(decoded, dict):
            parts = [str(decoded.get("message", ""))]
            # 422s name the failing field in `errors`: a list of objects or plain strings.
            for error in decoded.get("errors") or []:
                detail = (
                    error.get("message") or error.get("code") if isinstance(error, dict) else error
                )
                if detail:
                    parts.append(str(detail))
            text = "; ".join(part for part in parts if part)
        else:
            text = str(decoded)
        text = " ".join(self._scrub(text).split())
        return text if len(text) <= 300 else text[:297] + "..."

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text


def _refused_hint(ctx: GitHubContext, access: Literal["read", "write"] = "write") -> str:
    """What to grant when GitHub refuses the token (403): a personal access token's scope, else
    the workflow's `permissions:` (which only the Actions token obeys), to write (the comment)
    or read (a pull request's labels). When the event cannot tell a fork's pull request from a
    branch, the fork's read-only token is named too; a fork's own refusal is said by
    `post_sticky_comment`."""
    if ctx.token.startswith(_PERSONAL_TOKEN_PREFIXES):
        return (
            "the personal access token in GITHUB_TOKEN needs the `repo` scope (classic) or"
            f" `Pull requests: {access}` on {ctx.repository} (fine-grained)"
        )
    if access == "read":
        return (
            "the workflow's `permissions:` need `pull-requests: read` (or `issues: read`;"
            " what a `permissions:` key does not name, the token may not do)"
        )
    hint = (
        "the workflow's `permissions:` need `pull-requests: write` (or `issues: write`);"
        " without a `permissions:` key the token has the repository's default permissions,"
        " read-only in new repositories"
    )
    if ctx.read_only is None:
        hint += "; a pull request from a fork gets a read-only token whatever the workflow says"
    return hint


def _retry_after(headers: Message | None) -> float | None:
    value = (headers or Message()).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _rate_limit_reset(headers: Message | None) -> str | None:
    """How long until the limit resets, when the response says it is a rate limit."""
    headers = headers or Message()
    wait = _retry_after(headers)
    if wait is not None:
        return f"retry after {wait:g} s"
    if headers.get("X-RateLimit-Remaining") != "0":
        return None
    try:
        reset = datetime.fromtimestamp(int(headers.get("X-RateLimit-Reset", "")), timezone.utc)
    except ValueError:
        return "it resets within the hour"
    seconds = max(0, int((reset - datetime.now(timezone.utc)).total_seconds()))
    return f"it resets at {reset:%Y-%m-%d %H:%M:%S} UTC (in {seconds} s)"


def _pr_from_event(event: dict[str, Any]) -> int | None:
    pull_request = event.get("pull_request")
    if isinstance(pull_request, dict) and isinstance(pull_request.get("number"), int):
        return pull_request["number"]
    if isinstance(event.get("number"), int):
        return event["number"]
    issue = event.get("issue")
    # An issue_comment event on a PR: the issue is the PR when it carries a `pull_request` key.
    if isinstance(issue, dict) and "pull_request" in issue and isinstance(issue.get("number"), int):
        return issue["number"]
    return None


def _read_only(pull_request: dict[str, Any], environ: Mapping[str, str]) -> bool | None:
    """Whether GitHub gave this run a fork's read-only token: a `pull_request` run (not
    `pull_request_target`, which runs with the repository's token) whose head is in another
    repository than the base, or in one since deleted (`head.repo` null). The repositories'
    names tell, not `head.repo.fork`: that is true for a branch of a repository that is itself
    a fork. None when the payload does not name the head's repository."""
    if environ.get("GITHUB_EVENT_NAME", "").strip() == "pull_request_target":
        return False
    head = pull_request.get("head")
    if isinstance(head, dict) and "repo" in head and head["repo"] is None:
        return True
    head_name, base_name = (_repo_name(pull_request, side) for side in ("head", "base"))
    base_name = base_name or environ.get("GITHUB_REPOSITORY", "").strip() or None
    if head_name is None or base_name is None:
        return None
    return head_name != base_name


def _repo_name(pull_request: dict[str, Any], side: str) -> str | None:
    part = pull_request.get(side)
    repo = part.get("repo") if isinstance(part, dict) else None
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) and name else None


def _pr_from_ref(environ: Mapping[str, str]) -> int | None:
    match = _PR_REF.match(environ.get("GITHUB_REF", ""))
    return int(match.group(1)) if match else None


def _comment_body(comment: Any) -> str:
    body = comment.get("body") if isinstance(comment, dict) else None
    return body if isinstance(body, str) else ""


def _normalise(body: str) -> str:
    # GitHub may hand back CRLF for a body posted with LF; that is not a change.
    return body.replace("\r\n", "\n")


def _result(
    action: Literal["created", "updated", "unchanged"], comment: Any, where: str
) -> CommentResult:
    if not isinstance(comment, dict) or not isinstance(comment.get("id"), int):
        raise CommentError(
            f"unexpected answer from GitHub for the comment on {where}: no comment id"
        )
    return CommentResult(
        action=action, comment_id=comment["id"], html_url=str(comment.get("html_url", ""))
    )
