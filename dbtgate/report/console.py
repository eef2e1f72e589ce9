"""The terminal report: what was gated, what blocks (grouped by severity and owner), the verdict.

Written for the engineer at a laptop and for a CI log: rich colours and a progress bar for the long
stages on a terminal; plain text, no colour codes and no progress redraws when piped (a CI log) or
when NO_COLOR is set (rich honours both); the verdict as the last line, also with `--quiet`.

Two consoles print it. On a terminal, rich's; on a pipe or a CI log, `PlainConsole`, which writes
the same text without importing rich (its import is ~30 ms, a few per cent of every CI run at
10,000 models). Both are given pieces of text with a style name, never markup, so text from the
pull request needs no escaping.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TextIO

from dbtgate.findings import SEVERITY_ORDER
from dbtgate.named_files import from_here
from dbtgate.plain_text import one_line
from dbtgate.report.view import (
    DELETED,
    DISPOSITION_TITLES,
    MAX_PLACES,
    base_newer_words,
    diff_counts_text,
    expired_waiver_note,
    family_rank,
    fold_repeats,
    owner_group,
    owner_order,
    suggested_waiver_intro,
    suggested_waiver_lines,
    touched_tally,
    verdict_words,
)
from dbtgate.summary import ProjectSummary, share
from dbtgate.wording import counted, expiry_note, hanging, number

if TYPE_CHECKING:
    from dbtgate.findings import Finding
    from dbtgate.gate import GateResult

# A piece of a line: its text and a rich style name (None: unstyled).
Piece = tuple[str, str | None]

_SEVERITY_STYLE = {"error": "bold red", "warn": "yellow", "info": "cyan"}
# Whether what runs the gate names its report files itself after the verdict (`reports_listed_
# after`): the report's own `reports:` line then said them twice.
_REPORTS_LISTED_AFTER: ContextVar[bool] = ContextVar("reports_listed_after", default=False)
_SEVERITY_AND_CODE = attrgetter("severity", "code")


class PlainConsole:
    """The part of rich's Console the gate's report uses, for a pipe or a CI log: text as it
    is, no styles, no wrapping, no progress."""

    is_terminal = False
    color_system = None

    def __init__(self, file: TextIO) -> None:
        self.file = file

    def print(self, text: str = "", *, end: str = "\n", **_ignored: Any) -> None:
        """Write `text` as it is (rich's markup, styles and highlighting do not apply)."""
        self.file.write(f"{text}{end}")


def is_terminal(file: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Whether rich would treat `file` as a terminal: TTY_COMPATIBLE=1/0 and FORCE_COLOR decide
    first (https://force-color.org), then whether the file is a tty."""
    environ = os.environ if environ is None else environ
    tty_compatible = environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    if environ.get("FORCE_COLOR") is not None:
        return environ["FORCE_COLOR"] != ""
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False


def report_console(stderr: bool = False) -> Any:
    """The console for the gate's report: rich's on a terminal, else a PlainConsole."""
    file = sys.stderr if stderr else sys.stdout
    if not is_terminal(file):
        return PlainConsole(file)
    from rich.console import Console

    return reader_may_leave(Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False))


def reader_may_leave(console: Any) -> Any:
    """`console`, whose closed pipe (`dbtgate check | head`) is a BrokenPipeError, as it is
    for print(): rich's own answer exits 1 on the spot, a failure where the verdict reached
    may be a pass (`cli.ReaderGone`)."""

    def gone() -> None:
        raise BrokenPipeError

    console.on_broken_pipe = gone
    return console


def output_dropped_once_gone(console: Any) -> Any:
    """`console` for a command with work still to do between its lines (`dbtgate demo | head`):
    once its reader has gone, what it prints goes nowhere (`reader_gone`) and the work goes on
    to the exit code it reaches, where stopping at the closed pipe exited 1 with the work
    half done."""
    console.on_broken_pipe = lambda: reader_gone(console)
    return console


def reader_gone(console: Any) -> None:
    """Print nothing more to `console`'s reader, who left: its file (standard output) now leads
    to /dev/null, so neither its next line nor the interpreter's last flush meets the closed
    pipe."""
    console.quiet = True
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, console.file.fileno())
    os.close(devnull)


def _print_pieces(
    console: Any, pieces: Sequence[Piece], end: str = "\n", *, wrap: bool = False
) -> None:
    """Styled pieces of text, as rich segments: no markup to parse (so nothing to escape), no
    emoji codes replaced, and none of rich's per-call layout, which cost ~0.3 ms a line (30 s
    for the 100,000 lines of a 10,000-model project). Without colour (a pipe, NO_COLOR) one
    plain string. With `wrap`, on a terminal, lines wider than it are wrapped at words with a
    hanging indent (`console_wrap`); a pipe's lines stay whole, one per finding."""
    if isinstance(console, PlainConsole):
        console.print("".join(text for text, _ in pieces), end=end)
        return
    from rich.segment import Segment, Segments
    from rich.style import Style

    if wrap and console.is_terminal and _width_known(console):
        from dbtgate.report.console_wrap import wrapped

        pieces = wrapped(pieces, console.width)

    # rich prints `end` after text only, not after segments: it is the last segment.
    if console.color_system is None:
        segments = [Segment("".join(text for text, _ in pieces) + end)]
    else:
        segments = [Segment(text, Style.parse(style) if style else None) for text, style in pieces]
        segments.append(Segment(end))
    console.print(Segments(segments), end="", crop=False)


def _width_known(console: Any) -> bool:
    """Whether rich's width is the terminal's: a tty's, or one given (COLUMNS, `width=`). A CI
    log coloured by FORCE_COLOR has rich's default of 80 columns, which nothing folds at: its
    lines stay whole there, one per finding."""
    if getattr(console, "_width", None) is not None:
        return True
    try:
        return console.file.isatty()
    except (AttributeError, ValueError):
        return False


def _print_table(
    console: Any,
    title: str,
    rows: list[list[Piece]],
    *,
    headers: tuple[str, ...] = (),
    column_styles: tuple[str | None, ...] = (),
    title_left: bool = False,
    pad_edge: bool = True,
) -> None:
    """A borderless table as rich draws it (`box=None`): cells padded by a space each side (not
    on the outer edges without `pad_edge`), a header row when there are `headers`, the title
    above. A PlainConsole gets the same layout, unwrapped, the title on the left (where rich
    puts it on a pipe too, unless the table is wider than the console). Every cell is one line
    (`_clean`), whatever the project's artifacts put in it."""
    title = _clean(title)
    rows = [[(_clean(text), style) for text, style in row] for row in rows]
    if not isinstance(console, PlainConsole):
        from rich.markup import escape
        from rich.table import Table
        from rich.text import Text

        table = Table(
            title=escape(title),  # a Text title would not be centred
            title_justify="left" if title_left else "center",
            show_header=bool(headers),
            box=None,
            pad_edge=pad_edge,
        )
        for index in range(len(rows[0]) if rows else len(headers)):
            style = column_styles[index] if index < len(column_styles) else None
            table.add_column(headers[index] if headers else None, style=style or "")
        for row in rows:
            table.add_row(*(Text(text, style=style or "") for text, style in row))
        console.print(table)
        return
    lines = [list(headers)] if headers else []
    lines += [[text for text, _ in row] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))] if lines else []
    last = len(widths) - 1
    rendered = []
    for line in lines:
        cells = []
        for index, (text, width) in enumerate(zip(line, widths, strict=True)):
            left = " " if pad_edge or index > 0 else ""
            right = " " if pad_edge or index < last else ""
            cells.append(f"{left}{text.ljust(width)}{right}")
        rendered.append("".join(cells).rstrip())
    console.print("\n".join([title, *rendered]))


