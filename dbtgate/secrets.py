"""The GitHub tokens a CI step holds: kept out of the processes dbtgate starts and out of every
text it posts or writes where others read it.

In GitHub Actions the gate's step holds a token that may write to the pull request. What dbtgate
runs for the base build (`dbt parse` of a git ref) reads the pull request's own dbt profile and
packages, so the pull request decides what that process does with its environment, and dbt's
output comes back in error messages that the sticky comment and the job summary show. Actions
masks secrets in the job's log, not in a comment. So the token never reaches dbt, and any text
published is scrubbed of it all the same.
"""

from __future__ import annotations

from collections.abc import Mapping

# The tokens of GitHub and its CLI a workflow step may carry (the Actions runtime's own too).
TOKEN_VARIABLES = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
)
# Shorter values are not tokens (an unset variable, `1`): replacing them would garble text.
_MIN_SECRET = 8
MASK = "***"


def without_tokens(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` for a process dbtgate starts: the same, without the GitHub tokens."""
    return {name: value for name, value in environ.items() if name not in TOKEN_VARIABLES}


def scrub_tokens(text: str, environ: Mapping[str, str], *also: str | None) -> str:
    """`text` with every GitHub token of `environ` (and the values in `also`) masked."""
    secrets = [environ.get(name, "") for name in TOKEN_VARIABLES] + [value or "" for value in also]
    for secret in sorted({s.strip() for s in secrets if len(s.strip()) >= _MIN_SECRET}, key=len):
        text = text.replace(secret, MASK)
    return text
