"""The sticky PR comment against a real HTTP server on loopback that speaks GitHub's comment API."""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fake_github import BOT, FakeGitHub, pull_request_event

from dbtgate.errors import DbtgateError
from dbtgate.report.github import (
    CommentError,
    GitHubContext,
    NoPullRequest,
    comment_marker,
    github_context_from_env,
    post_sticky_comment,
    pull_request_labels,
)

REPO = "acme/warehouse"
PR = 7
MARKER = comment_marker("jaffle_shop")


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub() as gh:
        gh.add_pull_request(REPO, PR)
        yield gh


def context(gh: FakeGitHub, **overrides: object) -> GitHubContext:
    fields: dict = {"repository": REPO, "pr_number": PR, "token": gh.token, "api_url": gh.api_url}
    return GitHubContext(**{**fields, **overrides})


def methods(gh: FakeGitHub) -> list[str]:
    return [request.method for request in gh.requests]


def test_first_run_creates_and_second_run_updates_the_same_comment(github: FakeGitHub) -> None:
    first = post_sticky_comment(context(github), MARKER, f"{MARKER}\nverdict: fail")
    second = post_sticky_comment(context(github), MARKER, f"{MARKER}\nverdict: pass")

    assert first.action == "created"
    assert second.action == "updated"
    assert second.comment_id == first.comment_id
    comments = github.comments(REPO, PR)
    assert len(comments) == 1
    assert comments[0]["body"] == f"{MARKER}\nverdict: pass"
    assert second.html_url.endswith(f"#issuecomment-{first.comment_id}")
    # Created, the comments are listed again for a copy another run posted at the same instant
    # (the comment created names the token's account); GET /user (403 for the Actions token)
    # tells whose comments are ours when none was created.
    assert methods(github) == ["GET", "POST", "GET", "GET", "GET", "PATCH"]


def test_unchanged_body_is_not_patched(github: FakeGitHub) -> None:
    created = post_sticky_comment(context(github), MARKER, f"{MARKER}\nsame")
    again = post_sticky_comment(context(github), MARKER, f"{MARKER}\nsame")

    assert again.action == "unchanged"
    assert again.comment_id == created.comment_id
    assert "PATCH" not in methods(github)


def test_marker_is_added_when_the_body_lacks_it(github: FakeGitHub) -> None:
    post_sticky_comment(context(github), MARKER, "verdict: pass")
    result = post_sticky_comment(context(github), MARKER, "verdict: fail")

    assert result.action == "updated"
    assert github.comments(REPO, PR)[0]["body"] == f"{MARKER}\nverdict: fail"


def test_marker_comment_on_page_three_of_250_comments_is_found(github: FakeGitHub) -> None:
    for i in range(250):
        if i == 230:
            github.add_comment(REPO, PR, f"{MARKER}\nold report", user=BOT["login"])
        else:
            github.add_comment(REPO, PR, f"comment {i}", user=f"user{i % 5}")
    target = github.comments(REPO, PR)[230]

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nnew report")

    assert result.action == "updated"
    assert result.comment_id == target["id"]
    assert len(github.comments(REPO, PR)) == 250
    assert target["body"] == f"{MARKER}\nnew report"
    listed = [r.path for r in github.requests if r.method == "GET" and r.path != "/user"]
    assert len(listed) == 3
    assert listed[0].endswith("?per_page=100")
    assert listed[1].endswith("page=2") and listed[2].endswith("page=3")


def test_every_page_is_listed_since_a_duplicate_may_be_on_a_later_one(github: FakeGitHub) -> None:
    for i in range(250):
        user = BOT["login"] if i in (150, 240) else "octocat"
        text = f"{MARKER}\nold {i}" if i in (150, 240) else f"comment {i}"
        github.add_comment(REPO, PR, text, user=user)

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nnew")

    assert (result.action, result.comment_id, result.duplicates_deleted) == ("updated", 1151, 1)
    assert [(r.method, r.path.split("?")[0]) for r in github.requests] == [
        ("GET", "/repos/acme/warehouse/issues/7/comments"),
        ("GET", "/repos/acme/warehouse/issues/7/comments"),
        ("GET", "/user"),
        ("GET", "/repos/acme/warehouse/issues/7/comments"),
        ("PATCH", "/repos/acme/warehouse/issues/comments/1151"),
        ("DELETE", "/repos/acme/warehouse/issues/comments/1241"),
    ]
    assert len(github.comments(REPO, PR)) == 249


def test_the_first_comment_of_ours_is_updated_and_its_duplicates_deleted(
    github: FakeGitHub,
) -> None:
    """Two runs at the same instant each posted one: the first is the one later runs update,
    so the other goes; comments of others (another project's, a stranger's carrying our
    marker, a quote of it) stay as they are."""
    github.add_comment(REPO, PR, "LGTM, but see the failing test", user="alice")
    first = github.add_comment(REPO, PR, f"{MARKER}\nrun 1", user="github-actions[bot]")
    github.add_comment(REPO, PR, comment_marker("other_project") + "\nother", user="bob")
    github.add_comment(REPO, PR, f"{MARKER}\nstale copy", user="github-actions[bot]")
    github.add_comment(REPO, PR, f"{MARKER}\nforged", user="mallory")
    github.add_comment(
        REPO, PR, comment_marker("jaffle_shop", "select=tag:finance") + "\nx", user=BOT["login"]
    )
    github.add_comment(REPO, PR, f"{MARKER}\nthird copy", user="github-actions[bot]")
    before = [dict(c) for c in github.comments(REPO, PR)]

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nrun 2")

    assert (result.action, result.comment_id) == ("updated", first["id"])
    assert (result.duplicates_deleted, result.duplicates_left) == (2, ())
    assert result.describe().endswith(
        f"#issuecomment-{first['id']} (2 duplicates posted by runs at the same instant deleted)"
    )
    after = github.comments(REPO, PR)
    assert [c["body"] for c in after] == [
        "LGTM, but see the failing test",
        f"{MARKER}\nrun 2",
        comment_marker("other_project") + "\nother",
        f"{MARKER}\nforged",
        comment_marker("jaffle_shop", "select=tag:finance") + "\nx",
    ]
    assert [after[i] for i in (0, 2, 3, 4)] == [before[i] for i in (0, 2, 4, 5)]