def print_summary(console: Any, summary: ProjectSummary) -> None:
    version = summary.dbt_version or "?"
    resources = ", ".join(
        counted(n, kind.replace("_", " ")) for kind, n in summary.resource_counts.items()
    )
    if summary.package_resources:
        resources += f"; {number(summary.package_resources)} more in installed packages"
    owners = list(summary.by_owner.items())
    shown = ", ".join(f"{k}: {number(v)}" for k, v in owners[:8])
    if len(owners) > 8:
        shown += f", … {number(len(owners) - 8)} more"
    rows = [
        ("dbt", f"{version} (manifest schema v{summary.schema_version})"),
        ("resources", resources),
        ("models tested", share(summary.models_tested, summary.models)),
        ("models documented", share(summary.models_described, summary.models)),
        ("columns documented", share(summary.columns_described, summary.columns)),
        ("models with an owner", share(summary.models_with_owner, summary.models)),
        ("tiers", ", ".join(f"{k}: {number(v)}" for k, v in summary.by_tier.items()) or "-"),
        ("owners", shown or "-"),
    ]
    _print_table(
        console,
        f"dbt project {summary.name}",
        [[(label, None), (value, None)] for label, value in rows],
        column_styles=("bold", None),
    )


# Per disposition group: a CI log with 48,000 finding lines is unreadable and slow to print;
# the reports (JSON, markdown, HTML, SARIF, ...) keep every finding.
DEFAULT_MAX_FINDINGS = 200


