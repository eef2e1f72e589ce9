"""GitHub Actions workflow-command annotations: a finding shown on the exact line of the PR diff.

The runner reads any stdout line of the form `::error file=...,line=...::message` as a command, so
untrusted text (model names, descriptions, SQL) must be escaped or a message containing a newline
could start a command of its own. GitHub also shows only a few annotations per step (10 errors,
10 warnings and 10 notices; 50 per job, the sum of its steps) and drops the rest silently; we
choose which ones are shown (most severe first) and finish with a notice that says how many were
left out and where the full report is. What earlier dbtgate runs of the job wrote counts
against the same limits (`job_annotations`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from dbtgate.plain_text import without_control_codes
from dbtgate.report.view import family_rank
from dbtgate.wording import counted

LEVELS = ("error", "warning", "notice")
PER_LEVEL_LIMIT = 10
PER_JOB_LIMIT = 50

# Finding severities (and the level names themselves) to workflow-command levels.
_LEVEL_OF = {
    "error": "error",
    "warn": "warning",
    "warning": "warning",
    "info": "notice",
    "notice": "notice",
}


def escape_data(text: str) -> str:
    """Escape a command's message the way the runner unescapes it (as @actions/core does), after
    dropping the control codes that no escape covers (dbtgate.plain_text)."""
    text = without_control_codes(text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: `:` and `,` would otherwise end the value or the property list."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    end_line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    """One workflow-command line (without the newline), e.g. `::error file=a.yml,line=3::msg`."""
    if level not in LEVELS:
        raise ValueError(f"annotation level must be one of {', '.join(LEVELS)}, not {level!r}")
    props = [
        (name, value)
        for name, value in (
            ("file", file),
            ("line", line),
            ("endLine", end_line),
            ("col", col),
            ("title", title),
        )
        if value is not None and value != ""
    ]
    prop_text = ",".join(f"{name}={escape_property(str(value))}" for name, value in props)
    separator = " " if prop_text else ""
    return f"::{level}{separator}{prop_text}::{escape_data(message)}"


def annotation_level(severity: str) -> str:
    """The workflow-command level of a severity: `warn` -> `warning`, `info` -> `notice`."""
    try:
        return _LEVEL_OF[severity]
    except KeyError:
        raise ValueError(f"unknown severity {severity!r} for an annotation") from None


def render_annotations(
    items: Iterable[Any],
    *,
    per_level: int = PER_LEVEL_LIMIT,
    limit: int = PER_JOB_LIMIT,
    full_report: str = "the job summary and the JSON gate report",
    taken: Mapping[str, int] | None = None,
    job_taken: int = 0,
) -> list[str]:
    """Workflow-command lines for findings, most severe first, capped to what GitHub will show.

    `items` are duck-typed: `severity` and `message`, optionally `path`, `line`, `column` and
    `title` (or `code`, used as the title when there is no title). When some are left out, the
    last line is a notice saying how many and pointing at `full_report`. `taken`: annotations of
    each level the step has already written (one saying the PR comment was not posted), which
    GitHub counts against the same limits; `job_taken`: those the job's other steps wrote, which
    count against the job's `limit` (`job_annotations`).
    """
    if per_level < 1 or limit < 1:
        raise ValueError("per_level and limit must be at least 1")
    used, limit_given = taken or {}, limit
    caps = {level: max(per_level - used.get(level, 0), 0) for level in LEVELS}
    limit = max(limit - job_taken - sum(used.values()), 0)
    ordered = sorted(items, key=_sort_key)
    shown = _select(ordered, caps=caps, limit=limit)
    if len(shown) < len(ordered):
        # The closing note is a notice too: reserve its slot so GitHub does not drop the note.
        caps["notice"] -= 1
        shown = _select(ordered, caps=caps, limit=limit - 1)
    lines = [_format_item(item) for item in shown]
    omitted = len(ordered) - len(shown)
    if omitted:
        lines.append(
            format_annotation(
                "notice",
                # Grouped in thousands as every report's counts: "39003 more" beside their 39,023.
                f"{counted(omitted, 'more finding')} not annotated (GitHub shows at most"
                f" {per_level} annotations of each level per step and {limit_given} per job);"
                f" see {full_report} for all of them.",
                title="dbtgate",
            )
        )
    return lines


def _select(ordered: list[Any], *, caps: Mapping[str, int], limit: int) -> list[Any]:
    taken: Counter[str] = Counter()
    shown = []
    for item in ordered:
        if len(shown) >= limit:
            break
        level = annotation_level(item.severity)
        if taken[level] < caps[level]:
            taken[level] += 1
            shown.append(item)
    return shown


def _sort_key(item: Any) -> tuple:
    """Most severe first; within a level what blocks the gate, then breaking changes and run
    status before policy findings and lint (`view.family_rank`): GitHub shows ten."""
    level = annotation_level(item.severity)
    return (
        LEVELS.index(level),
        _attr(item, "disposition") not in (None, "blocking"),
        family_rank(_attr(item, "family")),
        _attr(item, "path") or "",
        _attr(item, "line") or 0,
        _attr(item, "column") or 0,
        _title(item) or "",
        item.message,
    )


def _format_item(item: Any) -> str:
    path = _attr(item, "path")
    return format_annotation(
        annotation_level(item.severity),
        item.message,
        file=path,
        # A line without a file is meaningless to the runner; a column needs its line.
        line=_attr(item, "line") if path else None,
        col=_attr(item, "column") if path and _attr(item, "line") else None,
        title=_title(item),
    )


def _title(item: Any) -> str | None:
    return _attr(item, "title") or _attr(item, "code")


def _attr(item: Any, name: str) -> Any:
    return getattr(item, name, None)
