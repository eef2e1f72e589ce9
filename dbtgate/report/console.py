"""The terminal report: what was gated, what blocks (grouped by severity and owner), the verdict.

Written for the engineer at a laptop and for a CI log: rich colours and a progress bar for the long
stages on a terminal; plain text, no colour codes and no progress redraws when piped (a CI log) or
when NO_COLOR is set (rich honours both); the verdict as the last line, also with `--quiet`.
"""

from __future__ import annotations

import os
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.control import STRIP_CONTROL_CODES
from rich.markup import escape
from rich.segment import Segment, Segments
from rich.style import Style
from rich.table import Table

from dbtgate.findings import SEVERITY_ORDER
from dbtgate.report.view import DISPOSITION_TITLES, NO_OWNER, family_rank
from dbtgate.summary import ProjectSummary, share
from dbtgate.wording import counted

if TYPE_CHECKING:
    from dbtgate.findings import Finding
    from dbtgate.gate import GateResult

_SEVERITY_STYLE = {
    "error": Style(bold=True, color="red"),
    "warn": Style(color="yellow"),
    "info": Style(color="cyan"),
}
_BOLD, _DIM = Style(bold=True), Style(dim=True)
# Control codes dropped, line breaks made spaces: a finding, note or owner prints as one line,
# so text from the pull request (an owner, a waiver reason, a dbt error) cannot start a line of
# its own, such as a GitHub workflow command (`::error file=...::`) in the CI log.
_CONTROL_CODES: dict[int, str | None] = {
    **dict.fromkeys(STRIP_CONTROL_CODES),
    **dict.fromkeys(map(ord, "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), " "),
}


def print_summary(console: Console, summary: ProjectSummary) -> None:
    table = Table(title=f"dbt project {escape(_clean(summary.name))}", show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    version = summary.dbt_version or "?"
    table.add_row("dbt", f"{escape(_clean(version))} (manifest schema v{summary.schema_version})")
    resources = ", ".join(counted(n, kind) for kind, n in summary.resource_counts.items())
    if summary.package_resources:
        resources += f"; {summary.package_resources} more in installed packages"
    table.add_row("resources", resources)
    table.add_row("models tested", share(summary.models_tested, summary.models))
    table.add_row("models described", share(summary.models_described, summary.models))
    table.add_row("columns described", share(summary.columns_described, summary.columns))
    table.add_row("models with an owner", share(summary.models_with_owner, summary.models))
    table.add_row("tiers", ", ".join(f"{k}: {v}" for k, v in summary.by_tier.items()) or "-")
    owners = list(summary.by_owner.items())
    shown = ", ".join(f"{escape(_clean(k))}: {v}" for k, v in owners[:8])
    if len(owners) > 8:
        shown += f", … {len(owners) - 8} more"
    table.add_row("owners", shown or "-")
    console.print(table)


# Per disposition group: a CI log with 48,000 finding lines is unreadable and slow to print;
# the reports (JSON, markdown, HTML, SARIF, ...) keep every finding.
DEFAULT_MAX_FINDINGS = 200


def print_result(
    console: Console,
    result: GateResult,
    *,
    quiet: bool = False,
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> None:
    """The findings by disposition and owner, then the verdict. At most `max_findings` lines per
    disposition group (0: all): the most severe first, and of those breaking changes and run
    status before policy findings and lint (`view.family_rank`); a line says how many more."""
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(_clean(warning))}")
    for note in result.notes:
        console.print(f"[dim]note:[/] {escape(_clean(note))}")
    if not quiet:
        for disposition, title in DISPOSITION_TITLES.items():
            group = [f for f in result.findings if f.disposition == disposition]
            if 0 < max_findings < len(group):  # which ones are printed: the most needed
                ranks = {
                    code: family_rank(code.split(".", 1)[0]) for code in {f.code for f in group}
                }
                group.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 9) * 10 + ranks[f.code])
            if group:
                result.complete(group[:max_findings] if max_findings > 0 else group)
                _print_group(console, title, group, max_findings)
        _print_targets(console, result.sections.get("kpis"))
    console.print(
        verdict_line(result), style="bold green" if result.decision == "pass" else "bold red"
    )


@contextmanager
def untrusted_output(console: Console, environ: Mapping[str, str] | None = None) -> Iterator[None]:
    """In GitHub Actions, what is printed inside is never read as a workflow command.

    The runner reads any line that starts with `::` (after spaces) as a command, and findings
    carry text from the pull request (owners, names, messages) that can start a line, directly
    or where a table cell wraps: an owner named `::error file=...::` forged an annotation. The
    runner's own remedy: `::stop-commands::TOKEN` before, `::TOKEN::` after, with a token the
    text cannot know (a fresh random one). dbtgate's annotations are written before this."""
    environ = os.environ if environ is None else environ
    if environ.get("GITHUB_ACTIONS", "").lower() != "true":
        yield
        return
    token = secrets.token_hex(16)
    console.print(f"::stop-commands::{token}", markup=False, highlight=False)
    try:
        yield
    finally:
        console.print(f"::{token}::", markup=False, highlight=False)


@contextmanager
def stage(
    console: Console, description: str, *, total: int | None = None, quiet: bool = False
) -> Iterator[Callable[[int], None]]:
    """A transient progress bar (a spinner when `total` is unknown) while a long stage runs.

    Only on a terminal: in a CI log, redrawn progress lines are noise. Yields `advance(n)`."""
    if quiet or not console.is_terminal:
        yield lambda steps=1: None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda steps=1: progress.advance(task, steps)


def _print_group(console: Console, title: str, findings: list[Finding], limit: int = 0) -> None:
    console.print()
    heading = f"{title} ({len(findings)})"
    if console.is_terminal:
        console.rule(escape(heading), align="left")
    else:
        console.print(f"{escape(heading)}\n{'-' * len(heading)}", highlight=False)
    shown = findings[:limit] if limit > 0 else findings
    by_owner: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown:
        by_owner[finding.owner or NO_OWNER].append(finding)
    # Pre-styled text, one print per group: no markup to parse (so nothing to escape) and none
    # of rich's per-call layout, which cost ~0.3 ms a line: 30 s for the 100,000 lines of a
    # 10,000-model project. Piped or colourless, the group is one plain string.
    pieces: list[tuple[str, Style | None]] = []
    add = pieces.append
    # Named owners alphabetically, the unowned last (as in every report).
    for owner in sorted(by_owner, key=lambda name: (name == NO_OWNER, name.lower())):
        add((_clean(owner), _BOLD))
        add(("\n", None))
        for finding in by_owner[owner]:
            where = finding.path or ""
            if finding.line:
                where += f":{finding.line}" + (f":{finding.column}" if finding.column else "")
            add(("  ", None))
            add((f"{finding.severity:<5}", _SEVERITY_STYLE.get(finding.severity)))
            add((" ", None))
            add((_clean(finding.code), _BOLD))
            add((f" {_clean(finding.message)}  ", None))
            add((_clean(where), _DIM))
            add(("\n", None))
            if finding.fix:
                add(("        ", None))
                add(("fix:", _DIM))
                add((f" {_clean(finding.fix)}\n", None))
            if finding.waiver is not None:
                waiver = finding.waiver
                add(("        ", None))
                add((f"waived by {_clean(waiver.owner)} until {waiver.expires}:", _DIM))
                add((f" {_clean(waiver.reason)}\n", None))
    hidden = len(findings) - len(shown)
    if hidden:
        add(
            (
                f"… and {hidden} more (`--max-findings 0` prints all; the --json and --out "
                "reports hold every finding)\n",
                _DIM,
            )
        )
    if console.color_system is None:
        segments = [Segment("".join(text for text, _ in pieces))]
    else:
        segments = [Segment(text, style) for text, style in pieces]
    console.print(Segments(segments), end="", crop=False)


def _clean(text: str) -> str:
    """Drop the control codes rich strips from printed text (bell, backspace, ...) and make
    line breaks spaces (`_CONTROL_CODES`)."""
    return text if text.isprintable() else text.translate(_CONTROL_CODES)


def _print_targets(console: Console, kpis: Any) -> None:
    """The KPIs that have a target, one line each: the release manager's question on a laptop.

    The full scorecard (per tier, per owner) is in the markdown and HTML reports."""
    from dbtgate.report.view import scorecard_rows

    rows = [row for row in scorecard_rows(kpis) or [] if row[3] != "–" and row[4] != "no data"]
    if not rows:
        return
    table = Table(title="KPIs with a target", title_justify="left", box=None, pad_edge=False)
    for header in ("KPI", "value", "count", "target", "status"):
        table.add_column(header)
    for kpi, value, count, target, status, gated in rows:
        style = "red" if status == "below" else "green" if status == "met" else ""
        label = f"{status} (gated)" if gated else status
        table.add_row(
            escape(kpi),
            value,
            count,
            target,
            f"[{style}]{escape(label)}[/]" if style else escape(label),
        )
    console.print(table)


def verdict_line(result: GateResult) -> str:
    blocking = result.count("blocking")
    others = len(result.findings) - blocking
    if result.decision == "pass":
        return f"dbtgate: PASS — no blocking findings ({others} non-blocking)"
    noun = "finding" if blocking == 1 else "findings"
    return f"dbtgate: FAIL — {blocking} blocking {noun}, {others} non-blocking"