def print_result(
    console: Any,
    result: GateResult,
    *,
    quiet: bool = False,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    full_reports: Sequence[str] = (),
    written: Sequence[str] = (),
    diff_command: str = "dbtgate diff",
    paths: Callable[[str], str] | None = None,
    commands: Callable[[str], str] | None = None,
) -> None:
    """The findings by disposition and owner, then the verdict. At most `max_findings` lines per
    disposition group (0: all): the most severe first, and of those breaking changes and run
    status before policy findings and lint (`view.family_rank`); the group's findings counted
    per rule under its heading, and a line after its last says how many more and where they
    are (`full_reports`: the files this run wrote that hold every finding); `written`: every
    report file this run wrote, named in one line before the verdict. `diff_command` is
    the command that lists the schema diff's changes, with the builds this run was given.
    `paths` names the files of the findings, of the notes and warnings (`named_files`) and the
    config from the working directory (`locate.console_paths`); `commands` the files of the
    findings' fixes (`dbtgate lint --fix ...`, written to paste at the repository's root) as a
    command pasted there names them (`locate.command_paths`)."""
    named = result.named_files  # the files a note names, from the working directory too

    def fix_here(fix: str) -> str:
        return from_here(fix, named, commands)

    for warning in result.warnings:
        said = _clean(from_here(warning, named, paths))
        _print_pieces(console, [("warning:", "yellow"), (f" {said}", None)], wrap=True)
    for note in result.notes:
        said = _clean(from_here(note, named, paths))
        _print_pieces(console, [("note:", "dim"), (f" {said}", None)], wrap=True)
    if not quiet:
        groups: dict[str, list[Finding]] = {disposition: [] for disposition in DISPOSITION_TITLES}
        for finding in result.findings:
            groups[finding.disposition].append(finding)
        expiring = _expiring_waivers(result.findings)
        for disposition, title in DISPOSITION_TITLES.items():
            group = groups[disposition]
            if disposition == "baselined" and group and max_findings > 0:
                _print_counted_group(console, title, group)
                continue
            if 0 < max_findings < len(group):  # which ones are printed: the most needed
                group = most_needed_first(group)
            if group:
                result.complete(group[:max_findings] if max_findings > 0 else group)
                _print_group(
                    console, title, group, max_findings, expiring, full_reports, paths, fix_here
                )
            if disposition == "blocking":
                _print_adoption_hint(console, result, paths)
        _print_targets(console, result.sections.get("kpis"))
        _print_diff_counts(console, result.sections.get("diff"), diff_command, result.inputs)
        _print_fixed_counts(console, result.sections.get("fixed"))
        _print_touched_counts(console, result)
        if written and not _REPORTS_LISTED_AFTER.get():
            # `check --out` said nothing of where the reports went.
            _print_pieces(
                console, [("reports:", "bold"), (f" {', '.join(written)}", None)], wrap=True
            )
    # Beside the verdict, where a CI log is read from: what it does not cover, and what it
    # covers in part only (each also a note above, which a long log scrolls away).
    if result.not_checked:
        said = " · ".join(result.not_checked)
        _print_pieces(console, [("not checked:", "yellow"), (f" {said}", None)], wrap=True)
    for note in result.partly_checked:
        said = _clean(from_here(note, named, paths))
        _print_pieces(console, [("partly checked:", "yellow"), (f" {said}", None)], wrap=True)
    style = "bold green" if result.decision == "pass" else "bold red"
    _print_pieces(console, [(verdict_line(result), style)])