def test_an_unchanged_comment_still_has_its_duplicate_deleted(github: FakeGitHub) -> None:
    first = github.add_comment(REPO, PR, f"{MARKER}\nsame", user=BOT["login"])
    github.add_comment(REPO, PR, f"{MARKER}\nstale", user=BOT["login"])

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nsame")

    assert (result.action, result.duplicates_deleted) == ("unchanged", 1)
    assert result.describe() == (
        f"PR comment unchanged: {first['html_url']} (1 duplicate posted by runs at the same "
        "instant deleted)"
    )
    assert github.comments(REPO, PR) == [first]
    assert "PATCH" not in methods(github)


def stamped(run: tuple[int, int], text: str) -> str:
    """A comment's body as the run `run` (GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT) posts it."""
    return f"{MARKER}\n<!-- dbtgate-run: {run[0]} attempt {run[1]} -->\n{text}"


def test_two_runs_listing_at_the_same_instant_leave_one_comment_with_the_re_run_s_verdict(
    github: FakeGitHub,
) -> None:
    """The race itself: a push's run and its re-run list the comments before either posts (the
    fake answers both lists once both have arrived), so each creates one. Each lists them again
    after posting: the first comment is kept, with the re-run's verdict, before either ends."""
    github.meet_next(2, method="GET")
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(post_sticky_comment, context(github, run=run), MARKER, verdict)
            for run, verdict in (((100, 1), "push: fail"), ((100, 2), "re-run: pass"))
        ]
        raced = [run.result() for run in runs]

    [kept] = github.comments(REPO, PR)
    assert kept["body"] == stamped((100, 2), "re-run: pass")
    assert {r.comment_id for r in raced} == {kept["id"]}
    assert methods(github).count("POST") == 2
    assert [r.path for r in github.requests if r.method == "DELETE"][:1] == [
        f"/repos/{REPO}/issues/comments/{kept['id'] + 1}"
    ]


@pytest.mark.parametrize("slow", ["earlier run", "later run"])
def test_two_pushes_in_quick_succession_leave_the_later_run_s_verdict_in_one_comment(
    github: FakeGitHub, slow: str
) -> None:
    """Two pushes in quick succession: one run's listing of the comments is slow, and answered
    (from the state when it was asked: no comment) only once the other run has posted its own.
    Whichever run posts first, one comment is left, the first posted, and it shows the verdict
    of the later run (GITHUB_RUN_ID 101): the earlier run, finishing last, never puts its
    verdict over it."""
    earlier, later = ((100, 1), "push 1: fail"), ((101, 1), "push 2: pass")
    held, other = (earlier, later) if slow == "earlier run" else (later, earlier)
    arrived = github.hold_next(method="GET", until="POST")
    with ThreadPoolExecutor(1) as pool:
        slow_run = pool.submit(post_sticky_comment, context(github, run=held[0]), MARKER, held[1])
        assert arrived.wait(10)
        other_result = post_sticky_comment(context(github, run=other[0]), MARKER, other[1])
        slow_result = slow_run.result()

    [kept] = github.comments(REPO, PR)
    assert kept["body"] == stamped(*later)
    # The comment posted first is kept: the one whose run listed the comments without waiting.
    assert kept["id"] == other_result.comment_id == slow_result.comment_id
    results = dict(zip((held, other), (slow_result, other_result), strict=True))
    assert results[earlier].action in ("created", "superseded")
    if results[earlier].action == "superseded":
        assert results[earlier].newer_run == (101, 1)
        assert (
            results[earlier]
            .describe()
            .startswith(
                "PR comment left with the verdict of a later run of the workflow (run 101, attempt 1)"
            )
        )
    # The later run posted second when it was the slow one: it wrote its verdict into the
    # earlier run's comment, or found it there.
    assert results[later].action == ("created" if slow == "earlier run" else "updated") or (
        slow == "later run" and results[later].action == "unchanged"
    )


def test_an_earlier_run_finishing_last_leaves_a_later_run_s_verdict(github: FakeGitHub) -> None:
    kept = github.add_comment(REPO, PR, stamped((101, 1), "push 2: pass"), user=BOT["login"])
    copy = github.add_comment(REPO, PR, stamped((100, 1), "push 1: fail"), user=BOT["login"])

    result = post_sticky_comment(context(github, run=(100, 1)), MARKER, "push 1: fail")

    assert (result.action, result.comment_id, result.newer_run) == (
        "superseded",
        kept["id"],
        (101, 1),
    )
    assert result.duplicates_deleted == 1 and copy not in github.comments(REPO, PR)
    assert github.comments(REPO, PR) == [kept] and kept["body"] == stamped((101, 1), "push 2: pass")
    assert "PATCH" not in methods(github)


def test_a_later_duplicate_s_verdict_is_kept_in_the_first_comment(github: FakeGitHub) -> None:
    """The first comment shows an earlier run's verdict, a copy a later run's: an earlier run
    still, settling them, keeps the first with the later verdict."""
    first = github.add_comment(REPO, PR, stamped((99, 1), "push 0"), user=BOT["login"])
    github.add_comment(REPO, PR, stamped((101, 1), "push 2: pass"), user=BOT["login"])

    result = post_sticky_comment(context(github, run=(100, 1)), MARKER, "push 1: fail")

    assert (result.action, result.newer_run, result.duplicates_deleted) == (
        "superseded",
        (101, 1),
        1,
    )
    assert github.comments(REPO, PR) == [first]
    assert first["body"] == stamped((101, 1), "push 2: pass")


