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


def lookup_problem(path: object) -> str | None:
    """Why the system cannot look `path` up at all ("File name too long" for a name over 255
    bytes, "Permission denied"), or None when it can, whether or not anything is there.

    `Path.exists()` and `is_file()` raise on these (they only answer False for a missing
    path), which ended the run with the bare path and no word of the setting that gave it:
    the checks of each path setting call this first and name the setting's line."""
    import errno
    import os

    try:
        os.stat(path)  # type: ignore[arg-type]
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return None
        return exc.strerror or str(exc)
    except ValueError as exc:  # a NUL byte in the name
        return str(exc)
    return None