def _print_touched_counts(console: Any, result: GateResult) -> None:
    """Under `scope: all` against a base build, how many findings are the change's and how many
    of those block (`view.touched_counts`), as gate.md's count line says: nothing is outside
    the change there, and a reviewer reading the log could not tell the pull request's."""
    if result.sections.get("changes") is None:
        return
    counts = touched_tally([(f.changed, f.disposition) for f in result.findings])
    if counts is not None:
        said = f" {counted(counts[0], 'finding')}, {number(counts[1])} of them blocking"
        _print_pieces(console, [("on what the change touched:", "bold"), (said, None)])


def most_needed_first(findings: list[Finding]) -> list[Finding]:
    """`findings` stably sorted by severity, then family (`view.family_rank`): breaking changes
    and run status before policy findings, lint last.

    Sorted as runs of one severity and code, which report order keeps together: the sort then
    handles a few hundred runs, not the 48,000 findings of a 10,000-model project (a key per
    finding cost ~20 ms). Any order gives the same result as a stable sort of the findings."""
    runs = [list(run) for _, run in groupby(findings, key=_SEVERITY_AND_CODE)]
    runs.sort(
        key=lambda run: (
            SEVERITY_ORDER.get(run[0].severity, 9) * 10 + family_rank(run[0].code.split(".", 1)[0])
        )
    )
    return [finding for run in runs for finding in run]


@contextmanager
def reports_listed_after() -> Iterator[None]:
    """The gate's report printed inside names no report file: `dbtgate demo` lists them after
    it, with what each is for and by paths its reader can open from where they ran it. The
    report's own line named them from the pull request's folder the demo runs the gate in
    (`../../reports/gate.md`), and the demo's list named them again."""
    token = _REPORTS_LISTED_AFTER.set(True)
    try:
        yield
    finally:
        _REPORTS_LISTED_AFTER.reset(token)


@contextmanager
def untrusted_output(console: Any, environ: Mapping[str, str] | None = None) -> Iterator[None]:
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
    import secrets  # here: outside GitHub Actions (a laptop) it costs ~1% of a small check

    token = secrets.token_hex(16)
    console.print(f"::stop-commands::{token}", markup=False, highlight=False)
    try:
        yield
    finally:
        console.print(f"::{token}::", markup=False, highlight=False)


class StageProgress:
    """What `stage` yields: `advance(n)` moves the bar; `describe(text)` says what the stage waits
    for when that is slower than its name suggests (a `dbt parse` of a --base git ref while
    "loading artifacts": seconds, not milliseconds). Off a terminal both do nothing."""

    def __init__(self, progress: Any = None, task: Any = None) -> None:
        self._progress = progress
        self._task = task

    def __call__(self, steps: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, steps)

    def describe(self, text: str) -> None:
        if self._progress is not None:
            from rich.markup import escape  # a ref may hold `[`

            self._progress.update(self._task, description=escape(text))


@contextmanager
def stage(
    console: Any, description: str, *, total: int | None = None, quiet: bool = False
) -> Iterator[StageProgress]:
    """A transient progress bar (a spinner when `total` is unknown) while a long stage runs.

    Only on a terminal: in a CI log, redrawn progress lines are noise."""
    if quiet or not console.is_terminal:
        yield StageProgress()
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
        yield StageProgress(progress, progress.add_task(description, total=total))


def _expiring_waivers(findings: list[Finding]) -> dict[tuple[str, str, str], int]:
    """(rule, select, expires) -> days left of the waivers the gate announced
    (`waiver.expiring`), as `view.expiring_waivers` reads them from a report: a waived
    finding's line says it too, as the reports' waiver tables do."""
    return {
        (f.details["rule"], f.details["select"], f.details["expires"]): f.details["days_left"]
        for f in findings
        if f.code == "waiver.expiring"
    }


