"""`dbtgate trend` in the console: the KPI table and the builds table where they fit, else a
block a KPI and a block a build.

At 50 columns the seven-column KPI table gave each column six characters: `last move` and
`latest` split across lines, `tre…` and `fir…` lost their ends, and a KPI's name was three
lines of `tier…` / `test` / `cov…`. Each table is printed only when the terminal gives every
column but the one of names its whole width and the names at least their longest word; else
each KPI (each build) is a line naming it, with its figures indented below, wrapped with a
hanging indent (the console prints soft-wrapped, so the terminal would wrap at column 0).
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from dbtgate.status.trend import (
    KPI_COLUMNS,
    MISSING,
    NUMBER_COLUMNS,
    Trend,
    TrendRow,
    arrow,
    build_columns,
    build_rows,
    headline,
    kpi_cells,
)
from dbtgate.wording import hanging

_MOVE_COLOURS = {"↑": "green", "↓": "red"}
_FALL_IS_GOOD = {"↑": "red", "↓": "green"}
# The narrowest a column of names (KPI labels, report paths) gets in a table: its longest
# word, at most this (a longer name folds; a name cut into pieces of 5 is what blocks avoid).
_NAME_CAP = 16
# Borders and padding: 3 characters a column and 1 for the table's right edge.
_BORDERS = 3


def print_trend(console: Console, trend: Trend) -> None:
    """The KPIs, then the builds they span, then the notes: in the order the markdown and the
    HTML page give them."""
    title = f"KPI trend: {trend.project} ({headline(trend).rstrip('.')})"
    kpis = [kpi_cells(row) for row in trend.rows]
    if _fits(KPI_COLUMNS, kpis, 0, console.width):
        console.print(_kpi_table(escape(title), trend))
    else:
        console.print(Text(hanging(title, _width(console)), style="italic"), soft_wrap=True)
        for row, cells in zip(trend.rows, kpis, strict=True):
            _print_kpi_block(console, cells, _move_colour(row))
    columns, builds = build_columns(trend), build_rows(trend)
    if _fits(columns, builds, columns.index("report"), console.width):
        console.print(_build_table(columns, builds))
    else:
        console.print(Text("Builds", style="italic"))
        for cells in builds:
            _print_build_block(console, dict(zip(columns, cells, strict=True)))
    for note in trend.notes:
        # Wrapped under its own first word, not at column 0 under "note:".
        text = Text(hanging(f"note: {note}", _width(console), "", "      "))
        text.stylize("dim", 0, len("note:"))
        console.print(text, soft_wrap=True)


def _fits(columns: tuple[str, ...], rows: list[tuple[str, ...]], names: int, width: int) -> bool:
    """Whether a table of `rows` leaves its column of names (index `names`) its longest word
    (at most `_NAME_CAP`) once every other column has its widest cell or header whole."""
    others = sum(
        max(len(column), max((len(row[index]) for row in rows), default=0))
        for index, column in enumerate(columns)
        if index != names
    )
    words = [word for row in rows for word in row[names].split()] or [""]
    least = min(max(len(columns[names]), *map(len, words)), _NAME_CAP)
    return width - others - _BORDERS * len(columns) - 1 >= least


def _kpi_table(title: str, trend: Trend) -> Table:
    table = Table(title=title, title_justify="left")
    for column in KPI_COLUMNS:
        table.add_column(column, justify="right" if column in NUMBER_COLUMNS else "left")
    for row in trend.rows:
        cells = list(map(escape, kpi_cells(row)))
        colour = _move_colour(row)
        if colour:
            cells[4] = f"[{colour}]{cells[4]}[/]"
        if row.status == "below":
            cells[6] = f"[red]{cells[6]}[/]"
        table.add_row(*cells)
    return table


def _build_table(columns: tuple[str, ...], builds: list[tuple[str, ...]]) -> Table:
    table = Table(title="Builds", title_justify="left")
    for column in columns:
        # A build's time stays on one line, and a report's path folds rather than losing its
        # end to an ellipsis ("../../reports…" named no file).
        table.add_column(column, no_wrap=column == "built (UTC)", overflow="fold")
    for cells in builds:
        table.add_row(*map(escape, cells))
    return table


def _print_kpi_block(console: Console, cells: tuple[str, ...], colour: str | None) -> None:
    """`tier-1 test coverage  ▁▄█  below` and, indented, `first 30.0%, latest 100.0%, last
    move ↑ +40.0 pt, target 80.0%`: a KPI's status only when it has one to say."""
    label, spark, first, latest, move, target, status = cells
    head = f"{label}  {spark}" + (f"  {status}" if status != MISSING else "")
    line = Text(hanging(head, _width(console), "", "    "))
    line.stylize("bold", 0, len(label))
    if status == "below":
        line.stylize("red", len(line) - len(status))
    console.print(line, soft_wrap=True)
    figures = [f"first {first}", f"latest {latest}", f"last move {move}", f"target {target}"]
    detail = Text(_wrapped(figures, _width(console), "    ", "      "))
    if colour:
        detail.highlight_words([move], colour)
    console.print(detail, soft_wrap=True)


def _print_build_block(console: Console, cells: dict[str, str]) -> None:
    """`1  2026-08-07 07:12:25 UTC  v1.1 (5789142)  reports/gate.json` and, indented, what
    the report records of the build: `pass, 0 blocking, dbtgate 0.1.0` (`, 3,791 baselined, 2
    waived` between them when the trend shows those columns; the time says UTC
    itself: there is no header to say it; the path is printed whole). `cells` by column."""
    verdict, blocking, version = cells["verdict"], cells["blocking"], cells["dbtgate"]
    commit = cells.get("commit", MISSING)
    named = f"{commit}  {cells['report']}" if commit != MISSING else cells["report"]
    head = hanging(
        f"{cells['#']}  {cells['built (UTC)']} UTC  {named}", _width(console), "", "    "
    )
    console.print(Text(head), soft_wrap=True)
    baselined, waived = cells.get("baselined", MISSING), cells.get("waived", MISSING)
    known = [
        (verdict, verdict),
        (blocking, f"{blocking} blocking"),
        (baselined, f"{baselined} baselined"),
        (waived, f"{waived} waived"),
        (version, f"dbtgate {version}"),
    ]
    said = [text for value, text in known if value != MISSING]
    if said:
        console.print(Text(_wrapped(said, _width(console), "    ", "      ")), soft_wrap=True)


def _wrapped(items: list[str], width: int, first: str, then: str) -> str:
    """`items` joined by commas and wrapped at `width` between them only: `last move → 0.0`
    / `pt` read as two figures. (A no-break space holds each item whole through the wrap.)"""
    whole = ", ".join(item.replace(" ", "\u00a0") for item in items)
    return hanging(whole, width, first, then).replace("\u00a0", " ")


def _move_colour(row: TrendRow) -> str | None:
    """Green for a move the right way, red for one the wrong way: up for every KPI, down for
    a change failure rate."""
    return (_FALL_IS_GOOD if row.lower_is_better else _MOVE_COLOURS).get(arrow(row.move))


def _width(console: Console) -> int:
    """Where blocks wrap: the console's width, and at least 40 (a name is printed whole)."""
    return max(console.width, 40)