@pytest.mark.parametrize(
    ("existing", "body"),
    [
        # A re-run of the same run: its next attempt is the later.
        (stamped((100, 1), "push: fail"), "re-run: pass"),
        # An earlier dbtgate's comment, or one written outside Actions: no stamp.
        (f"{MARKER}\nunstamped", "re-run: pass"),
        # A stamp anywhere but right after the marker is text a finding quoted, no stamp.
        (f"{MARKER}\nfinding\n<!-- dbtgate-run: 999 attempt 9 -->", "re-run: pass"),
    ],
    ids=["re-run", "unstamped", "quoted-stamp"],
)
def test_a_later_run_updates_the_comment(github: FakeGitHub, existing: str, body: str) -> None:
    comment = github.add_comment(REPO, PR, existing, user=BOT["login"])

    result = post_sticky_comment(context(github, run=(100, 2)), MARKER, body)

    assert (result.action, result.comment_id) == ("updated", comment["id"])
    assert comment["body"] == stamped((100, 2), body)


def test_a_run_outside_actions_writes_over_a_stamped_comment(github: FakeGitHub) -> None:
    """`--repo/--pr` from a laptop: no run to compare, the comment is written as asked."""
    comment = github.add_comment(REPO, PR, stamped((101, 1), "CI"), user=BOT["login"])
    result = post_sticky_comment(context(github), MARKER, "local")
    assert result.action == "updated" and comment["body"] == f"{MARKER}\nlocal"


def test_a_comment_posted_is_not_failed_when_the_second_listing_fails(github: FakeGitHub) -> None:
    # The first listing is answered; the second fails, and again when retried.
    github.fail_next(500, "Server Error", method="GET", times=2, skip=1)

    result = post_sticky_comment(context(github), MARKER, "report", max_retry_wait=0.05)

    assert result.action == "created"
    [warning] = result.duplicates_left
    assert warning.startswith(
        "could not list the comments again for a copy another run posted at the same instant "
        "(the next run deletes it): GitHub answered HTTP 500"
    ), warning
    assert len(github.comments(REPO, PR)) == 1


def test_a_duplicate_that_cannot_be_deleted_is_a_warning_not_an_error(
    github: FakeGitHub,
) -> None:
    first = github.add_comment(REPO, PR, f"{MARKER}\nold", user=BOT["login"])
    stale = github.add_comment(REPO, PR, f"{MARKER}\nstale", user=BOT["login"])
    github.fail_next(403, f"Must have admin rights {github.token}", method="DELETE")

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nnew")

    assert (result.action, result.duplicates_deleted) == ("updated", 0)
    assert first["body"] == f"{MARKER}\nnew"
    assert stale in github.comments(REPO, PR)
    [left] = result.duplicates_left
    assert left.startswith(
        f"could not delete the duplicate PR comment {stale['id']}, which goes on showing an "
        "earlier verdict (delete it by hand): GitHub refused access (HTTP 403) while deleting "
        f"the duplicate comment {stale['id']} on PR #7 of acme/warehouse (GitHub says: Must "
        "have admin rights ***)"
    )
    assert github.token not in left
    assert "duplicate" not in result.describe()


def test_two_runs_deleting_the_same_duplicate_at_once_warn_of_nothing(github: FakeGitHub) -> None:
    """Both list the comments at the same instant and delete the same duplicate: the one that
    comes second finds it gone (GitHub's 404), which is what it wanted."""
    first = github.add_comment(REPO, PR, f"{MARKER}\nold", user=BOT["login"])
    github.add_comment(REPO, PR, f"{MARKER}\ncopy", user=BOT["login"])
    github.meet_next(2, method="GET")
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(post_sticky_comment, context(github), MARKER, f"{MARKER}\nnew")
            for _ in range(2)
        ]
        results = [run.result() for run in runs]

    assert [(r.duplicates_deleted, r.duplicates_left) for r in results] == [(1, ()), (1, ())]
    assert methods(github).count("DELETE") == 2
    assert github.comments(REPO, PR) == [first]


def test_a_delete_that_failed_at_a_gateway_is_retried_once(github: FakeGitHub) -> None:
    """Deleting is safe to repeat: a 502 is retried as a GET or PATCH is."""
    github.add_comment(REPO, PR, f"{MARKER}\nold", user=BOT["login"])
    github.add_comment(REPO, PR, f"{MARKER}\ncopy", user=BOT["login"])
    github.fail_next(502, "Bad Gateway", method="DELETE")

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nnew", max_retry_wait=0.05)

    assert (result.duplicates_deleted, result.duplicates_left) == (1, ())
    assert methods(github)[-2:] == ["DELETE", "DELETE"]
    assert [c["body"] for c in github.comments(REPO, PR)] == [f"{MARKER}\nnew"]


def test_a_marker_comment_by_someone_else_is_left_alone(github: FakeGitHub) -> None:
    """Anyone may post the marker: with the Actions token (which posts as a bot) a human's
    marked comment is not ours to edit (GitHub would refuse with 403 and fail the job)."""
    forged = github.add_comment(REPO, PR, f"{MARKER}\nplease edit me", user="mallory")

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nreport")

    assert result.action == "created"
    assert forged["body"] == f"{MARKER}\nplease edit me"
    assert github.comments(REPO, PR)[-1]["user"] == BOT
    again = post_sticky_comment(context(github), MARKER, f"{MARKER}\nreport 2")
    assert (again.action, again.comment_id) == ("updated", result.comment_id)


def test_another_bot_carrying_the_marker_in_its_text_is_not_taken_for_ours(
    github: FakeGitHub,
) -> None:
    """With the Actions token every bot looks alike (`GET /user` is refused): a dependency bot
    quoting our comment carries the marker, but only ours opens with it."""
    quoting = f"Release notes:\n> {MARKER}\n> dbtgate: PASS"
    other_bot = github.add_comment(REPO, PR, quoting, user="renovate[bot]")
    own = github.add_comment(REPO, PR, f"{MARKER}\nrun 1", user="github-actions[bot]")

    result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nrun 2")

    assert (result.action, result.comment_id) == ("updated", own["id"])
    assert other_bot["body"] == quoting