def _print_group(
    console: Any,
    title: str,
    findings: list[Finding],
    limit: int = 0,
    expiring: dict[tuple[str, str, str], int] | None = None,
    full_reports: Sequence[str] = (),
    paths: Callable[[str], str] | None = None,
    fix_here: Callable[[str], str] = str,
) -> None:
    _print_heading(console, f"{title} ({number(len(findings))})")
    shown = findings[:limit] if limit > 0 else findings
    hidden = len(findings) - len(shown)
    by_owner: dict[str, list[Finding]] = defaultdict(list)
    for finding in shown:
        by_owner[owner_group(finding)].append(finding)
    # The whole group in one print (`_print_pieces`).
    pieces: list[Piece] = []
    add = pieces.append
    if hidden:
        # Under the heading, before the lines: after 200 findings of two lines each, a count
        # printed at their end was where no reader got to.
        add((f"{rule_counts(findings)}\n", "dim"))
    # The whole project's or a selection's findings (KPIs, tests.coverage) first, named owners
    # alphabetically, the unowned last (as in every report).
    for owner in sorted(by_owner, key=owner_order):
        add((_clean(owner), "bold"))
        add(("\n", None))
        folded = fold_repeats(by_owner[owner], _REPEAT_KEY)
        # A fix the findings after it repeat, said once (a run of 89 said it 89 times).
        runs = _fix_runs([(repeats[0].code, repeats[0].fix) for repeats in folded])
        for repeats, run in zip(folded, runs, strict=True):
            finding = repeats[0]
            add(("  ", None))
            add((f"{finding.severity:<5}", _SEVERITY_STYLE.get(finding.severity)))
            add((" ", None))
            add((_clean(finding.code), "bold"))
            times = f" ({number(len(repeats))}×)" if len(repeats) > 1 else ""
            add((f" {_clean(finding.message)}{times}", None))
            places = _places(repeats, paths)
            if places:  # a KPI's finding is on no file: no trailing spaces where it would be
                add(("  ", None))
                add((_clean(places), "dim"))
            add(("\n", None))
            if finding.fix and run is not None:
                add(("        ", None))
                add((f"{_fix_words(run)}:", "dim"))
                add((f" {_clean(fix_here(finding.fix))}\n", None))
            if finding.waiver is not None:
                waiver = finding.waiver
                days_left = (expiring or {}).get((waiver.rule, waiver.select, waiver.expires))
                until = f"{waiver.expires}{expiry_note(days_left)}"
                add(("        ", None))
                add((f"waived by {_clean(waiver.owner)} until {until}:", "dim"))
                add((f" {_clean(waiver.reason)}\n", None))
            expired = expired_waiver_note(finding.details)
            if expired:
                add(("        ", None))
                add((f"{_clean(expired)}\n", "dim"))
    if hidden:
        add((f"… and {number(hidden)} more ({where_the_rest_are(full_reports)})\n", "dim"))
    _print_pieces(console, pieces, end="", wrap=True)


def _fix_runs(items: Sequence[tuple[str, str | None]]) -> list[int | None]:
    """For each line of an owner's list, given as its (rule, fix): where a run of lines of
    one rule with one fix starts, how many more the run holds (0 for a line alone, or one
    without a fix); None for the others of a run. The list says the fix once, under the run's
    first line (`_fix_words`): a CI log repeated 'Declare its columns with descriptions in
    its properties YAML.' under 89 findings in a row, and a 300-character fix under each of
    29 breaking changes."""
    runs: list[int | None] = []
    start = 0
    for index, item in enumerate(items):
        if index and item[1] and item == items[index - 1]:
            runs.append(None)
            runs[start] = index - start
        else:
            runs.append(0)
            start = index
    return runs


def _fix_words(run: int) -> str:
    """What a fix said once for a run of `run` more lines (`_fix_runs`) is headed with:
    `fix (this and the next 28)`, `fix (this and the next one)`."""
    if not run:
        return "fix"
    return f"fix (this and the next {'one' if run == 1 else number(run)})"


def where_the_rest_are(full_reports: Sequence[str]) -> str:
    """Where a capped group's other findings are: the reports this run wrote that hold every
    finding, by their paths, or the options that write them."""
    if full_reports:
        return f"`--max-findings 0` prints all; every finding is in {' and '.join(full_reports)}"
    return (
        "`--max-findings 0` prints all; the reports `--json FILE` and `--out DIR` write hold "
        "every finding"
    )


# From how many blocking findings of legacy debt a failing run without a baseline points to
# `dbtgate baseline` instead of suggesting a waiver: an entry each, with its reason, owner and
# end date, is for the few findings that must ship as they are, not for a project's debt.
BASELINE_HINT_AT = 20


