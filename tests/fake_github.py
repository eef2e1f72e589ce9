"""A small GitHub REST API on 127.0.0.1 for the PR-comment tests: a real HTTP server, not a mock.

It implements the endpoints dbtgate uses (the four issue-comment ones: list with real pagination,
create, update, delete (204, no body); a pull request's labels, paginated too; `GET` of a pull
request, for its head commit; and `GET /user`, which answers a personal token with its account and refuses an
installation token, `ghs_...`, with 403 as GitHub does) over in-memory state, checks the bearer token like GitHub does (401 otherwise), answers
unknown repositories, PRs and comments with 404, and can be told to fail the next requests with the
responses GitHub sends (403, 404, 422, primary and secondary rate limits), with an answer
that breaks off mid-body, to hold requests until several have arrived (two runs listing the
comments at the same instant), or to answer a request from the state at its arrival only once
another request has been answered (a run's listing that is slow while another run posts). Every request is recorded
with its method, path, headers and body, so tests can assert where the token travelled.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT = {"login": "github-actions[bot]", "type": "Bot"}
_LIST_OR_CREATE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/comments$")
_UPDATE = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/comments/(\d+)$")
_PULL = re.compile(r"^/repos/([^/]+)/([^/]+)/pulls/(\d+)$")
_LABELS = re.compile(r"^/repos/([^/]+)/([^/]+)/issues/(\d+)/labels$")


@dataclass
class RecordedRequest:
    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased
    body: bytes


@dataclass
class _Hold:
    """A request held by `FakeGitHub.hold_next`."""

    method: str
    until: str
    taken: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Stall:
    """A request answered late by `FakeGitHub.stall_next`; `arrived` is set once it is taken."""

    seconds: float
    method: str | None
    arrived: threading.Event = field(default_factory=threading.Event)


@dataclass
class _Meeting:
    """`count` requests of `method` held by `FakeGitHub.meet_next` until all have arrived.
    `pulls` is the state as `take` copies it when the last one arrives, once, before any is
    released (`threading.Barrier`'s action): taken by each request after its release, the one
    answered first let its run post before another had read the state (seen under load: one
    POST where the race makes two)."""

    method: str
    count: int
    take: Callable[[], dict[tuple[str, int], list[dict[str, Any]]]]
    pulls: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    barrier: threading.Barrier = field(init=False)

    def __post_init__(self) -> None:
        self.barrier = threading.Barrier(self.count, action=self._taken, timeout=10)

    def _taken(self) -> None:
        self.pulls = self.take()


@dataclass
class CannedResponse:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None  # only for requests with this method; None: the next request
    skip: int = 0  # how many such requests to answer as usual first


class FakeGitHub:
    """Start with `with FakeGitHub() as gh:`; `gh.api_url` is the base URL to give the client."""

    def __init__(
        self,
        token: str = "ghs_fakeTOKEN0123456789abcdef",
        *,
        login: str = "release-bot-user",
        prefix: str = "",
    ) -> None:
        self.token = token
        # The API's path on its host: GitHub Enterprise Server's is `/api/v3`. Requests outside
        # it are answered 404, and the recorded paths are those under it.
        self.prefix = prefix.rstrip("/")
        # Whom the token posts as: the Actions bot for an installation token, else `login`.
        self.author = BOT if token.startswith("ghs_") else {"login": login, "type": "User"}
        self.requests: list[RecordedRequest] = []
        # (owner/name, PR number) -> comments in creation order
        self.pulls: dict[tuple[str, int], list[dict[str, Any]]] = {}
        # (owner/name, PR number) -> the head commit's sha (`push`), None until one is pushed
        self.heads: dict[tuple[str, int], str | None] = {}
        # (owner/name, PR number) -> its labels, as GitHub's label objects
        self.labels: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self._failures: list[CannedResponse] = []
        # Requests answered only after a while (a client's timeout), of a method or any.
        self._stalls: list[_Stall] = []
        # Methods (None: any) of the requests whose answer breaks off mid-body.
        self._cut_short: list[str | None] = []
        # Requests of a method held until all of a meeting's parties arrived (`meet_next`).
        self._meetings: list[_Meeting] = []
        # Requests answered late from the state at their arrival (`hold_next`).
        self._holds: list[_Hold] = []
        # Where Link headers point; tests set another server's URL to play a hostile API.
        self.link_base: str | None = None
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def api_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # --- state -----------------------------------------------------------------------------

    def add_pull_request(self, repository: str, number: int, head: str | None = None) -> None:
        self.pulls.setdefault((repository, number), [])
        self.heads[(repository, number)] = head

    def label(self, repository: str, number: int, *names: str) -> None:
        """Put labels on the pull request, as a reviewer does."""
        for name in names:
            with self._lock:
                self._next_id += 1
                label_id = self._next_id
            self.labels.setdefault((repository, number), []).append(
                {
                    "id": label_id,
                    "node_id": f"LA_kwDO{label_id}",
                    "url": f"https://api.github.com/repos/{repository}/labels/{name}",
                    "name": name,
                    "color": "d73a4a",
                    "default": False,
                    "description": None,
                }
            )

    def push(self, repository: str, number: int, head: str) -> None:
        """A new commit on the pull request's branch: its head moves."""
        self.heads[(repository, number)] = head

    def add_comment(
        self, repository: str, number: int, body: str, *, user: str = "octocat"
    ) -> dict[str, Any]:
        kind = "Bot" if user.endswith("[bot]") else "User"
        return self._create(repository, number, body, {"login": user, "type": kind})

    def comments(self, repository: str, number: int) -> list[dict[str, Any]]:
        return self.pulls[(repository, number)]

    # --- failure modes ---------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        extra: dict[str, Any] | None = None,
        method: str | None = None,
        skip: int = 0,
    ) -> None:
        """Answer the next `times` requests (of `method`, if given) with this error, after
        answering `skip` of them as usual."""
        body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
        body.update(extra or {})
        self._failures.extend(
            CannedResponse(status, body, dict(headers or {}), method, skip) for _ in range(times)
        )

    def forbid_next(self, times: int = 1, *, method: str | None = None) -> None:
        self.fail_next(403, "Resource not accessible by integration", times=times, method=method)

    def reject_next(self, message: str) -> None:
        self.fail_next(
            422,
            "Validation Failed",
            extra={"errors": [{"resource": "IssueComment", "code": "custom", "message": message}]},
        )

    def rate_limit_next(self, *, reset_in: int = 600, times: int = 1) -> None:
        """The primary rate limit: 403 with x-ratelimit-remaining 0 and the reset epoch."""
        self.fail_next(
            403,
            "API rate limit exceeded for installation ID 1.",
            headers={
                "x-ratelimit-limit": "1000",
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(int(time.time()) + reset_in),
            },
            times=times,
        )

    def retry_after_next(self, seconds: int, *, status: int = 429, times: int = 1) -> None:
        """A secondary rate limit: wait `seconds` (Retry-After), then requests succeed again."""
        self.fail_next(
            status,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try"
            " again.",
            headers={"retry-after": str(seconds)},
            times=times,
        )

    def stall_next(self, seconds: float, *, method: str | None = None) -> threading.Event:
        """Answer the next request (of `method`, if given) only after `seconds`, as an
        overloaded API does: the client gives up first. The request is still carried out.
        Returns an event set when the request has arrived: a client that gave up may return
        before this server's thread has read its request, on a loaded machine."""
        stall = _Stall(seconds, method)
        self._stalls.append(stall)
        return stall.arrived

    def cut_next(self, *, method: str | None = None) -> None:
        """Answer the next request (of `method`, if given) with a 200 whose body breaks off: the
        connection closes before the length it announced, as a dropped connection or a proxy
        that gave up does. The request is not carried out."""
        self._cut_short.append(method)

    def meet_next(self, count: int, *, method: str) -> None:
        """Hold the next `count` requests of `method` until all of them have arrived, then
        answer each from the state of that moment: `count` runs that list the comments at
        the same instant, before any of them has posted."""
        meeting = _Meeting(method, count, self._copied_pulls)
        self._meetings.extend(meeting for _ in range(count))

    def hold_next(self, *, method: str = "GET", until: str = "POST") -> threading.Event:
        """Take the next request of `method`, and answer it from the state of that moment once
        the next request of `until` has been answered: a run whose listing of the comments is
        slow, while another run lists them and posts its own. Returns an event set when the
        held request has arrived, for the test to start the other run then."""
        hold = _Hold(method, until)
        self._holds.append(hold)
        return hold.arrived

    # --- internals -------------------------------------------------------------------------

    def _copied_pulls(self) -> dict[tuple[str, int], list[dict[str, Any]]]:
        with self._lock:
            return copy.deepcopy(self.pulls)

    def _answered(self, method: str) -> None:
        """Release the held requests waiting for a request of `method` to be answered."""
        with self._lock:
            for hold in self._holds:
                if hold.taken and hold.until == method:
                    hold.released.set()

    def _create(
        self, repository: str, number: int, body: str, user: dict[str, str]
    ) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            comment_id = self._next_id
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        comment = {
            "id": comment_id,
            "body": body,
            "user": dict(user),
            "html_url": f"https://github.com/{repository}/pull/{number}#issuecomment-{comment_id}",
            "created_at": now,
            "updated_at": now,
        }
        self.pulls[(repository, number)].append(comment)
        return comment

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        # HTTP header names are case-insensitive; lower-case them so tests need not guess.
        headers = {name.lower(): value for name, value in handler.headers.items()}
        if not handler.path.startswith(f"{self.prefix}/"):
            return _respond(handler, 404, {"message": "Not Found"})
        handler.path = handler.path[len(self.prefix) :]
        self.requests.append(RecordedRequest(handler.command, handler.path, headers, body))
        with self._lock:
            meeting = next((m for m in self._meetings if m.method == handler.command), None)
            if meeting is not None:
                self._meetings.remove(meeting)
        pulls = self.pulls
        if meeting is not None:
            meeting.barrier.wait()
            pulls = meeting.pulls
        with self._lock:
            hold = next(
                (h for h in self._holds if h.method == handler.command and not h.taken), None
            )
            if hold is not None:
                hold.taken = True
                pulls = copy.deepcopy(self.pulls)
        if hold is not None:
            hold.arrived.set()
            if not hold.released.wait(timeout=10):
                raise TimeoutError("the held request's release never came")
            self._holds.remove(hold)
        with self._lock:
            stall = next((s for s in self._stalls if s.method in (None, handler.command)), None)
            if stall is not None:
                self._stalls.remove(stall)
        if stall is not None:
            stall.arrived.set()
            time.sleep(stall.seconds)
        cut = next((m for m in self._cut_short if m in (None, handler.command)), "no")
        if cut != "no":
            self._cut_short.remove(cut)
            return _respond_cut_short(handler)
        canned = next((f for f in self._failures if f.method in (None, handler.command)), None)
        if canned is not None and canned.skip:
            for failure in self._failures:
                if failure.method == canned.method and failure.skip:
                    failure.skip -= 1
            canned = None
        if canned is not None:
            self._failures.remove(canned)
            return _respond(handler, canned.status, canned.body, canned.headers)
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return _respond(handler, 401, {"message": "Bad credentials"})

        url = urlsplit(handler.path)
        if url.path == "/user" and handler.command == "GET":
            if self.author is BOT:
                return _respond(handler, 403, {"message": "Resource not accessible by integration"})
            return _respond(handler, 200, dict(self.author))
        if match := _LIST_OR_CREATE.match(url.path):
            key = (f"{match[1]}/{match[2]}", int(match[3]))
            if key not in self.pulls:
                return _respond(handler, 404, {"message": "Not Found"})
            if handler.command == "GET":
                return self._list(handler, pulls[key], parse_qs(url.query))
            if handler.command == "POST":
                text = _json_body(body).get("body")
                if not isinstance(text, str) or not text:
                    return _respond(
                        handler, 422, {"message": "Invalid request.\n\nbody wasn't supplied."}
                    )
                if len(text) > 65_536:
                    return _respond(
                        handler, 422, {"message": "Body is too long (maximum is 65536 characters)"}
                    )
                return _respond(handler, 201, self._create(*key, text, self.author))
        if (match := _LABELS.match(url.path)) and handler.command == "GET":
            key = (f"{match[1]}/{match[2]}", int(match[3]))
            if key not in self.pulls:
                return _respond(handler, 404, {"message": "Not Found"})
            return self._list(handler, self.labels.get(key, []), parse_qs(url.query))
        if (match := _PULL.match(url.path)) and handler.command == "GET":
            key = (f"{match[1]}/{match[2]}", int(match[3]))
            if key not in self.pulls:
                return _respond(handler, 404, {"message": "Not Found"})
            pull = {"number": key[1], "head": {"sha": self.heads.get(key), "ref": "feature"}}
            return _respond(handler, 200, pull)
        if (match := _UPDATE.match(url.path)) and handler.command in ("PATCH", "DELETE"):
            repository, comment_id = f"{match[1]}/{match[2]}", int(match[3])
            for (repo, _), comments in self.pulls.items():
                for comment in comments:
                    if repo != repository or comment["id"] != comment_id:
                        continue
                    if handler.command == "DELETE":
                        comments.remove(comment)
                        return _respond_no_content(handler)
                    comment["body"] = _json_body(body).get("body", comment["body"])
                    comment["updated_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                    return _respond(handler, 200, comment)
        return _respond(handler, 404, {"message": "Not Found"})

    def _list(
        self, handler: BaseHTTPRequestHandler, items: list[Any], query: dict[str, list[str]]
    ) -> None:
        """One page of `items`, with GitHub's Link header to the others."""
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = int(query.get("page", ["1"])[0])
        last = max(1, -(-len(items) // per_page))
        base = f"{self.link_base or self.api_url}{urlsplit(handler.path).path}?per_page={per_page}"
        links = []
        if page < last:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}&page={page - 1}>; rel="prev"')
            links.append(f'<{base}&page=1>; rel="first"')
        headers = {"Link": ", ".join(links)} if links else {}
        _respond(handler, 200, items[(page - 1) * per_page : page * per_page], headers)


def _json_body(raw: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _respond(
    handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload)


def _respond_no_content(handler: BaseHTTPRequestHandler) -> None:
    """GitHub's answer to a DELETE: 204, no body."""
    handler.send_response(204)
    handler.end_headers()


def _respond_cut_short(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", "4096")
    handler.end_headers()
    handler.wfile.write(b'[{"id": 1')
    handler.close_connection = True


def _handler_for(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            # A client that gave up waiting (`stall_next`) has closed the connection.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                fake._handle(self)
            fake._answered(self.command)

        do_POST = do_PATCH = do_DELETE = do_GET

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output to the test's own

    return Handler


def pull_request_event(
    number: int, head_sha: str, *, base: str, head: str | None, head_is_fork: bool = False
) -> dict[str, Any]:
    """A `pull_request` event payload as GitHub writes it to GITHUB_EVENT_PATH (the fields of
    octokit/webhooks' `pull_request/opened` example that dbtgate may read, and some beside):
    `head` is the head repository's `owner/name`, None for a fork since deleted (GitHub then
    sends `"repo": null`); `head_is_fork` is the head repository's own `fork` flag."""

    def repo(full_name: str, fork: bool) -> dict[str, Any]:
        owner = full_name.split("/")[0]
        return {
            "name": full_name.split("/")[1],
            "full_name": full_name,
            "private": False,
            "owner": {"login": owner, "type": "User"},
            "fork": fork,
            "default_branch": "main",
        }

    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "state": "open",
            "head": {
                "label": f"{(head or base).split('/')[0]}:feature",
                "ref": "feature",
                "sha": head_sha,
                "repo": repo(head, head_is_fork) if head is not None else None,
            },
            "base": {
                "label": f"{base.split('/')[0]}:main",
                "ref": "main",
                "sha": "0" * 40,
                "repo": repo(base, head_is_fork and head == base),
            },
        },
        "repository": repo(base, head_is_fork and head == base),
        "sender": {"login": "someone", "type": "User"},
    }


def merge_group_event(
    number: int, *, repository: str, base: str = "main", base_sha: str = "9" * 40
) -> dict[str, Any]:
    """A `merge_group` event payload as GitHub writes it to GITHUB_EVENT_PATH for a merge
    queue's group made for pull request `number` (the fields of octokit/webhooks'
    `merge_group/checks_requested` schema): no pull request, no labels; the head ref names the
    pull request queued last, `refs/heads/gh-readonly-queue/<base>/pr-<number>-<base_sha>`."""
    owner, name = repository.split("/")
    head_sha = "8" * 40
    return {
        "action": "checks_requested",
        "merge_group": {
            "head_sha": head_sha,
            "head_ref": f"refs/heads/gh-readonly-queue/{base}/pr-{number}-{base_sha}",
            "base_sha": base_sha,
            "base_ref": f"refs/heads/{base}",
            "head_commit": {
                "id": head_sha,
                "tree_id": "7" * 40,
                "message": f"Merge pull request #{number} from {owner}/feature",
                "timestamp": "2024-05-01T12:00:00Z",
                "author": {"name": "Octo Cat", "email": "octocat@example.com"},
                "committer": {"name": "GitHub", "email": "noreply@github.com"},
            },
        },
        "repository": {
            "name": name,
            "full_name": repository,
            "private": True,
            "owner": {"login": owner, "type": "Organization"},
            "fork": False,
            "default_branch": base,
        },
        "sender": {"login": "someone", "type": "User"},
    }