def test_with_a_personal_token_only_its_own_account_s_comment_is_reused() -> None:
    """A personal token may edit others' comments in a repository it administers: only the
    account `GET /user` names counts."""
    with FakeGitHub("ghp_personalTOKEN0123456789", login="release-manager") as github:
        github.add_pull_request(REPO, PR)
        other = github.add_comment(REPO, PR, f"{MARKER}\nmine, not yours", user="mallory")
        bot = github.add_comment(REPO, PR, f"{MARKER}\nby a bot", user=BOT["login"])
        own = github.add_comment(REPO, PR, f"{MARKER}\nold", user="release-manager")

        result = post_sticky_comment(context(github), MARKER, f"{MARKER}\nnew")

        assert (result.action, result.comment_id) == ("updated", own["id"])
        assert other["body"] == f"{MARKER}\nmine, not yours"
        assert bot["body"] == f"{MARKER}\nby a bot"
        assert own["body"] == f"{MARKER}\nnew"


def test_whose_token_is_asked_once_and_only_when_a_marked_comment_exists(
    github: FakeGitHub,
) -> None:
    for i in range(150):
        github.add_comment(REPO, PR, f"{MARKER}\nforged {i}", user=f"user{i % 3}")

    post_sticky_comment(context(github), MARKER, "report")

    assert [r.path for r in github.requests].count("/user") == 1


def test_token_travels_only_in_the_authorization_header(github: FakeGitHub) -> None:
    github.add_comment(REPO, PR, "hello")
    post_sticky_comment(context(github), MARKER, "report")
    post_sticky_comment(context(github), MARKER, "report 2")

    assert len(github.requests) == 6
    for request in github.requests:
        assert request.headers["authorization"] == f"Bearer {github.token}"
        assert request.headers["accept"] == "application/vnd.github+json"
        assert request.headers["x-github-api-version"] == "2022-11-28"
        assert request.headers["user-agent"].startswith("dbtgate")
        others = {k: v for k, v in request.headers.items() if k != "authorization"}
        assert github.token not in json.dumps(others)
        assert github.token not in request.path
        assert github.token.encode() not in request.body


def assert_token_hidden(error: BaseException, token: str) -> None:
    assert token not in str(error)
    assert token not in repr(error)
    assert error.__cause__ is None


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        (
            lambda gh: gh.forbid_next(),
            ["HTTP 403", "`pull-requests: write`", "a pull request from a fork gets a read-only"],
        ),
        (lambda gh: gh.reject_next("Body is too long"), ["HTTP 422", "Body is too long"]),
        (lambda gh: gh.rate_limit_next(reset_in=600), ["rate limit exceeded", "resets at", "UTC"]),
        (lambda gh: gh.retry_after_next(120), ["rate limit exceeded", "retry after 120 s"]),
        (lambda gh: gh.retry_after_next(120, status=403), ["rate limit", "retry after 120 s"]),
        (
            # GitHub does not always send Retry-After: still a rate limit, not a permission.
            lambda gh: gh.fail_next(403, "You have exceeded a secondary rate limit."),
            ["rate limit exceeded", "try again later", "secondary rate limit"],
        ),
        # Twice: a 500 is retried once.
        (lambda gh: gh.fail_next(500, "Server Error", times=2), ["HTTP 500", "Server Error"]),
    ],
    ids=[
        "forbidden",
        "validation",
        "rate-limited",
        "retry-after-too-long",
        "secondary-403",
        "secondary-403-without-retry-after",
        "500",
    ],
)
def test_failures_give_a_clear_one_line_message_without_the_token(
    github: FakeGitHub, arrange, expected: list[str]
) -> None:
    arrange(github)

    with pytest.raises(CommentError) as caught:
        post_sticky_comment(context(github), MARKER, "report")

    message = str(caught.value)
    for fragment in expected:
        assert fragment in message
    assert "\n" not in message
    assert "listing the comments on PR #7 of acme/warehouse" in message
    assert_token_hidden(caught.value, github.token)


def test_unknown_pull_request_is_a_clear_404(github: FakeGitHub) -> None:
    with pytest.raises(CommentError, match=r"HTTP 404.*not visible to the token") as caught:
        post_sticky_comment(context(github, pr_number=999), MARKER, "report")
    assert "PR #999 of acme/warehouse" in str(caught.value)


def test_wrong_token_is_rejected_without_echoing_either_token(github: FakeGitHub) -> None:
    wrong = "ghp_wrongTOKENabcdef0123456789"
    with pytest.raises(CommentError, match=r"HTTP 401.*GITHUB_TOKEN") as caught:
        post_sticky_comment(context(github, token=wrong), MARKER, "report")
    assert_token_hidden(caught.value, wrong)
    assert_token_hidden(caught.value, github.token)


def test_token_in_an_error_body_is_scrubbed(github: FakeGitHub) -> None:
    github.reject_next(f"body must not contain {github.token}")

    with pytest.raises(CommentError, match=r"must not contain \*\*\*") as caught:
        post_sticky_comment(context(github), MARKER, "report")
    assert_token_hidden(caught.value, github.token)


def test_failure_on_update_names_the_comment(github: FakeGitHub) -> None:
    existing = github.add_comment(REPO, PR, f"{MARKER}\nold", user=BOT["login"])
    github.forbid_next(method="PATCH")

    with pytest.raises(CommentError, match=f"HTTP 403\\) while updating comment {existing['id']}"):
        post_sticky_comment(context(github), MARKER, "new")
    assert existing["body"] == f"{MARKER}\nold"


def test_short_retry_after_is_waited_out_once_then_succeeds(github: FakeGitHub) -> None:
    github.retry_after_next(1)

    started = time.monotonic()
    result = post_sticky_comment(context(github), MARKER, "report")

    assert time.monotonic() - started >= 1
    assert result.action == "created"
    assert methods(github) == ["GET", "GET", "POST", "GET"]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_gateway_error_is_retried_once_for_a_request_safe_to_repeat(
    github: FakeGitHub, status: int
) -> None:
    github.fail_next(status, "Server Error", method="GET")
    result = post_sticky_comment(context(github), MARKER, "report", max_retry_wait=0.05)
    assert result.action == "created"
    assert methods(github) == ["GET", "GET", "POST", "GET"]
    github.fail_next(status, "Server Error", method="PATCH")
    assert post_sticky_comment(context(github), MARKER, "report 2").action == "updated"
    assert methods(github)[-2:] == ["PATCH", "PATCH"]
    # Twice in a row is reported, not retried forever.
    github.fail_next(503, "Service Unavailable", method="GET", times=2)
    with pytest.raises(CommentError, match="HTTP 503"):
        post_sticky_comment(context(github), MARKER, "report 2", max_retry_wait=0.05)