def _print_adoption_hint(
    console: Any, result: GateResult, paths: Callable[[str], str] | None = None
) -> None:
    """After the blocking findings, the way out a team adopting the gate needs: the baseline
    for many findings of debt (one line), else the waiver to paste for one finding. Console
    only, so the CI log says it too: the PR comment is read by a pull request's reviewers,
    who do not adopt the gate; there it would repeat on every pull request until someone does,
    and tempt an author to record the pull request's own findings as debt."""
    debt = result.unrecorded_debt
    if debt < BASELINE_HINT_AT:
        _print_waiver_hint(console, result, paths)
        return
    line = (
        f"{number(debt)} blocking findings are policy or lint debt "
        "a baseline can hold: `dbtgate baseline` records today's so that only new ones block "
        "(commit the file it writes and set `baseline:` in the config)"
    )
    _print_pieces(console, [(f"{_clean(line)}\n", "dim")], end="", wrap=True)


def _print_waiver_hint(
    console: Any, result: GateResult, paths: Callable[[str], str] | None = None
) -> None:
    """The waiver entry the gate suggests (`sections.suggested_waiver`), ready to paste, after
    the blocking findings: one that must ship as it is for now is accepted in dbtgate.yml with
    a reason, an owner and an end date, and the docs were the only place to learn the shape."""
    suggestion = result.sections.get("suggested_waiver")
    if not suggestion:
        return
    inputs = result.inputs
    if paths is not None and inputs.get("config"):
        inputs = {**inputs, "config": paths(inputs["config"])}  # the file to paste it into
    said = suggested_waiver_intro(suggestion, inputs)
    # The intro is prose, wrapped at words on a terminal as the findings above it are; the
    # entry is YAML to paste, its lines whole.
    _print_pieces(console, [(f"{_clean(said)}\n", "dim")], end="", wrap=True)
    entry = [(f"{_clean(line)}\n", None) for line in suggested_waiver_lines(suggestion)]
    _print_pieces(console, entry, end="")


def _print_counted_group(console: Any, title: str, findings: list[Finding]) -> None:
    """A group counted per rule, not listed: the baselined findings are the debt the team
    recorded on purpose, the same on every pull request; listed, they would bury in a CI log
    what the change did (`--max-findings 0` lists them, the reports hold each)."""
    _print_heading(console, f"{title} ({number(len(findings))})")
    _print_pieces(
        console,
        [
            (f"{rule_counts(findings)}\n", None),
            (
                "(recorded in the baseline; `--max-findings 0` lists them, the --json and --out "
                "reports hold each)\n",
                "dim",
            ),
        ],
        end="",
    )


def _print_heading(console: Any, heading: str) -> None:
    """A group's heading after a blank line: a rule on a terminal, underlined in a log. On a
    terminal too narrow for it (`Outside the change (...)` at 80 columns) the heading wraps
    and the rule follows its last line: rich cut it with an ellipsis, so the reader lost what
    the group is and its count."""
    console.print()
    if console.is_terminal:
        from rich.text import Text

        *above, last = hanging(heading, max(console.width - 4, 20)).splitlines()
        for line in above:
            console.print(Text(line), soft_wrap=True)
        console.rule(Text(last), align="left")
    else:
        console.print(f"{heading}\n{'-' * len(heading)}", markup=False, highlight=False)


def rule_counts(findings: list[Finding]) -> str:
    """`by rule: docs.column_coverage 4,746, owner.present 1,975`: a capped group's findings
    counted per code, the largest first. The lines printed may all be one rule; the counts say
    where the rest of the debt is, which is where a team adopting the gate starts."""
    counts: dict[str, int] = defaultdict(int)
    for finding in findings:
        counts[finding.code] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "by rule: " + ", ".join(f"{_clean(code)} {number(count)}" for code, count in ranked)


# Findings the console prints as one line, with every place (`view.fold_repeats`).
_REPEAT_KEY = attrgetter("code", "unique_id", "column_name", "path", "message", "fix", "waiver")


