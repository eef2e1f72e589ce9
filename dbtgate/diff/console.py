"""`dbtgate diff`: the schema diff as a table in the terminal, decided like the gate decides.

The diff command runs only the `breaking` family through the gate (so waivers, scope and the
config's severities apply exactly as in `dbtgate check`) and prints every change, safe ones
included, with its code (coloured by class), change, reason, impact and status (blocking,
advisory, acknowledged, waived). The JSON report it writes has the same shape as the gate's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table
from rich.text import Text

from dbtgate.diff.properties import grants_moved
from dbtgate.errors import DbtgateError
from dbtgate.project import RELATION_TYPES
from dbtgate.report.view import base_newer_words, diff_counts_text, focus_label, status_name
from dbtgate.wording import hanging, number

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from rich.console import Console

    from dbtgate.checks import CheckContext
    from dbtgate.diff.changes import Change, SchemaDiff
    from dbtgate.findings import Finding
    from dbtgate.gate import GateResult
    from dbtgate.locate import Locator

_CLASS_STYLE = {"breaking": "bold red", "risky": "yellow", "safe": "green"}


def diff_result(context: CheckContext, locator: Locator) -> GateResult:
    """The gate run on the breaking family only; a base build is required."""
    if context.base is None:
        raise DbtgateError(
            "dbtgate diff needs a base build: pass --base PATH|REF (or set `base` in dbtgate.yml)"
        )
    from dbtgate.gate import run_gate

    return run_gate(context, locator, families={"breaking"})


def print_diff(
    console: Console,
    result: GateResult,
    paths: Callable[[str], str] | None = None,
    written: Sequence[str] = (),
) -> None:
    """The diff's warnings and notes (the files they name as `paths` names them from the
    working directory, `locate.console_paths`), its changes, counts, the report files written
    (`written`, as `check` names them) and verdict; the counts say when the base was built
    after this build (`view.base_newer_words`)."""
    from dbtgate.named_files import from_here

    diff: SchemaDiff | None = result.sections.get("diff")
    named = result.named_files
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(from_here(warning, named, paths))}")
    for note in result.notes:
        console.print(f"[dim]note:[/] {escape(from_here(note, named, paths))}")
    if diff is None or not diff.changes:
        console.print("no schema changes against the base build")
    else:
        print_changes(console, diff, result.findings)
    counts = diff_counts_text(diff.counts if diff is not None else {})
    newer = base_newer_words(result.inputs)
    if newer:  # what the changes were measured against, beside them: the note is far above
        counts += f" against a base built {newer} (see the note above)"
    console.print(escape(counts))
    if written:
        console.print(f"[bold]reports:[/] {escape(', '.join(written))}", highlight=False)
    verdict = "PASS" if result.decision == "pass" else "FAIL"
    blocking = result.count("blocking")
    waived = result.count("waived")
    focus = focus_label(result.inputs.get("select"), result.inputs.get("exclude"))
    console.print(
        f"dbtgate diff: {verdict} — {number(blocking)} blocking change{'' if blocking == 1 else 's'}"
        # As the gate's verdict says them (`view.verdict_words`): a pass may be one by waivers.
        + (f", {number(waived)} waived" if waived else "")
        + (f", on {escape(focus)}" if focus else ""),
        style="bold green" if result.decision == "pass" else "bold red",
    )


def print_changes(console: Console, diff: SchemaDiff, findings: list[Finding]) -> None:
    """The table where its prose columns get room, else one block a change: at 100 columns the
    six-column table gave the reason and the impact 12 characters each, a word a line."""
    statuses = change_statuses(diff, findings)
    widths = _set_widths(diff, statuses, console.width)
    if widths is not None:
        # Laid out at the console's width: the console soft-wraps (long lines left whole for
        # the terminal), which let the table's cells run past it (164 columns at 160).
        console.print(change_table(diff, statuses, widths), soft_wrap=False)
    else:
        console.print("[bold]Schema changes against the base build[/]")
        for block in change_blocks(diff, statuses, console.width):
            console.print(block)


def change_statuses(diff: SchemaDiff, findings: list[Finding]) -> list[str]:
    """Each change's status (blocking, advisory, acknowledged, waived, or "" for a change no
    rule reported), in the order of `diff.changes`: what the status column and blocks print."""
    by_change = {(f.code, f.unique_id, f.column_name, f.key): f for f in findings}
    return [
        _status(change, by_change.get((change.code, change.unique_id, change.column, change.key)))
        for change in diff.changes
    ]


def _set_widths(diff: SchemaDiff, statuses: list[str], width: int) -> tuple[int, int] | None:
    """The resource and change columns' widths at a console `width`, or None when the table
    would not leave the reason and the impact `_PROSE_MIN` each (3 a column for borders).

    Each is its longest cell up to a cap (`_RESOURCE_CAP`, `_CHANGE_CAP`: what keeps a name
    or an `old → new` whole), longer where the width has room. They are set, not minimums:
    rich narrows the columns it may to fit, and a minimum put back afterwards ran the table
    past the console (its status column cut off between 152 and 170 columns)."""
    resource = _longest(diff, _resource, "resource")
    change = _longest(diff, _movement, "change")
    fixed = max(len(change.code) for change in diff.changes) + _status_width(statuses)
    room = width - fixed - 3 * 6 - 1 - 2 * _PROSE_MIN
    resource_width, change_width = min(resource, _RESOURCE_CAP), min(change, _CHANGE_CAP)
    room -= resource_width + change_width
    if room < 0:
        return None
    grown = min(resource - resource_width, room)
    return resource_width + grown, change_width + min(change - change_width, room - grown)


def _longest(diff: SchemaDiff, cell: Callable[[Change], str], heading: str) -> int:
    """The longest of a column's cells, or its heading's width when none is longer."""
    return max(len(heading), *(len(cell(change)) for change in diff.changes))


def _status_width(statuses: list[str]) -> int:
    return max(len("status"), *(len(status) for status in statuses))


def change_blocks(diff: SchemaDiff, statuses: list[str], width: int) -> list[Text]:
    """One block a change for a narrow terminal: the code, resource, change and status on one
    line, then indented the reason, each reader and the owners, each wrapped at `width` with a
    hanging indent (the console prints soft-wrapped, so the terminal would wrap at column 0)."""
    blocks: list[Text] = []
    for change, status in zip(diff.changes, statuses, strict=True):
        head = Text(change.code, style=_CLASS_STYLE[change.change_class])
        for part in (_resource(change), _movement(change), status):
            if part:
                head.append("  " + part)
        blocks.append(head)
        for line in (_reason(change), *_impact(change).splitlines()):
            wrapped = hanging(line, max(width, 40), "    ", "      ")
            if wrapped:
                blocks.append(Text(wrapped))
    return blocks


def change_table(
    diff: SchemaDiff, statuses: list[str], widths: tuple[int, int] | None = None
) -> Table:
    """One row a change. The code says the class (`breaking.`, `risky.`, `safe.`) in its
    class's colour, whole on one line (it is what `dbtgate rules CODE` and a waiver take); the
    reason leaves out the resource its row already names. `widths`: the resource and change
    columns' (`_set_widths`), else their longest cells up to their caps."""
    resource, change = widths or (
        min(_longest(diff, _resource, "resource"), _RESOURCE_CAP),
        min(_longest(diff, _movement, "change"), _CHANGE_CAP),
    )
    table = Table(title="Schema changes against the base build", show_lines=False)
    table.add_column("code", no_wrap=True)
    table.add_column("resource", overflow="fold", width=resource)
    table.add_column("change", overflow="fold", width=change)
    for name in ("reason", "impact"):
        table.add_column(name, overflow="fold")
    table.add_column("status", no_wrap=True, width=_status_width(statuses))
    for change, status in zip(diff.changes, statuses, strict=True):
        style = _CLASS_STYLE[change.change_class]
        table.add_row(
            f"[{style}]{escape(change.code)}[/]",
            escape(_resource(change)),
            escape(_movement(change)),
            escape(_reason(change)),
            escape(_impact(change)),
            escape(status),
        )
    return table