def test_a_comment_that_failed_at_a_gateway_is_not_posted_twice(github: FakeGitHub) -> None:
    """GitHub may have created the comment behind a 502: a second POST could duplicate it."""
    github.fail_next(502, "Bad Gateway", method="POST")
    with pytest.raises(CommentError, match="HTTP 502"):
        post_sticky_comment(context(github), MARKER, "report", max_retry_wait=0.05)
    assert methods(github).count("POST") == 1


def test_retry_after_is_retried_only_once(github: FakeGitHub) -> None:
    github.retry_after_next(0, times=2)

    with pytest.raises(CommentError, match="retry after 0 s"):
        post_sticky_comment(context(github), MARKER, "report")
    assert methods(github) == ["GET", "GET"]


def test_retry_wait_bound_is_configurable(github: FakeGitHub) -> None:
    github.retry_after_next(1)

    with pytest.raises(CommentError, match="retry after 1 s"):
        post_sticky_comment(context(github), MARKER, "report", max_retry_wait=0)
    assert methods(github) == ["GET"]


def test_body_over_github_limit_is_refused_before_any_request(github: FakeGitHub) -> None:
    with pytest.raises(CommentError, match="65,536"):
        post_sticky_comment(context(github), MARKER, "x" * 65_537)
    assert github.requests == []


def test_a_token_in_the_api_url_is_never_printed(closed_port: int) -> None:
    token = "ghp_secret123"
    ctx = GitHubContext(REPO, PR, token=token, api_url=f"http://{token}@127.0.0.1:{closed_port}")
    with pytest.raises(CommentError, match=r"GitHub API at 127\.0\.0\.1 while") as caught:
        post_sticky_comment(ctx, MARKER, "report")
    assert_token_hidden(caught.value, token)


def test_unreachable_api_is_a_clear_network_error(closed_port: int) -> None:
    ctx = GitHubContext(REPO, PR, token="ghs_secret123", api_url=f"http://127.0.0.1:{closed_port}")

    with pytest.raises(
        CommentError, match=r"cannot reach the GitHub API at 127\.0\.0\.1"
    ) as caught:
        post_sticky_comment(ctx, MARKER, "report")
    assert_token_hidden(caught.value, "ghs_secret123")


def test_silent_server_times_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection in the backlog, never answers
        port = listener.getsockname()[1]
        ctx = GitHubContext(REPO, PR, token="ghs_secret123", api_url=f"http://127.0.0.1:{port}")

        with pytest.raises(CommentError, match=r"no answer within 0\.3 s"):
            post_sticky_comment(ctx, MARKER, "report", timeout=0.3)


def test_redirect_to_another_host_is_not_followed_with_the_token(github: FakeGitHub) -> None:
    with FakeGitHub() as elsewhere:
        elsewhere.add_pull_request(REPO, PR)
        github.fail_next(
            301,
            "Moved Permanently",
            headers={"Location": f"{elsewhere.api_url}/repos/{REPO}/issues/{PR}/comments"},
        )

        with pytest.raises(CommentError, match="HTTP 301"):
            post_sticky_comment(context(github), MARKER, "report")
        assert elsewhere.requests == []


def test_next_page_link_to_another_host_is_refused(github: FakeGitHub) -> None:
    for i in range(101):
        github.add_comment(REPO, PR, f"comment {i}")
    with FakeGitHub() as elsewhere:
        github.link_base = elsewhere.api_url

        with pytest.raises(CommentError, match="another host"):
            post_sticky_comment(context(github), MARKER, "report")
        assert elsewhere.requests == []


@pytest.mark.parametrize(
    ("listing", "doing"),
    [("comments", "listing the comments on"), ("labels", "reading the labels of")],
)
def test_a_list_answered_with_something_else_is_one_line_naming_the_listing(
    github: FakeGitHub, listing: str, doing: str
) -> None:
    """A proxy's or a gateway's object where GitHub sends a page of a list is named, not read."""
    github.fail_next(200, "not the comments")

    with pytest.raises(CommentError) as caught:
        if listing == "comments":
            post_sticky_comment(context(github), MARKER, "report")
        else:
            env = {"GITHUB_TOKEN": github.token, "GITHUB_API_URL": github.api_url}
            pull_request_labels(REPO, PR, env)
    assert str(caught.value) == f"unexpected answer {doing} PR #7 of acme/warehouse: not a list"


# --- context from the Actions environment -------------------------------------------------------


def write_event(tmp_path: Path, payload: dict) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def actions_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    event = {
        "action": "synchronize",
        "number": 42,
        "pull_request": {"number": 42, "head": {"sha": "a" * 40, "ref": "feature"}},
    }
    return {
        "GITHUB_TOKEN": "ghs_envTOKEN42",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": write_event(tmp_path, event),
        "GITHUB_REF": "refs/pull/42/merge",
        "GITHUB_SHA": "m" * 40,
        "GITHUB_SERVER_URL": "https://github.example.com",
        "GITHUB_API_URL": "https://github.example.com/api/v3/",
        "GITHUB_RUN_ID": "123456",
        **extra,
    }


