"""`dbtgate trend --md / --html`: the trend as a markdown page and a self-contained HTML page.

Both give what the console gives, in its order: the KPI table, the builds it spans under a
heading of their own, then the notes. Everything read from the reports is escaped (project,
KPI and file names are untrusted text), and numbers are right-aligned, so a column of percents
reads down its decimal points.
"""

from __future__ import annotations

import html

from dbtgate.report.escape import md_text
from dbtgate.report.html import csp_hash
from dbtgate.status.trend import (
    BUILD_NUMBER_COLUMNS,
    KPI_COLUMNS,
    NUMBER_COLUMNS,
    Trend,
    build_columns,
    build_rows,
    headline,
    kpi_cells,
)

BUILDS_HEADING = "Builds"


def render_markdown(trend: Trend) -> str:
    lines = [
        f"## KPI trend: {md_text(trend.project)}",
        "",
        headline(trend),
        "",
        *_md_table(KPI_COLUMNS, NUMBER_COLUMNS, [kpi_cells(row) for row in trend.rows]),
        "",
        f"### {BUILDS_HEADING}",
        "",
        *_md_table(build_columns(trend), BUILD_NUMBER_COLUMNS, build_rows(trend)),
    ]
    if trend.notes:
        lines.append("")
        lines.extend(f"> {md_text(note)}  " for note in trend.notes)
    return "\n".join(lines) + "\n"


def _md_table(
    columns: tuple[str, ...], numbers: frozenset[str], rows: list[tuple[str, ...]]
) -> list[str]:
    return [
        f"| {' | '.join(columns)} |",
        "|" + "|".join("---:" if column in numbers else "---" for column in columns) + "|",
        *(f"| {' | '.join(map(md_text, row))} |" for row in rows),
    ]


_STYLE = """
:root { color-scheme: light dark; }
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328; background: #fff; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
table { border-collapse: collapse; margin-bottom: 1.5rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.spark { font-family: monospace; letter-spacing: .1em; }
td.below { color: #cf222e; font-weight: bold; }
td.met { color: #1a7f37; }
p.note { color: #57606a; }
@media (max-width: 600px) {
  body { margin: .5rem; }
  table { display: block; overflow-x: auto; }
}
/* A dark system gets a dark page, in gate.html's palette, every text at AA contrast. */
@media screen and (prefers-color-scheme: dark) {
  body { color: #f2f4f7; background: #101828; }
  th, td { border-color: #344054; }
  td.below { color: #f97066; }
  td.met { color: #47cd89; }
  p.note { color: #98a2b3; }
}
@media print { :root { color-scheme: light; } body { color: #1f2328; background: #fff; } }
"""
# The class of a KPI table's cell beyond a number's: the sparkline's, and the status' (met,
# below) that colours it.
_SPARK = KPI_COLUMNS.index("trend")
_STATUS = KPI_COLUMNS.index("status")


def render_html(trend: Trend) -> str:
    """A self-contained page (no network assets): the same tables as the markdown."""
    e = html.escape
    kpis = [kpi_cells(row) for row in trend.rows]
    kpi_classes = [{_SPARK: "spark", _STATUS: row.status.replace(" ", "-")} for row in trend.rows]
    notes = "\n".join(f"<p class=note>{e(note)}</p>" for note in trend.notes)
    # As the gate report's: nothing runs, nothing loads, only this page's own style applies.
    csp = f"default-src 'none'; style-src '{csp_hash(_STYLE)}'; base-uri 'none'; form-action 'none'"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>KPI trend: {e(trend.project)}</title>
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_STYLE}</style>
</head>
<body>
<h1>KPI trend: {e(trend.project)}</h1>
<p>{e(headline(trend))}</p>
{_html_table(KPI_COLUMNS, NUMBER_COLUMNS, kpis, kpi_classes)}
<h2>{BUILDS_HEADING}</h2>
{_html_table(build_columns(trend), BUILD_NUMBER_COLUMNS, build_rows(trend))}
{notes}
</body>
</html>
"""


def _html_table(
    columns: tuple[str, ...],
    numbers: frozenset[str],
    rows: list[tuple[str, ...]],
    classes: list[dict[int, str]] | None = None,
) -> str:
    """A table whose number columns are right-aligned (`num`), header and cells alike, and
    whose cells take the classes `classes` gives them, row by row."""
    e = html.escape
    numeric = [column in numbers for column in columns]
    head = "".join(
        f"<th class=num>{e(column)}</th>" if number else f"<th>{e(column)}</th>"
        for column, number in zip(columns, numeric, strict=True)
    )
    body = []
    for index, row in enumerate(rows):
        extra = classes[index] if classes else {}
        cells = []
        for at, (cell, number) in enumerate(zip(row, numeric, strict=True)):
            names = " ".join(name for name in ("num" if number else "", extra.get(at, "")) if name)
            attribute = f' class="{e(names)}"' if names else ""
            cells.append(f"<td{attribute}>{e(cell)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    rows_html = "\n".join(body)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows_html}\n</tbody>\n</table>"
