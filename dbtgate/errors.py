"""The one error type the CLI turns into a one-line message and exit code 2, and the one words
for a JSON file cut short.

Everything that is the user's input being wrong (a missing or truncated artifact, a bad config key, an
unknown rule code) raises `DbtgateError` with a message that names the file and, where there is one,
the line or JSON path. The CLI prints the message and exits 2; it never shows a traceback.
"""


class DbtgateError(Exception):
    """A problem with the user's input or environment that stops the run (exit code 2)."""


def truncated_json(path: object) -> DbtgateError:
    """A JSON file that ends before its text does: a job stopped while writing it, an upload or a
    copy cut short. Every JSON reader says so alike (an artifact, a gate report, a baseline), not
    its parser's words for where the text stopped ("Unterminated string starting at ...")."""
    return DbtgateError(f"{path}: truncated JSON (the file ends early; was it fully written?)")