def test_context_from_a_pull_request_event(tmp_path: Path) -> None:
    ctx = github_context_from_env(actions_env(tmp_path))

    assert ctx.repository == REPO
    assert ctx.pr_number == 42
    assert ctx.token == "ghs_envTOKEN42"
    assert ctx.sha == "a" * 40  # the PR head, not the merge commit in GITHUB_SHA
    assert ctx.api_url == "https://github.example.com/api/v3"
    assert ctx.server_url == "https://github.example.com"
    assert ctx.run_url == f"https://github.example.com/{REPO}/actions/runs/123456"
    assert ctx.run == (123456, 1)
    assert github_context_from_env(actions_env(tmp_path, GITHUB_RUN_ATTEMPT="3")).run == (
        123456,
        3,
    )
    assert github_context_from_env(actions_env(tmp_path, GITHUB_RUN_ID="")).run is None
    assert "ghs_envTOKEN42" not in repr(ctx)


def test_flags_override_the_environment(tmp_path: Path) -> None:
    ctx = github_context_from_env(actions_env(tmp_path), repo="other/repo", pr=5)

    assert (ctx.repository, ctx.pr_number) == ("other/repo", 5)


def test_pr_number_falls_back_to_the_ref_then_defaults_apply() -> None:
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": REPO, "GITHUB_REF": "refs/pull/9/merge"}

    ctx = github_context_from_env(env)

    assert ctx.pr_number == 9
    assert ctx.api_url == "https://api.github.com"
    assert ctx.server_url == "https://github.com"
    assert ctx.sha is None and ctx.run_url is None


def test_issue_comment_event_on_a_pull_request(tmp_path: Path) -> None:
    event = {"issue": {"number": 17, "pull_request": {"url": "x"}}, "comment": {"id": 1}}
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": REPO}
    env["GITHUB_EVENT_PATH"] = write_event(tmp_path, event)

    assert github_context_from_env(env).pr_number == 17


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        ("GITHUB_TOKEN", "set GITHUB_TOKEN"),
        ("GITHUB_REPOSITORY", "set GITHUB_REPOSITORY or pass --repo"),
        ("PR", "pass --pr N"),
    ],
)
def test_missing_setting_names_what_to_set(tmp_path: Path, drop: str, expected: str) -> None:
    env = actions_env(tmp_path)
    if drop == "PR":
        env["GITHUB_EVENT_PATH"] = write_event(tmp_path, {"ref": "refs/heads/main"})
        env["GITHUB_REF"] = "refs/heads/main"
    else:
        del env[drop]

    with pytest.raises(DbtgateError, match=expected) as caught:
        github_context_from_env(env)
    assert "ghs_envTOKEN42" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "api.github.com",
        "ftp://ghe.example.com/api/v3",
        "https://",
        "http://[::1",
        "https://ghe.example.com:99999/api/v3",
        "https://ghe example.com/api/v3",
        "ftp://ghs_envTOKEN42@ghe.example.com/api/v3",
    ],
)
def test_an_api_url_that_is_none_is_named_not_sent_to(tmp_path: Path, url: str) -> None:
    """A GITHUB_API_URL set by hand (another CI, a GitHub Enterprise step) without its scheme,
    or with a space: one line naming it, which `check` reports as a comment not posted; urllib
    raised it as a ValueError, an internal error that turned the verdict into exit 2. A URL
    holding the token is named without it."""
    env = actions_env(tmp_path, GITHUB_API_URL=url)
    with pytest.raises(DbtgateError, match=r"^GITHUB_API_URL='.*' is not the http\(s\) URL") as e:
        github_context_from_env(env)
    assert "ghs_envTOKEN42" not in str(e.value)
    assert "https://HOST/api/v3 for GitHub Enterprise Server" in str(e.value)


def test_broken_event_file_is_named_when_the_number_was_to_come_from_it(tmp_path: Path) -> None:
    bad = tmp_path / "event.json"
    bad.write_text("{not json", encoding="utf-8")
    env = {"GITHUB_TOKEN": "t0ken", "GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_PATH": str(bad)}

    with pytest.raises(DbtgateError) as caught:
        github_context_from_env(env)
    assert not isinstance(caught.value, NoPullRequest)  # a failure, not a push's run
    assert str(caught.value).startswith(
        f"no pull request number for the PR comment: GITHUB_EVENT_PATH={bad}: not a JSON event "
        "payload ("
    )
    assert str(caught.value).endswith(
        "pass --pr N (in a workflow: `--pr ${{ github.event.pull_request.number }}`)"
    )
    # Named otherwise, the pull request is commented on without the payload.
    assert github_context_from_env(env, pr=3).pr_number == 3
    ref = github_context_from_env({**env, "GITHUB_REF": "refs/pull/4/merge"})
    assert (ref.pr_number, ref.sha, ref.read_only) == (4, None, None)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"pr": 0}, "pull request number must be a positive integer, got 0"),
        ({"repo": "bad repo"}, "repository must look like owner/name, got 'bad repo'"),
    ],
)
def test_comment_flags_are_checked_before_the_gate_runs(flags, message) -> None:
    from dbtgate.report.publish import PublishRequest

    with pytest.raises(DbtgateError, match=f"^{message}$"):
        PublishRequest(comment=True, **flags)


def test_a_json_path_where_out_writes_another_report_is_refused_before_the_gate(tmp_path):
    from dbtgate.report.publish import PublishRequest

    out = tmp_path / "reports"
    with pytest.raises(DbtgateError, match=r"where --out .* writes the md report"):
        PublishRequest(json_path=out / "gate.md", out_dir=out)
    PublishRequest(json_path=out / "gate.json", out_dir=out)  # the same report: fine
    PublishRequest(json_path=out / "gate.md", out_dir=out, formats=["html"])


def test_malformed_repository_flag_is_refused() -> None:
    with pytest.raises(DbtgateError, match="owner/name"):
        github_context_from_env({"GITHUB_TOKEN": "t0ken"}, repo="just-a-name", pr=1)


def test_context_from_env_posts_to_the_api_it_names(github: FakeGitHub, tmp_path: Path) -> None:
    env = actions_env(
        tmp_path, GITHUB_TOKEN=github.token, GITHUB_API_URL=github.api_url, GITHUB_REF=""
    )
    github.add_pull_request(REPO, 42)

    result = post_sticky_comment(github_context_from_env(env), MARKER, "from the event")

    assert result.action == "created"
    # The run's GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT (1 when unset) follow the marker.
    assert github.comments(REPO, 42)[0]["body"] == stamped((123456, 1), "from the event")