def _named(change: Change) -> str:
    """The resource as its reasons name it: a model, seed or snapshot by its name (and
    version); any other with its kind, as `group finance` or `semantic model customers` (a bare
    `customers` read as the model of that name), a source with its source's name
    (`source ecom.raw_customers`, `display_name`)."""
    if change.resource_type in RELATION_TYPES:
        return change.name if change.version is None else f"{change.name} v{change.version}"
    if change.resource_type == "source":
        # source.<package>.<source>.<table>: the source's name is not on the change.
        return "source " + ".".join(change.unique_id.split(".")[2:])
    return f"{change.resource_type.replace('_', ' ')} {change.name}"


def _resource(change: Change) -> str:
    return f"{_named(change)}.{change.column}" if change.column else _named(change)


def _reason(change: Change) -> str:
    """The reason without its leading `name: ` (the resource column says it)."""
    prefix = f"{_named(change)}: "
    return change.reason[len(prefix) :] if change.reason.startswith(prefix) else change.reason


def _movement(change: Change) -> str:
    """`old → new`; for a grant change the grants it revoked or added (`grants_moved`)."""
    moved = grants_moved(change)
    if moved is not None:
        return moved
    if change.old is None and change.new is None:
        return ""
    return f"{change.old or '∅'} → {change.new or '∅'}"


def _impact(change: Change) -> str:
    if change.impact is None:
        return ""
    import msgspec

    from dbtgate.diff.impact_text import reader_lines

    impact = msgspec.to_builtins(change.impact)
    lines = reader_lines(impact, change.column)
    if impact.get("owners"):
        lines.append("readers' owners: " + ", ".join(impact["owners"]))
    return "\n".join(lines) or "nothing downstream"


_RESOURCE_CAP = 40
_CHANGE_CAP = 24
_PROSE_MIN = 20


def _status(change: Change, finding: Finding | None) -> str:
    if change.acknowledged is not None:
        return change.acknowledged.status()
    if finding is None:
        return ""
    if finding.waiver is not None:
        return "waived"
    return f"{status_name(finding.disposition)} ({finding.severity})"
