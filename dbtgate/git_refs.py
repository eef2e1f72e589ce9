"""What to tell a user whose git ref git does not know: a fetch, or the refs with a close name.

`check --base REF`, `diff --base REF` and `lint --base-ref REF` say the same thing of the same
mistake (the README's `origin/main` in a repository with no remote, a shallow CI clone)."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from dbtgate.wording import code_span


def missing_ref_hint(repo: Any, ref: str) -> str:
    """What the user can do about a ref git does not know. A ref whose first part names one of
    the repository's remotes (`git remote`) may not be fetched yet: CI checks out one commit by
    default (actions/checkout: `fetch-depth: 1`), without the base branch, so the fetch that
    brings it is named. Any other ref (a typo of `feature/x`, the README's `origin/main` in a
    repository never pushed anywhere) was not found: no fetch can bring it, so the refs with a
    close name are offered instead."""
    remote, _, branch = ref.partition("/")
    close = close_refs(repo, ref)
    suggestion = f"; close names: {', '.join(code_span(name) for name in close)}" if close else ""
    if not branch or remote not in {r.name for r in repo.remotes}:
        return f" (no branch, tag or commit {code_span(ref)}{suggestion})"
    fetch = code_span(f"git fetch {remote} {branch}")
    if (Path(repo.git_dir) / "shallow").exists():
        return (
            f" (the clone is shallow: fetch {fetch}, or check out with `fetch-depth: 0` in "
            f"actions/checkout{suggestion})"
        )
    return f" (not fetched? {fetch}{suggestion})"


def close_refs(repo: Any, ref: str, limit: int = 3) -> list[str]:
    """The branches and tags (`git for-each-ref`) whose names are close to `ref`, or to what
    follows its first `/` (`main` for `origin/main` where there is no remote `origin`)."""
    listed = repo.git.for_each_ref("--format=%(refname)", "refs/heads", "refs/remotes", "refs/tags")
    names = sorted(
        name.split("/", 2)[2]
        for name in listed.splitlines()
        if not name.endswith("/HEAD") and name.split("/", 2)[2] != ref
    )
    wanted = [ref] + ([ref.partition("/")[2]] if "/" in ref else [])
    close: list[str] = []
    for word in wanted:
        close += [
            name for name in difflib.get_close_matches(word, names, limit) if name not in close
        ]
    return close[:limit]