def test_github_enterprise_api_under_a_path_is_used_for_every_request_and_page(
    tmp_path: Path,
) -> None:
    """GitHub Enterprise Server's API is `https://HOST/api/v3`: every request, and each next
    page its Link headers name, keeps that path (a URL joined from the host alone is a 404)."""
    with FakeGitHub(prefix="/api/v3") as ghe:
        ghe.add_pull_request(REPO, 42)
        for index in range(130):
            ghe.add_comment(REPO, 42, f"review note {index}")
        env = actions_env(tmp_path, GITHUB_TOKEN=ghe.token, GITHUB_API_URL=f"{ghe.api_url}/")
        assert env["GITHUB_API_URL"].endswith("/api/v3/")
        ctx = github_context_from_env(env)
        first = post_sticky_comment(ctx, MARKER, "run 1")
        second = post_sticky_comment(ctx, MARKER, "run 2")
        comments = ghe.comments(REPO, 42)
    assert (first.action, second.action) == ("created", "updated")
    assert first.comment_id == second.comment_id == comments[-1]["id"]
    assert len(comments) == 131 and comments[-1]["body"] == stamped((123456, 1), "run 2")
    assert f"/repos/{REPO}/issues/42/comments?per_page=100&page=2" in [r.path for r in ghe.requests]


OLD_HEAD, NEW_HEAD = "a" * 40, "b" * 40


def test_a_run_of_an_older_commit_leaves_the_newer_commits_comment_alone(
    github: FakeGitHub,
) -> None:
    """Two pushes in quick succession, or "Re-run jobs" on the first push's run: the run that
    gated the older commit must not put its verdict over the newer commit's."""
    github.push(REPO, PR, NEW_HEAD)
    newer = post_sticky_comment(context(github, event_head_sha=NEW_HEAD), MARKER, "newer: pass")
    github.requests.clear()

    older = post_sticky_comment(context(github, event_head_sha=OLD_HEAD), MARKER, "older: fail")

    assert older.action == "superseded" and older.newer_head == NEW_HEAD
    assert github.comments(REPO, PR)[0]["body"] == f"{MARKER}\nnewer: pass"
    assert [(r.method, r.path) for r in github.requests] == [("GET", f"/repos/{REPO}/pulls/{PR}")]
    line = older.describe()
    assert line.startswith("PR comment left as it is") and NEW_HEAD[:7] in line
    assert newer.action == "created"


def test_the_head_is_not_asked_without_an_event_or_read_when_the_token_may_not(
    github: FakeGitHub,
) -> None:
    github.push(REPO, PR, NEW_HEAD)
    # `--repo/--pr` outside Actions: no event, no commit to compare.
    created = post_sticky_comment(context(github), MARKER, "flags")
    assert created.action == "created"
    assert not any("/pulls/" in r.path for r in github.requests)
    # A token that may comment but not read pull requests: the comment is written as before.
    github.forbid_next(method="GET")
    updated = post_sticky_comment(context(github, event_head_sha=OLD_HEAD), MARKER, "issues")
    assert updated.action == "updated"


def test_the_event_head_is_the_one_of_the_event_pull_request(tmp_path: Path) -> None:
    assert github_context_from_env(actions_env(tmp_path)).event_head_sha == "a" * 40
    assert github_context_from_env(actions_env(tmp_path), pr=43).event_head_sha is None


def test_marker_cannot_close_the_html_comment_early() -> None:
    assert comment_marker("jaffle_shop") == "<!-- dbtgate:jaffle_shop -->"
    marker = comment_marker("evil --> <script>")
    assert marker.count("-->") == 1 and marker.endswith(" -->")
    assert "<script>" not in marker
    # A gate of part of the project has a comment of its own, not the full gate's.
    assert comment_marker("shop", "select=tag:finance+ exclude=a--> b") == (
        "<!-- dbtgate:shop select=tag:finance+ exclude=a-%2D%3E b -->"
    )
    assert "--" not in comment_marker("a---b", "key=-- --->")[4:-3]


def test_keys_of_safe_characters_give_the_marker_earlier_versions_posted() -> None:
    """Comments posted before keys were percent-encoded must still be found."""
    assert comment_marker("shop", "select=tag:finance+,path:models/a* key=duckdb-eu_1.x@v2") == (
        "<!-- dbtgate:shop select=tag:finance+,path:models/a* key=duckdb-eu_1.x@v2 -->"
    )


@pytest.mark.parametrize(
    "keys",
    [
        ("a<", "a>"),
        ("a<", "a_"),
        ("a%3C", "a<"),
        ("a--b", "a-b"),
        ("é", "è"),
        ("a\udcff", "a\udcfe"),
    ],
)
def test_keys_that_differ_only_in_unsafe_characters_keep_a_comment_each(
    github: FakeGitHub, keys: tuple[str, str]
) -> None:
    """Each key's marker tells it apart (a matrix job per key), also on the second run."""
    markers = [comment_marker("shop", f"key={key}") for key in keys]
    assert markers[0] != markers[1]
    for run in (1, 2):
        for marker in markers:
            post_sticky_comment(context(github), marker, f"{marker}\nrun {run}")
    assert [c["body"] for c in github.comments(REPO, PR)] == [f"{m}\nrun 2" for m in markers]


# The client's timeout in the tests of a stalled request. It bounds every request of the call,
# the ones answered at once too, so it leaves those headroom on a loaded CI runner (88 ms seen at
# load 8 on 2 cores: 11 times that), while the stall outlasts it three times over; the test
# waits it out once.
CLIENT_TIMEOUT = 1.0
STALL = 3 * CLIENT_TIMEOUT


def test_a_timeout_is_retried_once_for_a_request_safe_to_repeat(github: FakeGitHub) -> None:
    stalled = github.stall_next(STALL, method="GET")
    result = post_sticky_comment(context(github), MARKER, "report", timeout=CLIENT_TIMEOUT)
    assert result.action == "created"
    assert stalled.wait(10)
    assert methods(github) == ["GET", "GET", "POST", "GET"]


