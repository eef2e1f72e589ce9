"""The one error type the CLI turns into a one-line message and exit code 2.

Everything that is the user's input being wrong (a missing or truncated artifact, a bad config key, an
unknown rule code) raises `DbtgateError` with a message that names the file and, where there is one,
the line or JSON path. The CLI prints the message and exits 2; it never shows a traceback.
"""


class DbtgateError(Exception):
    """A problem with the user's input or environment that stops the run (exit code 2)."""