def _places(repeats: list[Finding], paths: Callable[[str], str] | None = None) -> str:
    """`path:line:column` of the first of `repeats`, then the line (and column) of the others in
    the same file: `models/a.sql:10:9, 10:14, 12:1` (the path as `paths` names it)."""
    first = repeats[0]
    where = first.path or ""
    if where and paths is not None:
        where = paths(where)
    if first.line:
        where += f":{first.line}" + (f":{first.column}" if first.column else "")
    if where and first.details.get("path_deleted") is True:
        where += f" ({DELETED})"
    others = [
        f"{f.line}:{f.column}" if f.column else f"line {f.line}"
        for f in repeats[1:MAX_PLACES]
        if f.line
    ]
    if len(repeats) > MAX_PLACES:
        others.append(f"and {number(len(repeats) - MAX_PLACES)} more")
    return ", ".join([where, *others]) if others else where


def _clean(text: str) -> str:
    """Text from the pull request as one printable line (dbtgate.plain_text): a finding, note
    or owner prints as one line, without escape sequences, and cannot start a workflow
    command of its own in the CI log."""
    return one_line(text)


# A KPI that fell since the base build (`view.base_moved`) in red, one that rose in green.
_MOVED_STYLE = {"fell": "red", "rose": "green"}


def _print_diff_counts(console: Any, diff: Any, diff_command: str, inputs: dict[str, Any]) -> None:
    """One line saying the schema diff ran and what it found: its breaking changes are findings
    above, but with none a `check --base` said nothing of the diff at all, and the safe and
    risky changes it saw are listed only by `dbtgate diff` (`diff_command`, with the --base a
    plain `dbtgate diff` would lack). `diff` is the gate's SchemaDiff, or its JSON form in a
    result read back from a saved report. A base built after this build is said in it
    (`view.base_newer_words`, from the report's `inputs`): it is what the diff measured."""
    if diff is None:
        return
    counts, changes = (
        (diff.get("counts") or {}, diff.get("changes"))
        if isinstance(diff, dict)
        else (diff.counts, diff.changes)
    )
    said = (
        f"{diff_counts_text(counts)} (`{diff_command}` lists every change)"
        if changes
        else "no changes"
    )
    label = "schema diff against the base"
    newer = base_newer_words(inputs)
    if newer:  # the note above says it whole; a long log scrolls it away
        label += f" (built {newer}: see the note above)"
    _print_pieces(console, [(f"{label}:", "bold"), (f" {said}", None)])


def _print_fixed_counts(console: Any, fixed: Any) -> None:
    """`fixed since the base build: 3 tests, 1 model`, after the diff's line (lower case, as
    the console's other labels): an engineer checking a fix locally saw it only by a failure
    gone from the list; the reports name them."""
    from dbtgate.report.view import FIXED_TITLE, fixed_counts

    said = fixed_counts(fixed)
    if said:
        _print_pieces(console, [(f"{FIXED_TITLE.lower()}:", "bold"), (f" {said}", None)])


def _print_targets(console: Any, kpis: Any) -> None:
    """The KPIs that have a target, one line each: the release manager's question on a laptop.

    The full scorecard (per tier, per owner) is in the markdown and HTML reports. A KPI with
    nothing to measure is left out (the reports' KPI notes say why), unless it is gated: "n/a
    (gated)", with why in a note under the table, as every report says it."""
    from dbtgate.report.view import (
        base_moved,
        base_notes,
        gated_status,
        no_data_notes,
        scorecard_headers,
        scorecard_rows,
    )

    rows = [row for row in scorecard_rows(kpis) or [] if row[3] != "–"]
    if not rows:
        return
    cells = []
    for kpi, value, count, target, status, gated, *base in rows:
        style = "red" if status == "below" else "green" if status == "met" else None
        label = gated_status([kpi, value, count, target, status, gated])
        row = [(kpi, None), (value, None), (count, None), (target, None), (label, style)]
        moved = [(change, _MOVED_STYLE.get(base_moved(change) or "")) for change in base]
        cells.append(row + moved)
    console.print()  # apart from the findings above, as the groups are from each other
    _print_table(
        console,
        "KPIs with a target",
        cells,
        headers=("KPI", "value", "count", "target", "status", *scorecard_headers(rows)[6:]),
        title_left=True,
        pad_edge=False,
    )
    for note in [*no_data_notes(kpis, gated=True), *base_notes(kpis)]:
        _print_pieces(console, [("note:", "dim"), (f" {_clean(note)}", None)])


def verdict_line(result: GateResult) -> str:
    blocking = result.count("blocking")
    others = len(result.findings) - blocking
    return verdict_words(
        result.decision, blocking, others, result.inputs, waived=result.count("waived")
    )