def test_an_answer_broken_off_is_retried_once_for_a_request_safe_to_repeat(
    github: FakeGitHub,
) -> None:
    """A connection dropped mid-answer (a proxy that gave up) is a network error like a reset
    one: it was an internal error that turned the gate's verdict into exit 2."""
    github.cut_next(method="GET")
    result = post_sticky_comment(context(github), MARKER, "report")
    assert result.action == "created"
    assert methods(github) == ["GET", "GET", "POST", "GET"]
    github.cut_next(method="GET")
    github.cut_next(method="GET")
    with pytest.raises(CommentError, match=r"listing the comments .*: the answer broke off"):
        post_sticky_comment(context(github), MARKER, "report 2")


def test_a_comment_whose_creation_broke_off_is_not_posted_twice(github: FakeGitHub) -> None:
    github.cut_next(method="POST")
    with pytest.raises(CommentError, match=r"creating the comment .*: the answer broke off"):
        post_sticky_comment(context(github), MARKER, "report")
    assert methods(github).count("POST") == 1


def test_a_comment_whose_creation_timed_out_is_not_posted_twice(github: FakeGitHub) -> None:
    """The POST may have been carried out after the client stopped waiting: a second one could
    duplicate the comment, so the timeout is reported."""
    stalled = github.stall_next(STALL, method="POST")
    with pytest.raises(CommentError, match=r"creating the comment .*: no answer within 1 s"):
        post_sticky_comment(context(github), MARKER, "report", timeout=CLIENT_TIMEOUT)
    # The client gives up at its timeout whether or not this server's thread has read the POST yet
    # (on a loaded machine it may not have): the POSTs are counted once it has arrived.
    assert stalled.wait(10)
    assert methods(github).count("POST") == 1


def test_a_refused_comment_on_a_forks_pull_request_names_the_fork(github: FakeGitHub) -> None:
    github.forbid_next(method="POST")
    with pytest.raises(CommentError, match=r"^the pull request comes from the fork alice/wh,"):
        post_sticky_comment(context(github, read_only=True, fork="alice/wh"), MARKER, "report")
    # A rate limit is said as one, fork or not.
    github.rate_limit_next()
    with pytest.raises(CommentError, match="rate limit exceeded"):
        post_sticky_comment(context(github, read_only=True, fork="alice/wh"), MARKER, "report")


BRANCH_HINT = "the workflow's `permissions:` need `pull-requests: write` (or `issues: write`)"
FORK_TOO = "a pull request from a fork gets a read-only token whatever the workflow says"


@pytest.mark.parametrize(
    ("event_name", "head", "head_is_fork", "read_only", "says", "never"),
    [
        # The repository's own branch: its workflow's permissions are to fix, no fork is named.
        ("pull_request", REPO, False, False, [BRANCH_HINT], ["fork"]),
        # A branch of a repository that is itself a fork: `head.repo.fork` is true all the same.
        ("pull_request", REPO, True, False, [BRANCH_HINT], ["fork"]),
        ("pull_request", "alice/wh", True, True, ["comes from the fork alice/wh"], ["permissions"]),
        ("pull_request", None, False, True, ["comes from a fork (since deleted)"], ["permissions"]),
        # pull_request_target runs with the repository's token, a fork's pull request too.
        ("pull_request_target", "alice/wh", True, False, [BRANCH_HINT], ["fork"]),
    ],
    ids=["branch", "branch-of-a-forked-repository", "fork", "deleted-fork", "target"],
)
def test_a_refused_comment_says_what_fits_the_event(
    github: FakeGitHub, tmp_path: Path, event_name, head, head_is_fork, read_only, says, never
) -> None:
    """The event payload GitHub writes tells a fork's pull request (a read-only token, nothing
    to grant) from the repository's own branch (the workflow lacks the permission)."""
    event = pull_request_event(PR, "a" * 40, base=REPO, head=head, head_is_fork=head_is_fork)
    env = {
        "GITHUB_TOKEN": github.token,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.api_url,
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_EVENT_PATH": write_event(tmp_path, event),
    }
    ctx = github_context_from_env(env)
    assert ctx.read_only is read_only
    github.forbid_next(method="POST")
    with pytest.raises(CommentError) as caught:
        post_sticky_comment(ctx, MARKER, "report")
    message = str(caught.value)
    assert all(text in message for text in says), message
    assert not any(text in message for text in never), message
    assert caught.value.refused is not read_only


def test_a_refused_comment_says_both_when_the_event_cannot_tell(
    github: FakeGitHub, tmp_path: Path
) -> None:
    """`--pr` outside a pull request's run, or an event without the repositories: the
    permission and the fork's read-only token, briefly."""
    push = write_event(tmp_path, {"ref": "refs/heads/main"})
    env = {"GITHUB_TOKEN": github.token, "GITHUB_API_URL": github.api_url}
    ctx = github_context_from_env({**env, "GITHUB_EVENT_PATH": push}, repo=REPO, pr=PR)
    assert ctx.read_only is None
    github.forbid_next(method="POST")
    with pytest.raises(CommentError, match=f"HTTP 403.*: {re.escape(BRANCH_HINT)}.*{FORK_TOO}$"):
        post_sticky_comment(ctx, MARKER, "report")


def test_a_personal_token_refused_is_told_the_scope_it_needs() -> None:
    """The workflow's `permissions:` govern the Actions token only: a personal access token
    refused needs another scope."""
    token = "github_pat_11ABCDEFG0123456789"
    with FakeGitHub(token) as github:
        github.add_pull_request(REPO, PR)
        github.forbid_next(method="POST")
        with pytest.raises(CommentError) as caught:
            post_sticky_comment(context(github), MARKER, "report")
    message = str(caught.value)
    assert "`Pull requests: write` on acme/warehouse (fine-grained)" in message
    assert "permissions:" not in message and token not in message
